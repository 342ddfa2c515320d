"""The 1-D functional ops (``conv1d``, ``max_pool1d``, ``avg_pool1d``) as their 2-D forms on a height-1 image.

(N, C, L) becomes (N, C, 1, L) and every size/stride/padding becomes
``(1 or 0, value)``; the result is squeezed back. Values, gradients (of every
order) and the error checks are the 2-D ops'.
"""
from __future__ import annotations

from minidl._errors import ShapeError
from minidl.ops.conv import conv2d
from minidl.ops.padding import pad
from minidl.ops.pool import avg_pool2d, max_pool2d

__all__ = ["conv1d", "max_pool1d", "avg_pool1d"]


def _single(value, name):
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{name} must be an int or a 1-element tuple, got {value!r}")
        value = value[0]
    return int(value)


def _as_2d(input, who):
    if input.ndim not in (2, 3):
        raise RuntimeError(f"{who}: expected a 3-D input (N, C, L) or 2-D (C, L), got input of shape "
                           f"{list(input.shape)}")
    return input.unsqueeze(-2)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution: input (N, C_in, L) or (C_in, L), weight (C_out, C_in/groups, k) -> (N, C_out, L_out),
    L_out = floor((L + 2*padding - dilation*(k-1) - 1) / stride) + 1; ``padding`` also "same" or "valid"."""
    if weight.ndim != 3:
        raise RuntimeError(f"conv1d: expected a 3-D weight (C_out, C_in/groups, k), got shape {list(weight.shape)}")
    stride, dilation = _single(stride, "conv1d: stride"), _single(dilation, "conv1d: dilation")
    x = _as_2d(input, "conv1d")
    if padding == "same":
        total = dilation * (weight.shape[-1] - 1)
        if stride != 1:
            raise ShapeError("conv1d: padding='same' is not supported for strided convolutions")
        x, padding = pad(x, (total // 2, total - total // 2)), 0
    elif padding == "valid":
        padding = 0
    out = conv2d(x, weight.unsqueeze(-2), bias, stride=(1, stride), padding=(0, _single(padding, "padding")),
                 dilation=(1, dilation), groups=groups)
    return out.squeeze(-2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max pooling over L: (N, C, L) or (C, L) -> (N, C, L_out); ``return_indices`` gives positions along L."""
    k = _single(kernel_size, "max_pool1d: kernel_size")
    s = k if stride is None or stride == [] else _single(stride, "max_pool1d: stride")
    out = max_pool2d(_as_2d(input, "max_pool1d"), (1, k), (1, s), (0, _single(padding, "padding")),
                     (1, _single(dilation, "dilation")), ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Average pooling over L: (N, C, L) or (C, L) -> (N, C, L_out), PyTorch's divisor rule."""
    k = _single(kernel_size, "avg_pool1d: kernel_size")
    s = k if stride is None or stride == [] else _single(stride, "avg_pool1d: stride")
    return avg_pool2d(_as_2d(input, "avg_pool1d"), (1, k), (1, s), (0, _single(padding, "padding")), ceil_mode,
                      count_include_pad).squeeze(-2)
