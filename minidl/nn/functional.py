"""The functional interface (``import minidl.nn.functional as F``), PyTorch's names and arguments.

Every function takes and returns :class:`~minidl.tensor.Tensor` objects; the
computations live in :mod:`minidl.ops`.
"""
from __future__ import annotations

from ..ops.activation import elu, gelu, leaky_relu, log_softmax, relu, sigmoid, silu, softmax, tanh
from ..ops.conv import conv2d, linear
from ..ops.dropout import dropout, dropout2d
from ..ops.encoding import one_hot
from ..ops.interpolate import interpolate
from ..ops.loss import cross_entropy, nll_loss
from ..ops.loss_elementwise import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    huber_loss,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)
from ..ops.norm import batch_norm
from ..ops.padding import pad
from ..ops.pool import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from ..ops.shape import flatten as _flatten
from ._composite import embedding, layer_norm
from ._conv1d import avg_pool1d, conv1d, max_pool1d
from ._conv_transpose import conv_transpose2d

__all__ = ["linear", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
           "batch_norm", "dropout", "dropout2d", "relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid",
           "tanh", "softmax", "log_softmax", "cross_entropy", "nll_loss", "mse_loss", "l1_loss",
           "smooth_l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "one_hot", "flatten", "pad", "interpolate", "embedding", "layer_norm", "conv_transpose2d",
           "conv1d", "max_pool1d", "avg_pool1d"]


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` into one, as ``torch.flatten`` (whose defaults,
    start_dim=0, flatten everything): (N, C, H, W) -> (N, C*H*W) with ``start_dim=1``."""
    return _flatten(input, start_dim, end_dim)

# attention (composites of matmul, softmax, dropout and linear)
from ._attention import scaled_dot_product_attention  # noqa: E402
from ._mha import multi_head_attention_forward  # noqa: E402

__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]
