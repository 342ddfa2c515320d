"""Pooling: max, average, adaptive average and adaptive max (PyTorch's signatures).

Max and average pooling run on ``minidl.kernels``. Adaptive max pooling and
dilated max pooling find their arg-max indices on the raw arrays and then
gather the values with differentiable indexing, so their gradients (and
higher-order gradients) come from the indexing op.
"""
from __future__ import annotations

import numpy as np

from .. import kernels
from .._errors import ShapeError
from ..autograd import Function
from ..backend import get_array_module
from ..kernels.shapes import pair
from ..tensor import Tensor
from ._guards import check_float_input, empty_batch

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d"]


def _nchw_or_channels_last(x):
    """x unchanged when C-contiguous or channels-last (NHWC memory, which the CPU kernels keep), else a copy."""
    return x if kernels.is_channels_last(x) else get_array_module(x).ascontiguousarray(x)


class MaxPool2d(Function):
    """Window maxima; the gradient goes to the (first) arg-max of each window."""

    _saved_inputs = {0: None}   # PyTorch saves self (and its indices)

    _input_values_unused = True   # backward and backward_graph need the input's shape only

    def name(self):
        """``MaxPool2DWithIndicesBackward0``: PyTorch's node for this op."""
        return "MaxPool2DWithIndicesBackward0"

    def forward(self, x, kernel=None, stride=None, padding=None, ceil_mode=False, indices_out=None):
        x = _nchw_or_channels_last(x)
        out, self.argmax = kernels.maxpool2d_forward(x, kernel, stride, padding, ceil_mode)
        self.x_shape = x.shape
        if indices_out is not None:  # return_indices=True: hand the arg-max to the caller
            indices_out.append(self.argmax)
        return out

    def backward(self, g):
        return kernels.maxpool2d_backward(g, self.argmax, self.x_shape)

    def backward_graph(self, g):
        return MaxPoolScatter.apply(g, argmax=self.argmax, x_shape=self.x_shape)


def _gather_at(x, argmax):
    """x (N, C, H, W) read at the flat per-plane indices ``argmax`` (N, C, OH, OW)."""
    xp = get_array_module(x)
    N, C = argmax.shape[:2]
    picked = xp.take_along_axis(x.reshape(N, C, -1), argmax.reshape(N, C, -1), axis=2)
    return picked.reshape(argmax.shape)


class MaxPoolScatter(Function):
    """Max-pool's input gradient as an op: dy scattered to the arg-max positions (linear in dy).

    Its own gradient gathers at the same positions (:class:`MaxPoolGather`).
    """

    def forward(self, g, argmax=None, x_shape=None):
        self.argmax, self.x_shape = argmax, x_shape
        return kernels.maxpool2d_backward(g, argmax, x_shape)

    def backward(self, v):
        return _gather_at(v, self.argmax)

    def backward_graph(self, v):
        return MaxPoolGather.apply(v, argmax=self.argmax, x_shape=self.x_shape)


class MaxPoolGather(Function):
    """x read at max-pool's arg-max positions: the adjoint of :class:`MaxPoolScatter`."""

    def forward(self, x, argmax=None, x_shape=None):
        self.argmax, self.x_shape = argmax, x_shape
        return _gather_at(x, argmax)

    def backward(self, g):
        return kernels.maxpool2d_backward(g, self.argmax, self.x_shape)

    def backward_graph(self, g):
        return MaxPoolScatter.apply(g, argmax=self.argmax, x_shape=self.x_shape)


class AvgPool2d(Function):
    """Window means; each input gets g / divisor from every window that covers it."""

    _saved_inputs = {0: None}   # PyTorch's AvgPool2DBackward0 saves self

    _input_values_unused = True   # backward and backward_graph need the input's shape only

    def name(self):
        """``AvgPool2DBackward0``: PyTorch's node for this op."""
        return "AvgPool2DBackward0"

    def forward(self, x, kernel=None, stride=None, padding=None, ceil_mode=False, count_include_pad=True):
        x = get_array_module(x).ascontiguousarray(x)
        self.args = (kernel, stride, padding, ceil_mode, count_include_pad)
        self.x_shape = x.shape
        return kernels.avgpool2d_forward(x, *self.args)

    def backward(self, g):
        g = get_array_module(g).ascontiguousarray(g)
        return kernels.avgpool2d_backward(g, self.x_shape, *self.args)

    def backward_graph(self, g):
        return AvgPoolAdjoint.apply(g, x_shape=self.x_shape, args=self.args)


