"""Vectorised NumPy/CuPy reference implementations of the kernels.

Each function loops in Python only over the kernel positions (kh*kw of them)
and moves whole (N, C, OH, OW) blocks per position through strided slices, so
it is simple enough to trust and fast enough to be the fallback. The code is
written against ``xp`` (numpy or cupy, from the input array), so it also runs
on CuPy arrays unchanged.
"""
from __future__ import annotations

from minidl.backend import get_array_module

from .shapes import (channel_view_shape, check_float, check_nchw, check_same, conv_geometry,
                     direct_conv_geometry, pool_geometry)

__all__ = ["im2col", "col2im", "conv2d_direct_forward", "conv2d_direct_backward", "maxpool2d_forward", "maxpool2d_backward",
           "avgpool2d_forward", "avgpool2d_backward", "avgpool_divisor",
           "bias_relu_forward", "bias_relu_backward", "channel_mean_var", "channel_sum_dot",
           "channel_affine", "channel_combine"]


def _window(start, stride, count):
    """Slice picking ``count`` elements from ``start`` every ``stride``."""
    return slice(start, start + stride * (count - 1) + 1, stride)


def check_cols_out(name, out, shape, dtype):
    """Raise ValueError unless ``out`` is a C-contiguous buffer of ``shape`` and ``dtype``."""
    if tuple(out.shape) != tuple(shape) or out.dtype != dtype or not out.flags.c_contiguous:
        raise ValueError(f"{name}: out= must be a C-contiguous {dtype} array of shape {tuple(shape)}, "
                         f"got {out.dtype} {tuple(out.shape)} (contiguous={out.flags.c_contiguous})")


def im2col(x, kernel, stride, padding, dilation, out=None):
    """Unfold conv windows of ``x`` (N, C, H, W) into cols (N*OH*OW, C*kh*kw).

    ``cols[(n*OH+oy)*OW+ox, (c*kh+i)*kw+j] = xpad[n, c, oy*sh + i*dh, ox*sw + j*dw]``
    with zero padding. ``out`` may be a buffer of that shape and dtype to reuse.
    """
    check_nchw("im2col", x)
    check_float("im2col", x)
    xp = get_array_module(x)
    n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = conv_geometry(
        "im2col", x.shape, kernel, stride, padding, dilation)
    shape = (n * oh * ow, c * kh * kw)
    if out is None:
        out = xp.empty(shape, dtype=x.dtype)
    else:
        check_cols_out("im2col", out, shape, x.dtype)
    xpad = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if (ph or pw) else x
    cols6 = out.reshape(n, oh, ow, c, kh, kw)
    for i in range(kh):
        for j in range(kw):
            block = xpad[:, :, _window(i * dh, sh, oh), _window(j * dw, sw, ow)]   # (N, C, OH, OW)
            cols6[:, :, :, :, i, j] = block.transpose(0, 2, 3, 1)
    return out


