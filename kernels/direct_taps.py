"""The inner loops of the direct convolution kernels (``kernels/direct_conv.py``), one kernel row each.

All work on planes in the "wide" layout of that module (rows Wp long, offsets and
lengths unsigned): ``_taps*`` add one kernel row's taps of a padded input plane
into an output plane (forward), ``_gather_taps*`` gather an output-gradient
plane's taps into an input-gradient plane, ``_dot_taps*`` return one kernel
row's weight-gradient sums. The ``x2`` forms do the same for two output planes
of a group at once, so every element read feeds both. ``direct_conv`` imports
them into its namespace, where ``_numba.compile_kernels`` compiles them.
"""
from __future__ import annotations

__all__ = ["_taps3", "_taps5", "_taps3x2", "_taps5x2", "_gather_taps3", "_gather_taps3x2", "_gather_taps5x2",
           "_dot_taps3", "_dot_taps5", "_dot_taps3x2", "_dot_taps5x2"]


def _taps3(acc, src, off, step, w0, w1, w2, length):
    """acc[t] += w0*src[t+off] + w1*src[t+off+step] + w2*src[t+off+2*step] for t < length (all unsigned)."""
    s1 = off + step            # unsigned sums only: uint64 * int64 would be a float in Numba
    s2 = s1 + step
    for t in range(length):
        acc[t] += w0 * src[t + off] + w1 * src[t + s1] + w2 * src[t + s2]


def _taps5(acc, src, off, step, wr, length):
    """acc[t] += sum over j < 5 of wr[j] * src[t + off + j*step] for t < length."""
    w0, w1, w2, w3, w4 = wr[0], wr[1], wr[2], wr[3], wr[4]
    s1 = off + step
    s2 = s1 + step
    s3 = s2 + step
    s4 = s3 + step
    for t in range(length):
        acc[t] += (w0 * src[t + off] + w1 * src[t + s1] + w2 * src[t + s2]
                   + w3 * src[t + s3] + w4 * src[t + s4])


def _taps3x2(acc, acc2, src, off, step, wa, wb, length):
    """_taps3 for two output planes at once: acc gets the row weights wa (3,), acc2 wb, from one read of src."""
    a0, a1, a2 = wa[0], wa[1], wa[2]
    b0, b1, b2 = wb[0], wb[1], wb[2]
    s1 = off + step
    s2 = s1 + step
    for t in range(length):
        x0 = src[t + off]
        x1 = src[t + s1]
        x2 = src[t + s2]
        acc[t] += a0 * x0 + a1 * x1 + a2 * x2
        acc2[t] += b0 * x0 + b1 * x1 + b2 * x2


def _taps5x2(acc, acc2, src, off, step, wa, wb, length):
    """_taps5 for two output planes at once: acc gets the row weights wa (5,), acc2 wb, from one read of src."""
    a0, a1, a2, a3, a4 = wa[0], wa[1], wa[2], wa[3], wa[4]
    b0, b1, b2, b3, b4 = wb[0], wb[1], wb[2], wb[3], wb[4]
    s1 = off + step
    s2 = s1 + step
    s3 = s2 + step
    s4 = s3 + step
    for t in range(length):
        x0 = src[t + off]
        x1 = src[t + s1]
        x2 = src[t + s2]
        x3 = src[t + s3]
        x4 = src[t + s4]
        acc[t] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3 + a4 * x4
        acc2[t] += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3 + b4 * x4


def _gather_taps3(acc, g, off, step, w0, w1, w2, count):
    """acc[off + v] += w0*g[v] + w1*g[v - step] + w2*g[v - 2*step] for v < count (= OH*Wp), terms with a
    negative g index left out. g's junk columns are 0, so g may be read up to count - 1 (past L)."""
    s2 = step + step
    for v in range(min(s2, count)):          # the first 2*step positions: only the terms that exist
        part = w0 * g[v]
        if v >= step:
            part += w1 * g[v - step]
        acc[off + v] += part
    for v in range(s2, count):
        acc[off + v] += w0 * g[v] + w1 * g[v - step] + w2 * g[v - s2]


def _gather_taps3x2(acc, g, h, off, step, wa, wb, count):
    """_gather_taps3 for two output planes g and h with row weights wa, wb (3,): one pass over acc."""
    a0, a1, a2 = wa[0], wa[1], wa[2]
    b0, b1, b2 = wb[0], wb[1], wb[2]
    s2 = step + step
    for v in range(min(s2, count)):
        part = a0 * g[v] + b0 * h[v]
        if v >= step:
            part += a1 * g[v - step] + b1 * h[v - step]
        acc[off + v] += part
    for v in range(s2, count):
        acc[off + v] += (a0 * g[v] + a1 * g[v - step] + a2 * g[v - s2]
                         + b0 * h[v] + b1 * h[v - step] + b2 * h[v - s2])


