"""Direct-loop references of the kernels: one output element (or one window) at a time.

Deliberately naive and slow; only the tests use them, on tiny inputs, to check
the vectorised, Numba and CUDA kernels of ``minidl.kernels`` against code that
is obviously right. They live with the tests, not in the package: they are
test oracles, never a fallback (the vectorised reference at the top of each
kernel family is that).
"""
from __future__ import annotations

import math

import numpy as np

from minidl.kernels.shapes import ConvGeometry, PoolGeometry

__all__ = ["im2col", "col2im", "maxpool2d_forward", "maxpool2d_backward",
           "avgpool2d_forward", "avgpool2d_backward", "channel_mean_var", "channel_sum_dot", "channel_affine",
           "channel_combine", "conv2d_forward", "conv2d_backward"]


def im2col(x, kernel, stride, padding, dilation):
    """Loop version of ``kernels.im2col``: x (N, C, H, W) -> cols (N*OH*OW, C*kh*kw)."""
    n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = ConvGeometry.of(
        "im2col", x.shape, kernel, stride, padding, dilation)
    cols = np.zeros((n * oh * ow, c * kh * kw), dtype=x.dtype)
    for b in range(n):
        for ch in range(c):
            for i in range(kh):
                for j in range(kw):
                    for oy in range(oh):
                        for ox in range(ow):
                            y, xx = oy * sh + i * dh - ph, ox * sw + j * dw - pw
                            if 0 <= y < h and 0 <= xx < w:
                                cols[(b * oh + oy) * ow + ox, (ch * kh + i) * kw + j] = x[b, ch, y, xx]
    return cols


def col2im(cols, x_shape, kernel, stride, padding, dilation):
    """Loop version of ``kernels.col2im``: cols (N*OH*OW, C*kh*kw) -> dx of ``x_shape``."""
    n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = ConvGeometry.of(
        "col2im", x_shape, kernel, stride, padding, dilation)
    dx = np.zeros(x_shape, dtype=cols.dtype)
    for b in range(n):
        for ch in range(c):
            for i in range(kh):
                for j in range(kw):
                    for oy in range(oh):
                        for ox in range(ow):
                            y, xx = oy * sh + i * dh - ph, ox * sw + j * dw - pw
                            if 0 <= y < h and 0 <= xx < w:
                                dx[b, ch, y, xx] += cols[(b * oh + oy) * ow + ox, (ch * kh + i) * kw + j]
    return dx


def _clipped_window(o, s, p, k, size):
    """PyTorch's window bounds: (start, end) clipped to [0, size), and end clipped to size + p."""
    start = o * s - p
    end_pad = min(start + k, size + p)
    return start, end_pad, max(start, 0), min(end_pad, size)


def maxpool2d_forward(x, kernel, stride, padding, ceil_mode):
    """Loop version of ``kernels.maxpool2d_forward`` -> (out, argmax)."""
    n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow = PoolGeometry.of(
        "maxpool2d_forward", x.shape, kernel, stride, padding, ceil_mode)
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    arg = np.empty((n, c, oh, ow), dtype=np.int64)
    for b in range(n):
        for ch in range(c):
            for oy in range(oh):
                _, _, y0, y1 = _clipped_window(oy, sh, ph, kh, h)
                for ox in range(ow):
                    _, _, x0, x1 = _clipped_window(ox, sw, pw, kw, w)
                    best, best_i = -math.inf, y0 * w + x0
                    for y in range(y0, y1):
                        for xx in range(x0, x1):
                            v = x[b, ch, y, xx]
                            if v > best or math.isnan(v):
                                best, best_i = v, y * w + xx
                    out[b, ch, oy, ox], arg[b, ch, oy, ox] = best, best_i
    return out, arg


