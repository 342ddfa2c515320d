"""Batch normalisation: ``BatchNorm1d``, ``BatchNorm2d`` and ``BatchNorm3d`` (PyTorch semantics)."""
from __future__ import annotations

import numpy as np

import minidl.nn.functional as F
from minidl._errors import ShapeError
from minidl.nn import init
from minidl.nn.layers._utils import _count, _factory, _place, _shape
from minidl.nn.module import Module, Parameter
from minidl.tensor import Tensor

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]  # and _NormBase, shared with instance_norm.py


class _NormBase(Module):
    """State shared by the batch- and instance-norm layers (PyTorch's ``_NormBase``).

    ``affine``: ``weight`` (ones) and, unless ``bias=False``, ``bias`` (zeros),
    both of shape (C,); ``track_running_stats``: the buffers ``running_mean``
    (zeros), ``running_var`` (ones) and ``num_batches_tracked``; otherwise the
    three are registered as None.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        dev, dt = _factory(device, dtype)
        self.num_features = _count(type(self).__name__, "num_features", num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(np.ones((self.num_features,), dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros((self.num_features,), dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros((self.num_features,), dtype=dt)))
            self.register_buffer("running_var", Tensor(np.ones((self.num_features,), dtype=dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        _place(self, dev)

    def reset_running_stats(self) -> None:
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            self.num_batches_tracked.array[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics, weight = 1, bias = 0."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)


class _BatchNorm(_NormBase):
    """Shared state and forward of the batch-norm layers.

    In training, normalises with the batch statistics over every dimension
    but the channel one and updates the running statistics
    ``running = (1 - momentum) * running + momentum * batch_stat`` (unbiased
    variance; ``momentum=None`` means a cumulative average,
    ``1 / num_batches_tracked``). In eval, normalises with the running
    statistics. ``y = (x - mean) / sqrt(var + eps) * weight + bias``.
    """

    _valid_ndims = ()
    _layout = ""

    def _check_input(self, input):
        shape = _shape(input)
        if len(shape) not in self._valid_ndims:
            dims = " or ".join(f"{n}-D" for n in self._valid_ndims)
            torch_dims = " or ".join(f"{n}D" for n in self._valid_ndims)
            raise ValueError(f"{self!r}: expected {torch_dims} input (got {len(shape)}D input): expected a {dims} "
                             f"input {self._layout}, got input of shape {shape}")
        has_per_channel_state = self.weight is not None or self.running_mean is not None
        if shape[1] != self.num_features and has_per_channel_state:   # (PyTorch checks only against those)
            raise ShapeError(f"{self!r}: expected input with num_features={self.num_features} "
                             f"in dimension 1, got {shape[1]} in input of shape {shape}")
        if self.training:
            per_channel = 1
            for i, s in enumerate(shape):
                if i != 1:
                    per_channel *= s
            if per_channel == 1:  # (an empty batch is fine, as in PyTorch)
                raise ValueError(f"{self!r}: expected more than 1 value per channel when "
                                 f"training, got input of shape {shape}")

    def forward(self, input):
        """Normalise ``input`` over all dimensions but dimension 1 (the channels)."""
        self._check_input(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.array += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.array)
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        shape = _shape(input)
        if len(shape) == 3:      # (N, C, L) -> (N, C, L, 1)
            x = input.reshape(shape + (1,))
        elif len(shape) == 5:    # (N, C, D, H, W) -> (N, C, D*H, W): the same statistics per channel
            x = input.reshape(shape[:2] + (shape[2] * shape[3], shape[4]))
        else:
            x = input
        out = F.batch_norm(x, self.running_mean if track else None,
                           self.running_var if track else None, self.weight, self.bias,
                           use_batch_stats, factor, self.eps)
        if len(shape) in (3, 5):  # the (N, C, L) / (N, C, D, H, W) input was folded into 4-D
            from ...autograd.naming import name_grad_fn
            return name_grad_fn(out.reshape(shape), "NativeBatchNormBackward0")
        return out

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over a (N, C) or (N, C, L) input; ``num_features`` = C.

    Parameters ``weight`` (C,) = 1 and ``bias`` (C,) = 0 when ``affine``;
    buffers ``running_mean`` (C,) = 0, ``running_var`` (C,) = 1 and
    ``num_batches_tracked`` (int64 scalar, +1 per training forward) when
    ``track_running_stats``. Output has the input's shape.
    """

    _valid_ndims = (2, 3)
    _layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm over a (N, C, H, W) input, per channel; see :class:`BatchNorm1d`.

    >>> import minidl as mdl, minidl.nn as nn
    >>> bn = nn.BatchNorm2d(3)
    >>> y = bn(mdl.randn(8, 3, 5, 5) * 4 + 2)        # training mode: batch statistics
    >>> bool(abs(y.mean().item()) < 1e-5), bn.num_batches_tracked.item()
    (True, 1)
    >>> bn.eval()(mdl.randn(2, 3, 5, 5)).shape     # eval mode: running statistics
    minidl.Size([2, 3, 5, 5])
    """

    _valid_ndims = (4,)
    _layout = "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch norm over a (N, C, D, H, W) input, per channel; see :class:`BatchNorm1d`.

    >>> import minidl as mdl, minidl.nn as nn
    >>> nn.BatchNorm3d(3)(mdl.randn(2, 3, 4, 5, 6)).shape
    minidl.Size([2, 3, 4, 5, 6])
    """

    _valid_ndims = (5,)
    _layout = "(N, C, D, H, W)"