def col2im(cols, x_shape, kernel, stride, padding, dilation):
    """Adjoint of :func:`im2col`: scatter-add cols (N*OH*OW, C*kh*kw) into dx of ``x_shape``."""
    check_float("col2im", cols)
    xp = get_array_module(cols)
    n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = conv_geometry(
        "col2im", x_shape, kernel, stride, padding, dilation)
    if tuple(cols.shape) != (n * oh * ow, c * kh * kw):
        raise ValueError(f"col2im: cols of shape {tuple(cols.shape)} does not match x_shape "
                         f"{tuple(x_shape)} (expected {(n * oh * ow, c * kh * kw)})")
    dxpad = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    cols6 = cols.reshape(n, oh, ow, c, kh, kw)
    for i in range(kh):
        for j in range(kw):
            dxpad[:, :, _window(i * dh, sh, oh), _window(j * dw, sw, ow)] += \
                cols6[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return xp.ascontiguousarray(dxpad[:, :, ph:ph + h, pw:pw + w])


def conv2d_direct_forward(x, w, padding, dilation, groups):
    """Stride-1 convolution without im2col: x (N, C, H, W), w (O, C/groups, kh, kw) -> (N, O, OH, OW).

    ``y[n, o] = sum_{c, i, j} w[o, c, i, j] * xpad[n, g*Cg + c, i*dh : i*dh+OH, j*dw : j*dw+OW]``
    for o in group g, one tensordot per (group, kernel position).
    """
    check_nchw("conv2d_direct_forward", x)
    check_float("conv2d_direct_forward", x)
    xp = get_array_module(x)
    n, c, h, wd, o, cg, kh, kw, ph, pw, dh, dw, oh, ow = direct_conv_geometry(
        "conv2d_direct_forward", x.shape, w.shape, padding, dilation, groups)
    xpad = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if (ph or pw) else x
    og = o // groups
    y = xp.zeros((n, o, oh, ow), dtype=x.dtype)
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                block = xpad[:, g * cg:(g + 1) * cg, i * dh:i * dh + oh, j * dw:j * dw + ow]  # (N, Cg, OH, OW)
                part = xp.tensordot(w[g * og:(g + 1) * og, :, i, j], block, axes=([1], [1]))  # (Og, N, OH, OW)
                y[:, g * og:(g + 1) * og] += part.transpose(1, 0, 2, 3)
    return y


def conv2d_direct_backward(dy, x, w, padding, dilation, groups, need_input=True, need_weight=True):
    """Gradients of :func:`conv2d_direct_forward` given dy (N, O, OH, OW): ``(dx or None, dw or None)``.

    ``dw[o, c, i, j] = sum_{n, oy, ox} dy[n, o, oy, ox] * xpad[n, g*Cg + c, oy + i*dh, ox + j*dw]``;
    dx is the matching scatter of ``w[o, c, i, j] * dy`` into the padded input, cropped.
    """
    check_nchw("conv2d_direct_backward", dy)
    check_float("conv2d_direct_backward", dy)
    xp = get_array_module(dy)
    n, c, h, wd, o, cg, kh, kw, ph, pw, dh, dw, oh, ow = direct_conv_geometry(
        "conv2d_direct_backward", x.shape, w.shape, padding, dilation, groups)
    if tuple(dy.shape) != (n, o, oh, ow):
        raise ValueError(f"conv2d_direct_backward: dy shape {tuple(dy.shape)} != expected {(n, o, oh, ow)} "
                         f"for input {tuple(x.shape)} and weight {tuple(w.shape)}")
    xpad = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if (ph or pw) else x
    og = o // groups
    gw = xp.zeros(w.shape, dtype=dy.dtype) if need_weight else None
    dxpad = xp.zeros(xpad.shape, dtype=dy.dtype) if need_input else None
    for g in range(groups):
        dyg = dy[:, g * og:(g + 1) * og]                                  # (N, Og, OH, OW)
        for i in range(kh):
            for j in range(kw):
                rows, cols = slice(i * dh, i * dh + oh), slice(j * dw, j * dw + ow)
                if need_weight:
                    block = xpad[:, g * cg:(g + 1) * cg, rows, cols]      # (N, Cg, OH, OW)
                    gw[g * og:(g + 1) * og, :, i, j] = xp.tensordot(dyg, block, axes=([0, 2, 3], [0, 2, 3]))
                if need_input:
                    part = xp.tensordot(dyg, w[g * og:(g + 1) * og, :, i, j], axes=([1], [0]))  # (N, OH, OW, Cg)
                    dxpad[:, g * cg:(g + 1) * cg, rows, cols] += part.transpose(0, 3, 1, 2)
    dx = dxpad[:, :, ph:ph + h, pw:pw + wd] if need_input else None
    return (xp.ascontiguousarray(dx) if dx is not None else None), gw


def _pool_pad(xp, x, fill, ph, pw, kh, kw, sh, sw, oh, ow):
    """Pad ``x`` with ``fill``: ``ph``/``pw`` before, and after as far as the last window reaches."""
    n, c, h, w = x.shape
    hp = max(h + ph, (oh - 1) * sh + kh)
    wp = max(w + pw, (ow - 1) * sw + kw)
    xpad = xp.full((n, c, hp, wp), fill, dtype=x.dtype)
    xpad[:, :, ph:ph + h, pw:pw + w] = x
    return xpad


def maxpool2d_forward(x, kernel, stride, padding, ceil_mode):
    """Max pooling of ``x`` (N, C, H, W) -> ``(out, argmax)``, both (N, C, OH, OW).

    PyTorch semantics: implicit -inf padding; ``argmax`` (int64) is the flat index
    ``h*W + w`` of the max in the unpadded plane; the first max wins on ties, a NaN
    is taken as the max.
    """
    check_nchw("maxpool2d_forward", x)
    check_float("maxpool2d_forward", x)
    xp = get_array_module(x)
    n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow = pool_geometry(
        "maxpool2d_forward", x.shape, kernel, stride, padding, ceil_mode)
    xpad = _pool_pad(xp, x, -xp.inf, ph, pw, kh, kw, sh, sw, oh, ow)
    index = xp.full(xpad.shape[2:], -1, dtype=xp.int64)
    index[ph:ph + h, pw:pw + w] = xp.arange(h * w, dtype=xp.int64).reshape(h, w)
    # PyTorch starts from the first real element of each window with value -inf.
    y0 = xp.maximum(xp.arange(oh) * sh - ph, 0)
    x0 = xp.maximum(xp.arange(ow) * sw - pw, 0)
    argmax = xp.broadcast_to(y0[:, None] * w + x0[None, :], (n, c, oh, ow)).astype(xp.int64)
    out = xp.full((n, c, oh, ow), -xp.inf, dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            rows, cols = _window(i, sh, oh), _window(j, sw, ow)
            v = xpad[:, :, rows, cols]
            take = (v > out) | xp.isnan(v)
            out = xp.where(take, v, out)
            argmax = xp.where(take, index[rows, cols], argmax)
    return out, argmax


def maxpool2d_backward(dy, argmax, x_shape):
    """Scatter-add ``dy`` (N, C, OH, OW) to the ``argmax`` positions: dx of ``x_shape``."""
    check_nchw("maxpool2d_backward", dy)
    check_float("maxpool2d_backward", dy)
    xp = get_array_module(dy)
    if tuple(argmax.shape) != tuple(dy.shape):
        raise ValueError(f"maxpool2d_backward: argmax shape {tuple(argmax.shape)} != dy shape {tuple(dy.shape)}")
    n, c, h, w = (int(v) for v in x_shape)
    if (n, c) != tuple(dy.shape[:2]):
        raise ValueError(f"maxpool2d_backward: dy shape {tuple(dy.shape)} does not match x_shape {tuple(x_shape)}")
    plane = xp.arange(n * c, dtype=xp.int64).reshape(n, c, 1, 1) * (h * w)
    flat = (argmax.astype(xp.int64) + plane).ravel()
    # bincount sums repeated indices (overlapping windows) without np.add.at.
    dx = xp.bincount(flat, weights=dy.ravel(), minlength=n * c * h * w)
    return dx.astype(dy.dtype, copy=False).reshape(n, c, h, w)


def avgpool_divisor(xp, h, w, kh, kw, sh, sw, ph, pw, oh, ow, count_include_pad, dtype):
    """Divisor of each (OH, OW) window with PyTorch's rule.

    The window end is clipped to ``size + pad`` first (this count is the divisor
    when ``count_include_pad``), then the window is clipped to the input (the
    count of real elements is the divisor otherwise).
    """
    def counts(size, k, s, p, o):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, size + p)
        if count_include_pad:
            return end - start
        return xp.minimum(end, size) - xp.maximum(start, 0)
    return (counts(h, kh, sh, ph, oh)[:, None] * counts(w, kw, sw, pw, ow)[None, :]).astype(dtype)


def avgpool2d_forward(x, kernel, stride, padding, ceil_mode, count_include_pad):
    """Average pooling of ``x`` (N, C, H, W) -> (N, C, OH, OW), PyTorch's divisor rule."""
    check_nchw("avgpool2d_forward", x)
    check_float("avgpool2d_forward", x)
    xp = get_array_module(x)
    n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow = pool_geometry(
        "avgpool2d_forward", x.shape, kernel, stride, padding, ceil_mode)
    xpad = _pool_pad(xp, x, 0, ph, pw, kh, kw, sh, sw, oh, ow)
    total = xp.zeros((n, c, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            total += xpad[:, :, _window(i, sh, oh), _window(j, sw, ow)]
    return total / avgpool_divisor(xp, h, w, kh, kw, sh, sw, ph, pw, oh, ow, count_include_pad, x.dtype)


def avgpool2d_backward(dy, x_shape, kernel, stride, padding, ceil_mode, count_include_pad):
    """Gradient of :func:`avgpool2d_forward`: dy (N, C, OH, OW) -> dx of ``x_shape``."""
    check_nchw("avgpool2d_backward", dy)
    check_float("avgpool2d_backward", dy)
    xp = get_array_module(dy)
    n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow = pool_geometry(
        "avgpool2d_backward", x_shape, kernel, stride, padding, ceil_mode)
    if tuple(dy.shape) != (n, c, oh, ow):
        raise ValueError(f"avgpool2d_backward: dy shape {tuple(dy.shape)} != expected {(n, c, oh, ow)} "
                         f"for x_shape {tuple(x_shape)}")
    g = dy / avgpool_divisor(xp, h, w, kh, kw, sh, sw, ph, pw, oh, ow, count_include_pad, dy.dtype)
    hp = max(h + ph, (oh - 1) * sh + kh)
    wp = max(w + pw, (ow - 1) * sw + kw)
    dxpad = xp.zeros((n, c, hp, wp), dtype=dy.dtype)
    for i in range(kh):
        for j in range(kw):
            dxpad[:, :, _window(i, sh, oh), _window(j, sw, ow)] += g
    return xp.ascontiguousarray(dxpad[:, :, ph:ph + h, pw:pw + w])


# --- fused helpers: x is (N, C) or (N, C, H, W), vectors are (C,) --------------

def _per_channel(v, ndim):
    """Reshape a (C,) vector to broadcast against an (N, C, ...) array of ``ndim`` dims."""
    return v.reshape((v.shape[0],) + (1,) * (ndim - 2))


def check_out(name, out, like):
    """Raise ValueError unless ``out`` is a C-contiguous array shaped and typed like ``like``."""
    if tuple(out.shape) != tuple(like.shape) or out.dtype != like.dtype or not out.flags.c_contiguous:
        raise ValueError(f"{name}: out= must be a C-contiguous {like.dtype} array of shape "
                         f"{tuple(like.shape)}, got {out.dtype} {tuple(out.shape)}")


def bias_relu_forward(y, bias):
    """In place ``y = max(y + bias[c], 0)`` on y (N, C) or (N, C, H, W) C-contiguous; returns y.

    NaN stays NaN, as in PyTorch's relu.
    """
    channel_view_shape("bias_relu_forward", y, bias)
    if not y.flags.c_contiguous:
        raise ValueError("bias_relu_forward: y must be C-contiguous (it is updated in place)")
    xp = get_array_module(y)
    y += _per_channel(bias, y.ndim)
    xp.maximum(y, 0, out=y)
    return y


def bias_relu_backward(dy, y):
    """Gradient of :func:`bias_relu_forward` given its output ``y``: ``(dx, dbias)``.

    ``dx = dy where y > 0 else 0`` (shape of dy); ``dbias`` (C,) sums dx over all
    axes but the channel axis.
    """
    channel_view_shape("bias_relu_backward", dy)
    check_same("bias_relu_backward", dy, y)
    xp = get_array_module(dy)
    dx = xp.where(y > 0, dy, 0).astype(dy.dtype, copy=False)
    axes = (0,) + tuple(range(2, dy.ndim))
    return dx, dx.sum(axis=axes, dtype=xp.float64).astype(dy.dtype)


def channel_mean_var(x):
    """Per-channel mean and biased variance of x (N, C) or (N, C, H, W): two (C,) arrays.

    Accumulates in float64; returns x's dtype.
    """
    channel_view_shape("channel_mean_var", x)
    xp = get_array_module(x)
    axes = (0,) + tuple(range(2, x.ndim))
    mean = x.mean(axis=axes, dtype=xp.float64)
    var = ((x - _per_channel(mean, x.ndim)) ** 2).mean(axis=axes)
    return mean.astype(x.dtype), var.astype(x.dtype)


def channel_sum_dot(a, b):
    """Per-channel ``sum(a)`` and ``sum(a * b)`` of two (N, C[, H, W]) arrays: two (C,) arrays.

    The two reductions of batch-norm backward (a = dy, b = x_hat); float64 accumulation.
    """
    channel_view_shape("channel_sum_dot", a)
    check_same("channel_sum_dot", a, b)
    xp = get_array_module(a)
    axes = (0,) + tuple(range(2, a.ndim))
    s = a.sum(axis=axes, dtype=xp.float64)
    d = (a.astype(xp.float64) * b).sum(axis=axes)
    return s.astype(a.dtype), d.astype(a.dtype)


def channel_affine(x, scale, shift, out=None):
    """``x * scale[c] + shift[c]`` for x (N, C[, H, W]); ``out`` may be x itself."""
    channel_view_shape("channel_affine", x, scale, shift)
    xp = get_array_module(x)
    if out is None:
        out = xp.empty_like(x)
    else:
        check_out("channel_affine", out, x)
    xp.multiply(x, _per_channel(scale, x.ndim), out=out)
    out += _per_channel(shift, x.ndim)
    return out


def channel_combine(a, b, alpha, beta, gamma, out=None):
    """``alpha[c] * a + beta[c] * b + gamma[c]`` for a, b (N, C[, H, W]) (e.g. batch-norm dx)."""
    channel_view_shape("channel_combine", a, alpha, beta, gamma)
    check_same("channel_combine", a, b)
    xp = get_array_module(a)
    if out is None:
        out = xp.empty_like(a)
    else:
        check_out("channel_combine", out, a)
    nd = a.ndim
    tmp = b * _per_channel(beta, nd)
    xp.multiply(a, _per_channel(alpha, nd), out=out)
    out += tmp
    out += _per_channel(gamma, nd)
    return out
