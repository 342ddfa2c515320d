"""``unfold`` (im2col) and ``fold`` (col2im) with PyTorch's layout: sliding blocks as columns.

``unfold``: (N, C, H, W) -> (N, C*kh*kw, L), L = OH*OW blocks; ``fold`` sums
such columns back into an (N, C, H, W) image. The two are each other's
adjoints, so each one's backward pass is the other (and, being linear, so is
every higher derivative). The loops are :func:`minidl.kernels.im2col` and
:func:`minidl.kernels.col2im` (NumPy, Numba or CUDA by the array's device).
"""
from __future__ import annotations

from .. import kernels
from ..autograd import Function
from ..tensor import Tensor

__all__ = ["unfold", "fold"]


def _pair(name, arg, value):
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in items):
        raise TypeError(f"{name}(): {arg} must be an int or a pair of ints, got {value!r}")
    return items


def _blocks(size, k, d, p, s):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


class Unfold(Function):
    """x (N, C, H, W) -> columns (N, C*kh*kw, L); the gradient is ``fold`` of the upstream columns."""

    def forward(self, x, kernel=None, dilation=None, padding=None, stride=None):
        self.shape, self.geometry = x.shape, (kernel, stride, padding, dilation)
        n = x.shape[0]
        cols = kernels.im2col(x, kernel, stride, padding, dilation)
        return cols.reshape(n, -1, cols.shape[1]).transpose(0, 2, 1).copy()

    def backward(self, g):
        kernel, stride, padding, dilation = self.geometry
        cols = g.transpose(0, 2, 1).reshape(-1, g.shape[1])
        return kernels.col2im(cols.copy(), self.shape, kernel, stride, padding, dilation)

    def backward_graph(self, g):
        kernel, stride, padding, dilation = self.geometry
        return Fold.apply(g, size=self.shape[2:], kernel=kernel, dilation=dilation, padding=padding, stride=stride)


class Fold(Function):
    """columns (N, C*kh*kw, L) -> x (N, C, H, W) (overlaps summed); the gradient is ``unfold``."""

    def forward(self, cols, size=None, kernel=None, dilation=None, padding=None, stride=None):
        self.geometry = (kernel, dilation, padding, stride)
        n, ck, _ = cols.shape
        c = ck // (kernel[0] * kernel[1])
        flat = cols.transpose(0, 2, 1).reshape(-1, ck).copy()
        return kernels.col2im(flat, (n, c) + tuple(size), kernel, stride, padding, dilation)

    def backward(self, g):
        kernel, dilation, padding, stride = self.geometry
        cols = kernels.im2col(g, kernel, stride, padding, dilation)
        return cols.reshape(g.shape[0], -1, cols.shape[1]).transpose(0, 2, 1).copy()

    def backward_graph(self, g):
        kernel, dilation, padding, stride = self.geometry
        return Unfold.apply(g, kernel=kernel, dilation=dilation, padding=padding, stride=stride)


def _float(name, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.array.dtype.kind != "f" or input.array.dtype.itemsize not in (4, 8):
        raise RuntimeError(f"{name}: expected a float32 or float64 input, got {input.dtype}")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding blocks: (N, C, H, W) -> (N, C*kh*kw, L), or unbatched (C, H, W) -> (C*kh*kw, L).

    L = prod over (H, W) of floor((size + 2*padding - dilation*(k-1) - 1) / stride) + 1.
    """
    _float("unfold", input)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    k, d = _pair("unfold", "kernel_size", kernel_size), _pair("unfold", "dilation", dilation)
    p, s = _pair("unfold", "padding", padding), _pair("unfold", "stride", stride)
    if min(k) <= 0 or min(d) <= 0 or min(s) <= 0 or min(p) < 0:
        raise RuntimeError(f"unfold: kernel_size {k}, dilation {d} and stride {s} must be > 0 and padding {p} >= 0")
    x = input.unsqueeze(0) if input.ndim == 3 else input
    h, w = x.shape[2:]
    if _blocks(h, k[0], d[0], p[0], s[0]) < 1 or _blocks(w, k[1], d[1], p[1], s[1]) < 1:
        raise RuntimeError(f"Given input with spatial size ({h}, {w}), kernel_size={k}, dilation={d}, "
                           f"padding={p}, calculated shape of the array of sliding blocks is non-positive")
    out = Unfold.apply(x, kernel=k, dilation=d, padding=p, stride=s)
    return out.squeeze(0) if input.ndim == 3 else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding-block columns into an image: (N, C*kh*kw, L) -> (N, C, H, W) with (H, W) =
    ``output_size``, or unbatched (C*kh*kw, L) -> (C, H, W). The adjoint of :func:`unfold`."""
    _float("fold", input)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                           f"(got {input.ndim}D)")
    size = _pair("fold", "output_size", output_size)
    k, d = _pair("fold", "kernel_size", kernel_size), _pair("fold", "dilation", dilation)
    p, s = _pair("fold", "padding", padding), _pair("fold", "stride", stride)
    cols = input.unsqueeze(0) if input.ndim == 2 else input
    ck, length = cols.shape[1], cols.shape[2]
    if ck % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                           f"but got input.size(1)={ck} and kernel_size={k}")
    bh, bw = _blocks(size[0], k[0], d[0], p[0], s[0]), _blocks(size[1], k[1], d[1], p[1], s[1])
    if bh * bw != length or bh < 1 or bw < 1:
        raise RuntimeError(f"Given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, "
                           f"expected size of input's dimension 2 to match the calculated number of sliding blocks "
                           f"{bh} * {bw} = {bh * bw}, but got input.size(2)={length}.")
    out = Fold.apply(cols, size=size, kernel=k, dilation=d, padding=p, stride=s)
    return out.squeeze(0) if input.ndim == 2 else out
