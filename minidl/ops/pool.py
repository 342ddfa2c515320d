"""Pooling: max, average and adaptive average, forward and backward through ``minidl.kernels``."""
from __future__ import annotations

from .. import kernels
from ..autograd import Function
from ..backend import get_array_module
from ..kernels.shapes import pair
from ._guards import check_float_input, empty_batch

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


class GlobalAvgPool2d(Function):
    """Mean over H and W, keeping (N, C, 1, 1); d/dx = g / (H*W)."""

    def forward(self, x):
        self.x_shape = x.shape
        return x.mean(axis=(2, 3), keepdims=True)

    def backward(self, g):
        H, W = self.x_shape[2:]
        return get_array_module(g).broadcast_to(g / (H * W), self.x_shape)


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


def _check_4d(name, x):
    if x.ndim != 4:
        raise ValueError(f"{name}: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    check_float_input(name, x)


def _pool_output(name, x, kernel, stride, padding, ceil_mode):
    """(OH, OW), or a ValueError naming ``name`` when the window does not fit the input."""
    try:
        return tuple(kernels.pool_output_size(size, k, s, p, ceil_mode)
                     for size, k, s, p in zip(x.shape[2:], kernel, stride, padding))
    except ValueError:
        raise ValueError(f"{name}: input of shape {tuple(x.shape)} padded by {padding} is smaller than "
                         f"the kernel {kernel}") from None


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
    out = _pool_output("max_pool2d", x, kernel, stride, padding, ceil_mode)
    if x.shape[0] == 0:
        return empty_batch(tuple(x.shape[:2]) + out, x)
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
    out = _pool_output("avg_pool2d", x, kernel, stride, padding, ceil_mode)
    if x.shape[0] == 0:
        return empty_batch(tuple(x.shape[:2]) + out, x)
    return AvgPool2d.apply(x, kernel=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                           count_include_pad=count_include_pad)


def adaptive_avg_pool2d(x, output_size):
    """Adaptive average pooling to ``output_size`` (int or (oh, ow)): (N, C, H, W) -> (N, C, oh, ow)."""
    _check_4d("adaptive_avg_pool2d", x)
    oh, ow = pair(output_size, "output_size")
    if oh < 1 or ow < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size {output_size} must be >= 1")
    if x.shape[0] == 0:
        return empty_batch(tuple(x.shape[:2]) + (oh, ow), x)
    if (oh, ow) == (1, 1):
        return GlobalAvgPool2d.apply(x)
    H, W = x.shape[2:]
    if H % oh == 0 and W % ow == 0:  # equal bins: a plain average pool, on the kernels
        k = (H // oh, W // ow)
        return x if k == (1, 1) else avg_pool2d(x, k, k)
    return AdaptiveAvgPool2d.apply(x, output_size=(oh, ow))