class AvgPoolAdjoint(Function):
    """Average pooling's input gradient as an op; pooling is linear, so its gradient is the pooling itself."""

    def forward(self, g, x_shape=None, args=None):
        self.args = args
        return kernels.avgpool2d_backward(get_array_module(g).ascontiguousarray(g), x_shape, *args)

    def backward(self, v):
        return kernels.avgpool2d_forward(get_array_module(v).ascontiguousarray(v), *self.args)

    def backward_graph(self, v):
        kernel, stride, padding, ceil_mode, count_include_pad = self.args
        return AvgPool2d.apply(v, kernel=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                               count_include_pad=count_include_pad)


class GlobalAvgPool2d(Function):
    """Mean over H and W, keeping (N, C, 1, 1); d/dx = g / (H*W)."""

    _input_values_unused = True   # backward and backward_graph need the input's shape only

    def name(self):
        """``MeanBackward1``: PyTorch's node for this op."""
        return "MeanBackward1"

    def forward(self, x):
        self.x_shape = x.shape
        return x.mean(axis=(2, 3), keepdims=True)

    def backward(self, g):
        H, W = self.x_shape[2:]
        return get_array_module(g).broadcast_to(g / (H * W), self.x_shape)

    def backward_graph(self, g):
        from .shape import BroadcastTo
        H, W = self.x_shape[2:]
        return BroadcastTo.apply(g / (H * W), shape=self.x_shape)


def _adaptive_bins(size, out):
    """PyTorch's adaptive bins: [floor(i*size/out), ceil((i+1)*size/out)) for i < out."""
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


class AdaptiveAvgPool2d(Function):
    """Mean over PyTorch's adaptive bins: bin i spans [floor(i*H/OH), ceil((i+1)*H/OH)).

    Used only when the bins differ in size (H not a multiple of OH): one
    vectorised mean per output cell, OH*OW Python steps for the whole batch.
    """

    _input_values_unused = True   # backward and backward_graph need the input's shape only

    def name(self):
        """``AdaptiveAvgPool2DBackward0``: PyTorch's node for this op."""
        return "AdaptiveAvgPool2DBackward0"

    def forward(self, x, output_size=(1, 1)):
        xp = get_array_module(x)
        N, C, H, W = x.shape
        OH, OW = output_size
        self.x_shape = x.shape
        self.bins = _adaptive_bins(H, OH), _adaptive_bins(W, OW)
        out = xp.empty((N, C, OH, OW), dtype=x.dtype)
        rows, cols = self.bins
        for i, (h0, h1) in enumerate(rows):
            for j, (w0, w1) in enumerate(cols):
                out[:, :, i, j] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
        return out

    def backward(self, g):
        xp = get_array_module(g)
        gx = xp.zeros(self.x_shape, dtype=g.dtype)
        rows, cols = self.bins
        for i, (h0, h1) in enumerate(rows):
            for j, (w0, w1) in enumerate(cols):
                gx[:, :, h0:h1, w0:w1] += (g[:, :, i, j] / ((h1 - h0) * (w1 - w0)))[:, :, None, None]
        return gx

    def backward_graph(self, g):
        return AdaptiveAvgPoolAdjoint.apply(g, x_shape=self.x_shape, output_size=tuple(g.shape[2:]))


class AdaptiveAvgPoolAdjoint(Function):
    """Adaptive average pooling's input gradient as an op; its gradient is the pooling itself."""

    def forward(self, g, x_shape=None, output_size=None):
        self.output_size = output_size
        pool = AdaptiveAvgPool2d()
        pool.x_shape = x_shape
        pool.bins = _adaptive_bins(x_shape[2], output_size[0]), _adaptive_bins(x_shape[3], output_size[1])
        return pool.backward(g)

    def backward(self, v):
        return AdaptiveAvgPool2d().forward(v, output_size=self.output_size)

    def backward_graph(self, v):
        return AdaptiveAvgPool2d.apply(v, output_size=self.output_size)


