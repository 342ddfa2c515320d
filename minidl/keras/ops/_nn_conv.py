"""Convolution and pooling of ``keras.ops.nn`` on minidl's differentiable kernels.

Inputs are ``(batch, *spatial, channels)`` (``data_format="channels_last"``, Keras' default)
or ``(batch, channels, *spatial)`` with ``"channels_first"``; 1, 2 or 3 spatial axes.
Kernels are in Keras' layout: ``conv`` ``(*k, in / groups, out)``, ``depthwise_conv``
``(*k, in, multiplier)``, ``conv_transpose`` ``(*k, out, in)``. ``padding="same"`` pads as
TensorFlow/JAX do (the odd pixel at the end).
"""
from __future__ import annotations

import builtins

import numpy as np

import minidl
import minidl.nn.functional as F
from minidl.tensor import Tensor

__all__ = ["conv", "depthwise_conv", "separable_conv", "conv_transpose", "max_pool", "average_pool",
           "adaptive_average_pool", "adaptive_max_pool", "depth_to_space", "space_to_depth", "unfold", "fold"]

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
_ADA_AVG = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}
_ADA_MAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}


def _t(x):
    from minidl.keras.ops import convert_to_tensor
    x = convert_to_tensor(x)
    return x if x.is_floating_point() else x.float()


def _channels_first(x: Tensor, data_format, name) -> tuple:
    """``x`` as ``(N, C, *spatial)`` and whether it came channels-last."""
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{name}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"{name} needs an input of rank 3, 4 or 5 (batch, spatial..., channels), "
                         f"got shape {tuple(x.shape)}")
    last = data_format == "channels_last"
    return (minidl.movedim(x, -1, 1) if last else x), last


def _back(x: Tensor, last: bool) -> Tensor:
    return minidl.movedim(x, 1, -1) if last else x


def _tuple(v, n, name):
    out = (int(v),) * n if isinstance(v, (int, np.integer)) else tuple(int(i) for i in v)
    if len(out) != n:
        raise ValueError(f"{name} must be an int or {n} ints, got {v!r}")
    return out


def _same_pads(size, kernel, stride, dilation):
    """TensorFlow's 'same' padding ``(before, after)`` of one axis."""
    k = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = builtins.max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


def _pad_same(x: Tensor, kernel, strides, dilation, padding, name, value=0.0) -> Tensor:
    padding = padding.lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"{name}: padding must be 'valid' or 'same', got {padding!r}")
    if padding == "valid":
        return x
    pads = [_same_pads(x.shape[2 + i], kernel[i], strides[i], dilation[i]) for i in range(len(kernel))]
    flat = [p for pair in reversed(pads) for p in pair]
    return F.pad(x, flat, value=value) if builtins.any(flat) else x


