"""Pooling: max, average and adaptive average, forward and backward through ``minidl.kernels``."""
from __future__ import annotations

from .. import kernels
from ..autograd import Function
from ..backend import get_array_module
from ..kernels.shapes import pair

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]


class MaxPool2d(Function):
    """Window maxima; the gradient goes to the (first) arg-max of each window."""

    def forward(self, x, kernel=None, stride=None, padding=None, ceil_mode=False):
        x = get_array_module(x).ascontiguousarray(x)
        out, self.argmax = kernels.maxpool2d_forward(x, kernel, stride, padding, ceil_mode)
        self.x_shape = x.shape
        return out

    def backward(self, g):
        g = get_array_module(g).ascontiguousarray(g)
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
        return kernels.maxpool2d_backward(get_array_module(g).ascontiguousarray(g), argmax, x_shape)

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
        return kernels.maxpool2d_backward(get_array_module(g).ascontiguousarray(g), self.argmax, self.x_shape)

    def backward_graph(self, g):
        return MaxPoolScatter.apply(g, argmax=self.argmax, x_shape=self.x_shape)


class AvgPool2d(Function):
    """Window means; each input gets g / divisor from every window that covers it."""

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
        raise ValueError(f"{name}: expected a 4-D input (N, C, H, W), got shape {x.shape}")


def _pool_args(name, x, kernel_size, stride, padding):
    _check_4d(name, x)
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None or stride == () else pair(stride, "stride")
    padding = pair(padding, "padding")
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{name}: padding {padding} must be at most half the kernel size {kernel}")
    if min(stride) < 1 or min(kernel) < 1:
        raise ValueError(f"{name}: kernel_size {kernel} and stride {stride} must be >= 1")
    return kernel, stride, padding


def max_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False):
    """Max pooling: x (N, C, H, W) -> (N, C, OH, OW), OH = floor or ceil((H + 2p - k)/s) + 1.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> x = mdl.arange(16, dtype=mdl.float32).reshape(1, 1, 4, 4)
    >>> F.max_pool2d(x, 2).numpy()[0, 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    """
    kernel, stride, padding = _pool_args("max_pool2d", x, kernel_size, stride, padding)
    return MaxPool2d.apply(x, kernel=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Average pooling: x (N, C, H, W) -> (N, C, OH, OW) with PyTorch's divisor rule.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> x = mdl.arange(16, dtype=mdl.float32).reshape(1, 1, 4, 4)
    >>> F.avg_pool2d(x, 2).numpy()[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    kernel, stride, padding = _pool_args("avg_pool2d", x, kernel_size, stride, padding)
    return AvgPool2d.apply(x, kernel=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                           count_include_pad=count_include_pad)


def adaptive_avg_pool2d(x, output_size):
    """Adaptive average pooling to ``output_size`` (int or (oh, ow)): (N, C, H, W) -> (N, C, oh, ow)."""
    _check_4d("adaptive_avg_pool2d", x)
    oh, ow = pair(output_size, "output_size")
    if oh < 1 or ow < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size {output_size} must be >= 1")
    if (oh, ow) == (1, 1):
        return GlobalAvgPool2d.apply(x)
    H, W = x.shape[2:]
    if H % oh == 0 and W % ow == 0:  # equal bins: a plain average pool, on the kernels
        k = (H // oh, W // ow)
        return x if k == (1, 1) else avg_pool2d(x, k, k)
    return AdaptiveAvgPool2d.apply(x, output_size=(oh, ow))
