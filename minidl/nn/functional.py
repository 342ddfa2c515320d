"""The functional interface (``import minidl.nn.functional as F``), PyTorch's names and arguments.

Every function takes and returns :class:`~minidl.tensor.Tensor` objects; the
computations live in :mod:`minidl.ops`.
"""
from __future__ import annotations

from ..ops.activation import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from ..ops.conv import conv2d, linear
from ..ops.dropout import dropout
from ..ops.loss import cross_entropy, mse_loss, nll_loss
from ..ops.norm import batch_norm
from ..ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from ..ops.shape import flatten, pad

__all__ = ["linear", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm",
           "dropout", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax",
           "cross_entropy", "nll_loss", "mse_loss", "flatten", "pad"]