def maxpool2d_backward(dy, argmax, x_shape):
    """Loop version of ``kernels.maxpool2d_backward``."""
    n, c, h, w = x_shape
    dx = np.zeros(x_shape, dtype=dy.dtype)
    for b in range(n):
        for ch in range(c):
            for oy in range(dy.shape[2]):
                for ox in range(dy.shape[3]):
                    a = int(argmax[b, ch, oy, ox])
                    dx[b, ch, a // w, a % w] += dy[b, ch, oy, ox]
    return dx


def _divisor(oy, ox, h, w, kh, kw, sh, sw, ph, pw, count_include_pad):
    ys, ye, y0, y1 = _clipped_window(oy, sh, ph, kh, h)
    xs, xe, x0, x1 = _clipped_window(ox, sw, pw, kw, w)
    if count_include_pad:
        return (ye - ys) * (xe - xs)
    return (y1 - y0) * (x1 - x0)


def avgpool2d_forward(x, kernel, stride, padding, ceil_mode, count_include_pad):
    """Loop version of ``kernels.avgpool2d_forward``."""
    n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow = PoolGeometry.of(
        "avgpool2d_forward", x.shape, kernel, stride, padding, ceil_mode)
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    for b in range(n):
        for ch in range(c):
            for oy in range(oh):
                _, _, y0, y1 = _clipped_window(oy, sh, ph, kh, h)
                for ox in range(ow):
                    _, _, x0, x1 = _clipped_window(ox, sw, pw, kw, w)
                    total = x[b, ch, y0:y1, x0:x1].sum()
                    out[b, ch, oy, ox] = total / _divisor(oy, ox, h, w, kh, kw, sh, sw, ph, pw,
                                                          count_include_pad)
    return out


def avgpool2d_backward(dy, x_shape, kernel, stride, padding, ceil_mode, count_include_pad):
    """Loop version of ``kernels.avgpool2d_backward``."""
    n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow = PoolGeometry.of(
        "avgpool2d_backward", x_shape, kernel, stride, padding, ceil_mode)
    dx = np.zeros(x_shape, dtype=dy.dtype)
    for b in range(n):
        for ch in range(c):
            for oy in range(oh):
                _, _, y0, y1 = _clipped_window(oy, sh, ph, kh, h)
                for ox in range(ow):
                    _, _, x0, x1 = _clipped_window(ox, sw, pw, kw, w)
                    d = _divisor(oy, ox, h, w, kh, kw, sh, sw, ph, pw, count_include_pad)
                    dx[b, ch, y0:y1, x0:x1] += dy[b, ch, oy, ox] / d
    return dx


# --- fused helpers (x is (N, C) or (N, C, H, W); vectors are (C,)) -------------

def _chan(x):
    """(N, C, HW) view of a 2-D or 4-D array."""
    return x.reshape(x.shape[0], x.shape[1], -1)


def channel_mean_var(x):
    """Loop version: per-channel mean and biased variance (two passes, float64)."""
    v = _chan(x)
    c = v.shape[1]
    mean, var = np.zeros(c), np.zeros(c)
    for ch in range(c):
        vals = [float(t) for t in v[:, ch, :].ravel()]
        m = sum(vals) / len(vals)
        mean[ch] = m
        var[ch] = sum((t - m) ** 2 for t in vals) / len(vals)
    return mean.astype(x.dtype), var.astype(x.dtype)


def channel_sum_dot(a, b):
    """Loop version: per-channel sum(a) and sum(a * b) (float64)."""
    av, bv = _chan(a), _chan(b)
    c = av.shape[1]
    s, d = np.zeros(c), np.zeros(c)
    for ch in range(c):
        for i in range(av.shape[0]):
            for k in range(av.shape[2]):
                s[ch] += float(av[i, ch, k])
                d[ch] += float(av[i, ch, k]) * float(bv[i, ch, k])
    return s.astype(a.dtype), d.astype(a.dtype)


def channel_affine(x, scale, shift):
    """Loop version: x * scale[c] + shift[c]."""
    out = np.empty_like(x)
    ov, xv = _chan(out), _chan(x)
    for i in range(xv.shape[0]):
        for c in range(xv.shape[1]):
            for k in range(xv.shape[2]):
                ov[i, c, k] = xv[i, c, k] * scale[c] + shift[c]
    return out


def channel_combine(a, b, alpha, beta, gamma):
    """Loop version: alpha[c] * a + beta[c] * b + gamma[c]."""
    out = np.empty_like(a)
    ov, av, bv = _chan(out), _chan(a), _chan(b)
    for i in range(av.shape[0]):
        for c in range(av.shape[1]):
            for k in range(av.shape[2]):
                ov[i, c, k] = alpha[c] * av[i, c, k] + beta[c] * bv[i, c, k] + gamma[c]
    return out


def conv2d_forward(x, w, padding):
    """Loop version of a stride-1, dilation-1, ungrouped convolution: x (N, C, H, W), w (O, C, kh, kw) -> y."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    ph, pw = padding
    oh, ow = h + 2 * ph - kh + 1, wd + 2 * pw - kw + 1
    y = np.zeros((n, o, oh, ow), dtype=np.float64)
    for b in range(n):
        for oc in range(o):
            for oy in range(oh):
                for ox in range(ow):
                    acc = 0.0
                    for ch in range(c):
                        for i in range(kh):
                            for j in range(kw):
                                yy, xx = oy + i - ph, ox + j - pw
                                if 0 <= yy < h and 0 <= xx < wd:
                                    acc += float(x[b, ch, yy, xx]) * float(w[oc, ch, i, j])
                    y[b, oc, oy, ox] = acc
    return y


def conv2d_backward(dy, x, w, padding):
    """Loop version of the gradients of :func:`conv2d_forward`: (dx, dw) for dy (N, O, OH, OW)."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    ph, pw = padding
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for b in range(n):
        for oc in range(o):
            for oy in range(dy.shape[2]):
                for ox in range(dy.shape[3]):
                    g = float(dy[b, oc, oy, ox])
                    for ch in range(c):
                        for i in range(kh):
                            for j in range(kw):
                                yy, xx = oy + i - ph, ox + j - pw
                                if 0 <= yy < h and 0 <= xx < wd:
                                    dx[b, ch, yy, xx] += g * float(w[oc, ch, i, j])
                                    dw[oc, ch, i, j] += g * float(x[b, ch, yy, xx])
    return dx, dw