def _conv_core(x, weight, strides, padding, dilation_rate, groups, name):
    nd = x.ndim - 2
    kernel = tuple(weight.shape[2:])
    strides, dilation = _tuple(strides, nd, "strides"), _tuple(dilation_rate, nd, "dilation_rate")
    x = _pad_same(x, kernel, strides, dilation, padding, name)
    return _CONV[nd](x, weight.to(x.dtype), stride=strides, dilation=dilation, groups=groups)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1) -> Tensor:
    """The N-D convolution (cross-correlation) of ``inputs`` with ``kernel`` ``(*k, in / groups, out)``;
    ``groups = in / kernel.shape[-2]``. Output ``(batch, *out_spatial, out)``."""
    x, last = _channels_first(_t(inputs), data_format, "conv")
    k = _t(kernel)
    nd = x.ndim - 2
    if k.ndim != nd + 2 or x.shape[1] % k.shape[-2]:
        raise ValueError(f"conv: kernel of shape {tuple(k.shape)} does not fit an input with {x.shape[1]} channels "
                         f"and {nd} spatial axes (expected (*kernel_size, in_channels / groups, out_channels))")
    weight = minidl.permute(k, [nd + 1, nd] + list(range(nd)))
    return _back(_conv_core(x, weight, strides, padding, dilation_rate, x.shape[1] // k.shape[-2], "conv"), last)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1) -> Tensor:
    """Each input channel convolved with its own ``multiplier`` filters; ``kernel`` ``(*k, in, multiplier)``,
    output channel ``c * multiplier + m``."""
    x, last = _channels_first(_t(inputs), data_format, "depthwise_conv")
    k = _t(kernel)
    nd = x.ndim - 2
    if k.ndim != nd + 2 or k.shape[-2] != x.shape[1]:
        raise ValueError(f"depthwise_conv: kernel of shape {tuple(k.shape)} does not fit an input with "
                         f"{x.shape[1]} channels (expected (*kernel_size, {x.shape[1]}, multiplier))")
    weight = minidl.permute(k.reshape(tuple(k.shape[:nd]) + (1, -1)), [nd + 1, nd] + list(range(nd)))
    return _back(_conv_core(x, weight, strides, padding, dilation_rate, x.shape[1], "depthwise_conv"), last)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1) -> Tensor:
    """:func:`depthwise_conv` followed by a 1x1 :func:`conv` with ``pointwise_kernel`` ``(1, ..., in * m, out)``."""
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(depthwise, pointwise_kernel, 1, "valid", data_format, 1)


def _transpose_pads(kernel, stride, dilation, padding, output_padding):
    """JAX's (left, right) padding of the stride-dilated input for Keras' conv_transpose."""
    k = (kernel - 1) * dilation + 1
    if padding == "valid":
        output_padding = builtins.max(k, stride) - k if output_padding is None else output_padding
        return k - 1, k - 1 + output_padding
    pad_len = stride + k - 2 if output_padding is None else k + k % 2 - 2 + output_padding
    left = builtins.min(pad_len // 2 + pad_len % 2, k - 1)
    return left, pad_len - left


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1) -> Tensor:
    """The transposed convolution (the gradient of :func:`conv`); ``kernel`` ``(*k, out, in)``.
    ``"same"`` gives ``in * strides`` positions, ``"valid"`` ``in * strides + max(k - strides, 0)``."""
    x, last = _channels_first(_t(inputs), data_format, "conv_transpose")
    k = _t(kernel)
    nd = x.ndim - 2
    if k.ndim != nd + 2 or k.shape[-1] != x.shape[1]:
        raise ValueError(f"conv_transpose: kernel of shape {tuple(k.shape)} does not fit an input with "
                         f"{x.shape[1]} channels (expected (*kernel_size, out_channels, {x.shape[1]}))")
    padding = padding.lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"conv_transpose: padding must be 'valid' or 'same', got {padding!r}")
    strides, dilation = _tuple(strides, nd, "strides"), _tuple(dilation_rate, nd, "dilation_rate")
    out_pad = (None,) * nd if output_padding is None else _tuple(output_padding, nd, "output_padding")
    weight = minidl.permute(k, [nd + 1, nd] + list(range(nd))).to(x.dtype)
    full = _CONV_T[nd](x, weight, stride=strides, dilation=dilation)
    index, pads = [builtins.slice(None)] * 2, []
    for i in range(nd):
        kd = (k.shape[i] - 1) * dilation[i] + 1
        left, right = _transpose_pads(k.shape[i], strides[i], dilation[i], padding, out_pad[i])
        start = kd - 1 - left
        stop = full.shape[2 + i] + builtins.min(right - (kd - 1), 0)
        index.append(builtins.slice(start, stop))
        pads.append(builtins.max(right - (kd - 1), 0))
    out = full[tuple(index)]
    flat = [p for extra in reversed(pads) for p in (0, extra)]
    return _back(F.pad(out, flat) if builtins.any(flat) else out, last)