def _gather_taps5x2(acc, g, h, off, step, wa, wb, count):
    """acc[off + v] += sum over j < 5 of wa[j]*g[v - j*step] + wb[j]*h[v - j*step] for v < count (= OH*Wp):
    the input-gradient taps of one 5-wide kernel row from two output planes g and h, terms with a negative
    index left out (junk columns are 0, as in _gather_taps3)."""
    a0, a1, a2, a3, a4 = wa[0], wa[1], wa[2], wa[3], wa[4]
    b0, b1, b2, b3, b4 = wb[0], wb[1], wb[2], wb[3], wb[4]
    s1 = step
    s2 = s1 + step
    s3 = s2 + step
    s4 = s3 + step
    for v in range(min(s4, count)):          # the first 4*step positions: only the terms that exist
        part = a0 * g[v] + b0 * h[v]
        if v >= s1:
            part += a1 * g[v - s1] + b1 * h[v - s1]
        if v >= s2:
            part += a2 * g[v - s2] + b2 * h[v - s2]
        if v >= s3:
            part += a3 * g[v - s3] + b3 * h[v - s3]
        acc[off + v] += part
    for v in range(s4, count):
        acc[off + v] += (a0 * g[v] + a1 * g[v - s1] + a2 * g[v - s2] + a3 * g[v - s3] + a4 * g[v - s4]
                         + b0 * h[v] + b1 * h[v - s1] + b2 * h[v - s2] + b3 * h[v - s3] + b4 * h[v - s4])


def _dot_taps3(g, src, off, step, length, zero):
    """(sum_t g[t]*src[t+off], ... src[t+off+step], ... src[t+off+2*step]) over t < length, in one pass."""
    s1 = off + step
    s2 = s1 + step
    p0 = zero
    p1 = zero
    p2 = zero
    for t in range(length):
        gt = g[t]
        p0 += gt * src[t + off]
        p1 += gt * src[t + s1]
        p2 += gt * src[t + s2]
    return p0, p1, p2


def _dot_taps5(g, src, off, step, length, zero):
    """The five sums of g[t]*src[t + off + j*step], j < 5, over t < length, in one pass (LeNet's 5x5 taps)."""
    s1 = off + step
    s2 = s1 + step
    s3 = s2 + step
    s4 = s3 + step
    p0 = zero
    p1 = zero
    p2 = zero
    p3 = zero
    p4 = zero
    for t in range(length):
        gt = g[t]
        p0 += gt * src[t + off]
        p1 += gt * src[t + s1]
        p2 += gt * src[t + s2]
        p3 += gt * src[t + s3]
        p4 += gt * src[t + s4]
    return p0, p1, p2, p3, p4


def _dot_taps3x2(g, h, src, off, step, length, zero):
    """_dot_taps3 for two output planes g and h at once: their 2 x 3 sums, src read once."""
    s1 = off + step
    s2 = s1 + step
    p0 = zero
    p1 = zero
    p2 = zero
    q0 = zero
    q1 = zero
    q2 = zero
    for t in range(length):
        x0 = src[t + off]
        x1 = src[t + s1]
        x2 = src[t + s2]
        gt = g[t]
        ht = h[t]
        p0 += gt * x0
        p1 += gt * x1
        p2 += gt * x2
        q0 += ht * x0
        q1 += ht * x1
        q2 += ht * x2
    return p0, p1, p2, q0, q1, q2


def _dot_taps5x2(g, h, src, off, step, length, zero):
    """_dot_taps5 for two output planes g and h at once: their 2 x 5 sums, src read once."""
    s1 = off + step
    s2 = s1 + step
    s3 = s2 + step
    s4 = s3 + step
    p0 = zero
    p1 = zero
    p2 = zero
    p3 = zero
    p4 = zero
    q0 = zero
    q1 = zero
    q2 = zero
    q3 = zero
    q4 = zero
    for t in range(length):
        x0 = src[t + off]
        x1 = src[t + s1]
        x2 = src[t + s2]
        x3 = src[t + s3]
        x4 = src[t + s4]
        gt = g[t]
        ht = h[t]
        p0 += gt * x0
        p1 += gt * x1
        p2 += gt * x2
        p3 += gt * x3
        p4 += gt * x4
        q0 += ht * x0
        q1 += ht * x1
        q2 += ht * x2
        q3 += ht * x3
        q4 += ht * x4
    return p0, p1, p2, p3, p4, q0, q1, q2, q3, q4
