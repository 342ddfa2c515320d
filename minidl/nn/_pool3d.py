"""3-D pooling: ``max_pool3d``, ``avg_pool3d``, ``adaptive_avg_pool3d``, ``adaptive_max_pool3d``.

Max pooling (plain and adaptive) finds each window's arg-max on the raw arrays
(PyTorch's scan order over depth, height, width; a NaN wins, the last one when
there are several, as PyTorch's CPU kernels) and then gathers the values with
differentiable indexing, so gradients of every order come from indexing.

Average pooling (plain and adaptive) is separable: a window is a box, and its
divisor -- the box clipped to the (padded) input, or a ``divisor_override`` --
is a product of per-dimension counts. So each is three products with constant
(out, in) matrices, one along each of D, H and W, as ``F.interpolate`` does;
its gradients of every order come from ``matmul``.
"""
from __future__ import annotations

import numbers

import numpy as np

from minidl.backend import get_array_module
from minidl.ops.math import matmul
from minidl.tensor import Tensor

__all__ = ["max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d"]


def _triple(value, name, who):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (int(value),) * 3
    items = list(value) if isinstance(value, (tuple, list)) else None
    if items is not None and len(items) == 1:
        items = items * 3
    if items is None or len(items) != 3 or not all(isinstance(v, numbers.Integral) for v in items):
        raise RuntimeError(f"{who}: {name} must either be a single int, or a tuple of three ints, got {value!r}")
    return tuple(int(v) for v in items)


def _batched(input, who):
    """(input as 5-D, whether it was unbatched); PyTorch's error for any other rank or an empty plane."""
    if input.ndim not in (4, 5) or 0 in tuple(input.shape)[-3:]:
        raise RuntimeError(f"{who}: non-empty 4D or 5D (batch mode) tensor expected for input, got input of "
                           f"size {list(input.shape)}")
    return (input.unsqueeze(0), True) if input.ndim == 4 else (input, False)