def _pool_args(x, pool_size, strides, nd):
    pool = _tuple(pool_size, nd, "pool_size")
    return pool, pool if strides is None else _tuple(strides, nd, "strides")


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None) -> Tensor:
    """The maximum over each ``pool_size`` window (``strides`` default: ``pool_size``)."""
    x, last = _channels_first(_t(inputs), data_format, "max_pool")
    nd = x.ndim - 2
    pool, strides = _pool_args(x, pool_size, strides, nd)
    x = _pad_same(x, pool, strides, (1,) * nd, padding, "max_pool", value=float("-inf"))
    return _back(_MAX[nd](x, pool, strides), last)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None) -> Tensor:
    """The mean over each ``pool_size`` window; with ``"same"`` padding the padded positions are not counted."""
    x, last = _channels_first(_t(inputs), data_format, "average_pool")
    nd = x.ndim - 2
    pool, strides = _pool_args(x, pool_size, strides, nd)
    padded = _pad_same(x, pool, strides, (1,) * nd, padding, "average_pool")
    out = _AVG[nd](padded, pool, strides)
    if padded is not x:
        ones = minidl.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype)
        counts = _AVG[nd](_pad_same(ones, pool, strides, (1,) * nd, padding, "average_pool"), pool, strides)
        out = out / counts
    return _back(out, last)


def adaptive_average_pool(inputs, output_size, data_format=None) -> Tensor:
    """The mean over adaptive windows giving ``output_size`` positions per spatial axis."""
    x, last = _channels_first(_t(inputs), data_format, "adaptive_average_pool")
    nd = x.ndim - 2
    return _back(_ADA_AVG[nd](x, _tuple(output_size, nd, "output_size")), last)


def adaptive_max_pool(inputs, output_size, data_format=None) -> Tensor:
    """The maximum over adaptive windows giving ``output_size`` positions per spatial axis."""
    x, last = _channels_first(_t(inputs), data_format, "adaptive_max_pool")
    nd = x.ndim - 2
    return _back(_ADA_MAX[nd](x, _tuple(output_size, nd, "output_size")), last)


def depth_to_space(x, block_size, data_format="channels_last") -> Tensor:
    """``(N, H, W, C)`` to ``(N, H * b, W * b, C / b**2)`` moving channel blocks into space (TF's DCR order)."""
    x = _t(x)
    if x.ndim != 4:
        raise ValueError(f"depth_to_space needs a 4-D input, got shape {tuple(x.shape)}")
    b = int(block_size)
    first = data_format == "channels_first"
    n, h, w, c = (x.shape[0], x.shape[2], x.shape[3], x.shape[1]) if first else tuple(x.shape)
    if c % (b * b):
        raise ValueError(f"depth_to_space: {c} channels are not divisible by block_size**2 = {b * b}")
    if first:
        y = x.reshape(n, b, b, c // (b * b), h, w).permute(0, 3, 4, 1, 5, 2)
        return y.reshape(n, c // (b * b), h * b, w * b)
    y = x.reshape(n, h, w, b, b, c // (b * b)).permute(0, 1, 3, 2, 4, 5)
    return y.reshape(n, h * b, w * b, c // (b * b))


def space_to_depth(x, block_size, data_format="channels_last") -> Tensor:
    """``(N, H, W, C)`` to ``(N, H / b, W / b, C * b**2)``, the inverse of :func:`depth_to_space`."""
    x = _t(x)
    if x.ndim != 4:
        raise ValueError(f"space_to_depth needs a 4-D input, got shape {tuple(x.shape)}")
    b = int(block_size)
    first = data_format == "channels_first"
    n, h, w, c = (x.shape[0], x.shape[2], x.shape[3], x.shape[1]) if first else tuple(x.shape)
    if h % b or w % b:
        raise ValueError(f"space_to_depth: spatial size {h}x{w} is not divisible by block_size={b}")
    if first:
        y = x.reshape(n, c, h // b, b, w // b, b).permute(0, 3, 5, 1, 2, 4)
        return y.reshape(n, c * b * b, h // b, w // b)
    y = x.reshape(n, h // b, b, w // b, b, c).permute(0, 1, 3, 2, 4, 5)
    return y.reshape(n, h // b, w // b, b * b * c)


def unfold(x, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding blocks of an ``(N, C, H, W)`` input as ``(N, C * kh * kw, L)`` (channels-first, as Keras)."""
    return F.unfold(_t(x), kernel_size, dilation=dilation, padding=padding, stride=stride)


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The inverse of :func:`unfold`: blocks ``(N, C * kh * kw, L)`` summed into ``(N, C, *output_size)``."""
    return F.fold(_t(x), output_size, kernel_size, dilation=dilation, padding=padding, stride=stride)