def _check_4d(name, x):
    if x.ndim != 4:
        raise ShapeError(f"{name}: expected a 4-D input (N, C, H, W) or 3-D (C, H, W), got shape {x.shape}")
    check_float_input(name, x)


def _pool_output(name, x, kernel, stride, padding, ceil_mode):
    """(OH, OW), or a ValueError naming ``name`` when the window does not fit the input."""
    try:
        return tuple(kernels.pool_output_size(size, k, s, p, ceil_mode)
                     for size, k, s, p in zip(x.shape[2:], kernel, stride, padding))
    except ValueError:
        raise ValueError(f"{name}: input of shape {tuple(x.shape)} padded by {padding} is smaller than "
                         f"the kernel {kernel}") from None


def _unbatched(fn):
    """Run ``fn`` (which takes a 4-D input) on a 3-D (C, H, W) input as a batch of one."""
    def wrapper(input, *args, **kwargs):
        if input.ndim != 3:
            return fn(input, *args, **kwargs)
        out = fn(input.reshape((1,) + tuple(input.shape)), *args, **kwargs)
        if isinstance(out, tuple):
            values, indices = out
            return values.reshape(tuple(values.shape)[1:]), indices.reshape(tuple(indices.shape)[1:])
        return out.reshape(tuple(out.shape)[1:])
    wrapper.__name__, wrapper.__qualname__, wrapper.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


def _integer_input(truncate):
    """Pool an integer input as PyTorch does: in float64, then back to its dtype (``truncate``: the
    average rounded toward zero, as PyTorch's integer division of each window's sum)."""
    def decorate(fn):
        def wrapper(input, *args, **kwargs):
            dtype = getattr(getattr(input, "array", None), "dtype", None)
            if dtype is None or dtype.kind not in "iu":
                return fn(input, *args, **kwargs)
            out = fn(Tensor(input.array.astype(np.float64)), *args, **kwargs)
            values = out[0] if isinstance(out, tuple) else out
            xp = get_array_module(values.array)
            values = Tensor((xp.trunc(values.array) if truncate else values.array).astype(dtype))
            return (values, out[1]) if isinstance(out, tuple) else values
        wrapper.__name__, wrapper.__qualname__, wrapper.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
        wrapper.__wrapped__ = fn
        return wrapper
    return decorate


def _pool_args(name, x, kernel_size, stride, padding):
    _check_4d(name, x)
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None or stride == () or stride == [] else pair(stride, "stride")
    padding = pair(padding, "padding")
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{name}: padding {padding} must be at most half the kernel size {kernel}")
    if min(stride) < 1 or min(kernel) < 1:
        raise ValueError(f"{name}: kernel_size {kernel} and stride {stride} must be >= 1")
    return kernel, stride, padding


def _gather_plane(x, index):
    """x (N, C, H, W) Tensor at flat plane indices ``index`` (N, C, *out) -> Tensor (N, C, *out).

    Differentiable: the gradient is scattered back to the indexed positions.
    """
    xp = x.xp
    n, c = x.shape[0], x.shape[1]
    extra = (1,) * (index.ndim - 2)
    rows = xp.arange(n).reshape((n, 1) + extra)
    chans = xp.arange(c).reshape((1, c) + extra)
    return x.reshape(n, c, x.shape[2] * x.shape[3])[rows, chans, index]