def _pool_geometry(who, x, kernel_size, stride, padding, dilation, ceil_mode):
    """(kernel, stride, padding, dilation, output sizes), with PyTorch's checks and output-size rule."""
    kernel = _triple(kernel_size, "kernel_size", who)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _triple(stride, "stride", who)
    padding, dilation = _triple(padding, "padding", who), _triple(dilation, "dilation", who)
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1:
        raise RuntimeError(f"{who}: kernel_size {kernel}, stride {stride} and dilation {dilation} must be "
                           f"greater than zero")
    out = []
    for size, k, s, p, d in zip(x.shape[2:], kernel, stride, padding, dilation):
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
        num = size + 2 * p - d * (k - 1) - 1
        o = (-(-num // s) if ceil_mode else num // s) + 1
        if ceil_mode and (o - 1) * s >= size + p:
            o -= 1
        out.append(o)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got kT: {kernel[0]} "
                           f"kW: {kernel[2]} kH: {kernel[1]} padT: {padding[0]} padW: {padding[2]} "
                           f"padH: {padding[1]}")
    if min(out) < 1:
        c = x.shape[1]
        raise RuntimeError(f"Given input size: ({c}x{'x'.join(map(str, x.shape[2:]))}). Calculated output size: "
                           f"({c}x{'x'.join(map(str, out))}). Output size is too small")
    return kernel, stride, padding, dilation, tuple(out)


def _gather_volume(x, index):
    """x (N, C, D, H, W) Tensor at flat per-channel indices ``index`` (N, C, ...) -> Tensor; differentiable."""
    xp = x.xp
    n, c = x.shape[0], x.shape[1]
    extra = (1,) * (index.ndim - 2)
    rows = xp.arange(n).reshape((n, 1) + extra)
    chans = xp.arange(c).reshape((1, c) + extra)
    return x.reshape(n, c, x.shape[2] * x.shape[3] * x.shape[4])[rows, chans, index]


def _first_valid(out, s, p, d):
    """Per output index along one dimension: the first window coordinate inside the input (PyTorch's start)."""
    start = np.arange(out) * s - p
    return np.where(start < 0, start - (start // d) * d, start)


def _max_indices(x, kernel, stride, padding, dilation, out):
    """Flat (d*H*W + h*W + w) index of each window's maximum in x (N, C, D, H, W) array -> (N, C, *out)."""
    xp = get_array_module(x)
    n, c = x.shape[:2]
    size = x.shape[2:]
    strides_flat = (size[1] * size[2], size[2], 1)
    right = [max(0, (o - 1) * s + d * (k - 1) + 1 - (L + p))
             for o, s, d, k, L, p in zip(out, stride, dilation, kernel, size, padding)]
    widths = ((0, 0), (0, 0)) + tuple((p, r) for p, r in zip(padding, right))
    lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min   # what padding holds: never a maximum
    xpad = xp.pad(x, widths, constant_values=lowest) if any(padding) or any(right) else x
    first = [_first_valid(o, s, p, d) for o, s, p, d in zip(out, stride, padding, dilation)]
    index = (first[0][:, None, None] * strides_flat[0] + first[1][None, :, None] * strides_flat[1]
             + first[2][None, None, :])
    index = xp.broadcast_to(xp.asarray(index, dtype=np.int64), (n, c) + tuple(out)).copy()
    best = xp.full((n, c) + tuple(out), lowest, dtype=x.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            for m in range(kernel[2]):
                offs = (i * dilation[0], j * dilation[1], m * dilation[2])
                view = xpad[(slice(None), slice(None)) + tuple(slice(o0, o0 + (o - 1) * s + 1, s)
                                                               for o0, o, s in zip(offs, out, stride))]
                coords = [np.arange(o) * s - p + o0 for o, s, p, o0 in zip(out, stride, padding, offs)]
                flat = (coords[0][:, None, None] * strides_flat[0] + coords[1][None, :, None] * strides_flat[1]
                        + coords[2][None, None, :])
                take = (view > best) | xp.isnan(view)
                best = xp.where(take, view, best)
                index = xp.where(take, xp.asarray(flat, dtype=np.int64), index)
    return index


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max pooling: (N, C, D, H, W) or (C, D, H, W) -> (N, C, OD, OH, OW), PyTorch's semantics.

    OD = floor((D + 2p - d*(k-1) - 1) / s) + 1 (ceil with ``ceil_mode``, the
    last window starting inside the input or its left padding); padding is
    implicit -inf, at most half the kernel. ``return_indices=True`` also
    returns the int64 flat index ``d*H*W + h*W + w`` of each maximum.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> F.max_pool3d(mdl.arange(64, dtype=mdl.float32).reshape(1, 1, 4, 4, 4), 2).flatten().tolist()
    [21.0, 23.0, 29.0, 31.0, 53.0, 55.0, 61.0, 63.0]
    """
    x, unbatched = _batched(input, "max_pool3d")
    kernel, stride, padding, dilation, out = _pool_geometry("max_pool3d", x, kernel_size, stride, padding,
                                                            dilation, ceil_mode)
    index = _max_indices(x.array, kernel, stride, padding, dilation, out)
    values = _gather_volume(x, index)
    if unbatched:
        values, index = values[0], index[0]
    return (values, Tensor(index)) if return_indices else values


def _box_matrix(size, out, k, s, p, ceil_mode, count_include_pad, dtype, normalise):
    """(out, size) matrix summing each 1-D window, divided by its PyTorch divisor when ``normalise``."""
    starts = np.arange(out) * s - p
    ends = np.minimum(starts + k, size + p)
    divisor = (ends - starts).astype(np.float64)
    lo, hi = np.maximum(starts, 0), np.minimum(ends, size)
    if not count_include_pad:
        divisor = (hi - lo).astype(np.float64)
    pos = np.arange(size)
    m = ((pos[None, :] >= lo[:, None]) & (pos[None, :] < hi[:, None])).astype(np.float64)
    if normalise:
        m = m / divisor[:, None]
    return m.astype(dtype)


def _along_dhw(x, mats):
    """Apply (out, in) matrices along D, H and W of x (N, C, D, H, W) Tensor: three matrix products."""
    xp = x.xp
    md, mh = Tensor(xp.asarray(mats[0])), Tensor(xp.asarray(mats[1]))
    n, c, d, h, w = x.shape
    y = matmul(x, Tensor(xp.asarray(np.ascontiguousarray(mats[2].T))))   # (N, C, D, H, OW)
    y = matmul(mh, y)                                                       # (N, C, D, OH, OW)
    oh, ow = y.shape[3], y.shape[4]
    y = matmul(md, y.reshape(n, c, d, oh * ow))                             # (N, C, OD, OH*OW)
    return y.reshape(n, c, md.shape[0], oh, ow)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Average pooling: (N, C, D, H, W) or (C, D, H, W) -> (N, C, OD, OH, OW) with PyTorch's divisor rule:
    the window clipped to the padded input (``count_include_pad=True``) or to the input itself, or
    ``divisor_override`` for every window.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> F.avg_pool3d(mdl.arange(8, dtype=mdl.float32).reshape(1, 1, 2, 2, 2), 2).flatten().tolist()
    [3.5]
    """
    x, unbatched = _batched(input, "avg_pool3d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    kernel, stride, padding, _, out = _pool_geometry("avg_pool3d", x, kernel_size, stride, padding, 1, ceil_mode)
    normalise = divisor_override is None
    mats = [_box_matrix(size, o, k, s, p, ceil_mode, count_include_pad, x.dtype, normalise)
            for size, o, k, s, p in zip(x.shape[2:], out, kernel, stride, padding)]
    y = _along_dhw(x, mats)
    if not normalise:
        y = y / float(divisor_override)
    return y[0] if unbatched else y


def _output_size(who, x, output_size):
    """(od, oh, ow) from an int or a triple whose None entries keep the input's size."""
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 3:
            raise RuntimeError(f"{who}: output_size must be 3")
        sizes = tuple(x.shape[2 + i] if v is None else int(v) for i, v in enumerate(output_size))
    else:
        sizes = (int(output_size),) * 3
    if min(sizes) < 0:
        raise RuntimeError(f"{who}: elements of output_size must be greater than or equal to 0 but received "
                           f"{list(sizes)}")
    return sizes


def _adaptive_input(who, input):
    if input.ndim not in (4, 5) or 0 in tuple(input.shape)[-3:]:
        sep = ": " if who.startswith("adaptive_max") else " "
        raise RuntimeError(f"{who}(): Expected 4D or 5D tensor, but got{sep}{list(input.shape)}")
    return (input.unsqueeze(0), True) if input.ndim == 4 else (input, False)


def _bins(size, out):
    """PyTorch's adaptive bins: [floor(i*size/out), ceil((i+1)*size/out)) for i < out."""
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


def adaptive_avg_pool3d(input, output_size):
    """Adaptive average pooling to ``output_size`` (int, or (od, oh, ow) with None keeping that size):
    (N, C, D, H, W) or (C, D, H, W) -> (N, C, od, oh, ow); bin i spans [floor(i*D/od), ceil((i+1)*D/od)).

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> F.adaptive_avg_pool3d(mdl.ones(2, 3, 5, 6, 7), (1, 2, None)).shape
    minidl.Size([2, 3, 1, 2, 7])
    """
    x, unbatched = _adaptive_input("adaptive_avg_pool3d", input)
    sizes = _output_size("adaptive_avg_pool3d", x, output_size)
    mats = []
    for size, out in zip(x.shape[2:], sizes):
        m = np.zeros((out, size))
        for i, (a, b) in enumerate(_bins(size, out)):
            m[i, a:b] = 1.0 / (b - a)
        mats.append(m.astype(x.dtype))
    y = _along_dhw(x, mats)
    return y[0] if unbatched else y


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Adaptive max pooling to ``output_size`` (int, or (od, oh, ow) with None keeping that size):
    (N, C, D, H, W) or (C, D, H, W) -> (N, C, od, oh, ow) over PyTorch's adaptive bins;
    ``return_indices=True`` also returns the int64 flat index ``d*H*W + h*W + w`` of each maximum.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> F.adaptive_max_pool3d(mdl.arange(8, dtype=mdl.float32).reshape(1, 1, 2, 2, 2), 1).flatten().tolist()
    [7.0]
    """
    x, unbatched = _adaptive_input("adaptive_max_pool3d", input)
    sizes = _output_size("adaptive_max_pool3d", x, output_size)
    data = x.array
    xp = x.xp
    n, c, d, h, w = data.shape
    index = xp.empty((n, c) + sizes, dtype=np.int64)
    for i, (d0, d1) in enumerate(_bins(d, sizes[0])):
        for j, (h0, h1) in enumerate(_bins(h, sizes[1])):
            for k, (w0, w1) in enumerate(_bins(w, sizes[2])):
                bh, bw = h1 - h0, w1 - w0
                window = data[:, :, d0:d1, h0:h1, w0:w1].reshape(n, c, (d1 - d0) * bh * bw)
                nan = xp.isnan(window)
                last_nan = window.shape[-1] - 1 - xp.argmax(nan[..., ::-1], axis=-1)
                a = xp.where(nan.any(axis=-1), last_nan, xp.argmax(window, axis=-1))
                index[:, :, i, j, k] = ((d0 + a // (bh * bw)) * h + h0 + (a // bw) % bh) * w + w0 + a % bw
    values = _gather_volume(x, index)
    if unbatched:
        values, index = values[0], index[0]
    return (values, Tensor(index)) if return_indices else values