def _dilated_max_indices(x, kernel, stride, padding, dilation, ceil_mode):
    """Flat plane indices (N, C, OH, OW) of each dilated window's first maximum (NaN wins)."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    out_size = []
    for size, k, s, p, d in zip((h, w), kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        num = size + 2 * p - span
        o = (-(-num // s) if ceil_mode else num // s) + 1
        if ceil_mode and (o - 1) * s >= size + p:
            o -= 1
        if o < 1:
            raise ShapeError(f"max_pool2d: input of shape {x.shape} is too small for the kernel {kernel} "
                             f"with dilation {dilation} and padding {padding}")
        out_size.append(o)
    oh, ow = out_size
    rows = [np.arange(oh)[:, None] * stride[0] + np.arange(kernel[0])[None, :] * dilation[0] - padding[0]]
    cols = [np.arange(ow)[:, None] * stride[1] + np.arange(kernel[1])[None, :] * dilation[1] - padding[1]]
    r, q = rows[0], cols[0]                                   # (OH, kh), (OW, kw) input coordinates
    r_ok, q_ok = (r >= 0) & (r < h), (q >= 0) & (q < w)
    rr, qq = np.clip(r, 0, h - 1), np.clip(q, 0, w - 1)
    flat = rr[:, None, :, None] * w + qq[None, :, None, :]    # (OH, OW, kh, kw)
    inside = r_ok[:, None, :, None] & q_ok[None, :, None, :]
    flat, inside = flat.reshape(oh, ow, -1), inside.reshape(oh, ow, -1)
    flat_x, inside_x = xp.asarray(flat), xp.asarray(inside)
    values = x.reshape(n, c, h * w)[:, :, flat_x]             # (N, C, OH, OW, kh*kw)
    values = xp.where(inside_x, values, -xp.inf)
    values = xp.where(xp.isnan(values), xp.inf, values)      # a NaN is taken as the maximum
    pick = xp.argmax(values, axis=-1)
    return xp.take_along_axis(xp.broadcast_to(flat_x, values.shape), pick[..., None], axis=-1)[..., 0]


@_integer_input(truncate=False)
@_unbatched
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max pooling: (N, C, H, W) or (C, H, W) -> (N, C, OH, OW), PyTorch's semantics.

    OH = floor((H + 2p - d*(k-1) - 1) / s) + 1 (ceil with ``ceil_mode``);
    padding is implicit -inf, at most half the kernel. ``return_indices=True``
    also returns the int64 flat index ``h*W + w`` of each maximum in its plane.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> x = mdl.arange(16, dtype=mdl.float32).reshape(1, 1, 4, 4)
    >>> F.max_pool2d(x, 2).numpy()[0, 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    """
    kernel, stride, padding = _pool_args("max_pool2d", input, kernel_size, stride, padding)
    dilation = pair(dilation, "dilation")
    if min(dilation) < 1:
        raise ValueError(f"max_pool2d: dilation {dilation} must be >= 1")
    if dilation != (1, 1):
        index = _dilated_max_indices(input.array, kernel, stride, padding, dilation, ceil_mode)
        out = _gather_plane(input, index)
        return (out, Tensor(index)) if return_indices else out
    out_hw = _pool_output("max_pool2d", input, kernel, stride, padding, ceil_mode)
    if input.shape[0] == 0:
        shape = tuple(input.shape[:2]) + out_hw
        out = empty_batch(shape, input)
        return (out, Tensor(input.xp.zeros(shape, dtype=np.int64))) if return_indices else out
    holder = [] if return_indices else None
    out = MaxPool2d.apply(input, kernel=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                          indices_out=holder)
    return (out, Tensor(holder[0].copy())) if return_indices else out


def _window_sizes(size, k, s, p, out):
    """PyTorch's count_include_pad divisor of each window: its extent clipped to the padded input."""
    starts = np.arange(out) * s - p
    return np.minimum(starts + k, size + p) - starts


@_integer_input(truncate=True)
@_unbatched
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Average pooling: (N, C, H, W) or (C, H, W) -> (N, C, OH, OW) with PyTorch's divisor rule.

    ``divisor_override``: divide every window's sum by this number instead.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> x = mdl.arange(16, dtype=mdl.float32).reshape(1, 1, 4, 4)
    >>> F.avg_pool2d(x, 2).numpy()[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    kernel, stride, padding = _pool_args("avg_pool2d", input, kernel_size, stride, padding)
    out_hw = _pool_output("avg_pool2d", input, kernel, stride, padding, ceil_mode)
    if input.shape[0] == 0:
        return empty_batch(tuple(input.shape[:2]) + out_hw, input)
    out = AvgPool2d.apply(input, kernel=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                          count_include_pad=True if divisor_override else count_include_pad)
    if not divisor_override:
        return out
    if divisor_override < 0 or int(divisor_override) != divisor_override:
        raise ValueError(f"avg_pool2d: divisor_override must be a positive integer, got {divisor_override}")
    oh, ow = out.shape[2:]
    sizes_h = _window_sizes(input.shape[2], kernel[0], stride[0], padding[0], oh)
    sizes_w = _window_sizes(input.shape[3], kernel[1], stride[1], padding[1], ow)
    factor = (sizes_h[:, None] * sizes_w[None, :]).astype(input.dtype) / input.dtype.type(divisor_override)
    return out * Tensor(input.xp.asarray(factor))


def _output_size(name, x, output_size):
    """(oh, ow) from an int or a pair whose None entries keep the input's size."""
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 2:
            raise ValueError(f"{name}: output_size must be an int or a pair, got {output_size}")
        oh, ow = (x.shape[2 + i] if v is None else int(v) for i, v in enumerate(output_size))
    else:
        oh = ow = int(output_size)
    if oh < 1 or ow < 1:
        raise ValueError(f"{name}: output_size {output_size} must be >= 1")
    return oh, ow


@_unbatched
def adaptive_avg_pool2d(input, output_size):
    """Adaptive average pooling to ``output_size`` (int, or (oh, ow) with None keeping that size):
    (N, C, H, W) or (C, H, W) -> (N, C, oh, ow). Bin i spans [floor(i*H/oh), ceil((i+1)*H/oh))."""
    _check_4d("adaptive_avg_pool2d", input)
    oh, ow = _output_size("adaptive_avg_pool2d", input, output_size)
    if input.shape[0] == 0:
        return empty_batch(tuple(input.shape[:2]) + (oh, ow), input)
    if (oh, ow) == (1, 1):
        return GlobalAvgPool2d.apply(input)
    H, W = input.shape[2:]
    if H % oh == 0 and W % ow == 0:  # equal bins: a plain average pool, on the kernels
        k = (H // oh, W // ow)
        return input if k == (1, 1) else avg_pool2d(input, k, k)
    return AdaptiveAvgPool2d.apply(input, output_size=(oh, ow))


@_unbatched
def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Adaptive max pooling to ``output_size`` (int, or (oh, ow) with None keeping that size):
    (N, C, H, W) or (C, H, W) -> (N, C, oh, ow), over PyTorch's adaptive bins.

    ``return_indices=True`` also returns the int64 flat index ``h*W + w`` of
    each maximum in its plane (the first maximum of a bin; a NaN wins).

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> x = mdl.arange(16, dtype=mdl.float32).reshape(1, 1, 4, 4)
    >>> F.adaptive_max_pool2d(x, 1).numpy().ravel()
    array([15.], dtype=float32)
    """
    _check_4d("adaptive_max_pool2d", input)
    oh, ow = _output_size("adaptive_max_pool2d", input, output_size)
    if input.shape[0] == 0:
        shape = tuple(input.shape[:2]) + (oh, ow)
        out = empty_batch(shape, input)
        return (out, Tensor(input.xp.zeros(shape, dtype=np.int64))) if return_indices else out
    x = input.array
    xp = get_array_module(x)
    n, c, h, w = x.shape
    if h == 0 or w == 0:
        raise ValueError(f"adaptive_max_pool2d: input of shape {x.shape} has an empty plane")
    index = xp.empty((n, c, oh, ow), dtype=np.int64)
    for i, (h0, h1) in enumerate(_adaptive_bins(h, oh)):
        for j, (w0, w1) in enumerate(_adaptive_bins(w, ow)):
            window = x[:, :, h0:h1, w0:w1].reshape(n, c, -1)
            window = xp.where(xp.isnan(window), xp.inf, window)
            a = xp.argmax(window, axis=-1)
            index[:, :, i, j] = (h0 + a // (w1 - w0)) * w + (w0 + a % (w1 - w0))
    out = _gather_plane(input, index)
    return (out, Tensor(index)) if return_indices else out
