"""Winograd F(4x4, 3x3) (``kernels/winograd4.py``, ``conv2d_winograd_*(tile=4)``, ``conv_algorithm="winograd4"``).

Each Numba transform against its NumPy reference on odd sizes (also on strided
NCHW views); the convolution against the direct loops of
``tests/kernel_references.py`` in float64 (tight) on odd sizes, paddings 0-2,
odd channel counts, both memory layouts, chunked and whole; the float32 error
against :data:`kernels.winograd.FLOAT32_ERROR_BOUND_F4`; finite differences
through ``F.conv2d``; the batch and frequency splits under ``intra_op_parallel``; and the
``auto`` rule's choice of the tile.
"""
import kernel_references as ref
import numpy as np
import pytest
from conftest import FORCED_PARTS as PARTS

import minidl as mdl
import minidl.nn.functional as F
from minidl import kernels
from minidl.kernels import winograd, winograd4
from minidl.kernels.layout import is_channels_last
from minidl.ops.conv import choose_algorithm

# (N, C, O, H, W, padding): odd planes and channel counts, planes not multiples of 4, paddings 0..2
CASES = [(3, 5, 7, 9, 11, (1, 1)), (1, 3, 5, 7, 7, (0, 0)), (2, 7, 3, 6, 5, (2, 2)), (2, 3, 3, 5, 8, (0, 2)),
         (1, 2, 3, 3, 3, (1, 0)), (5, 1, 1, 13, 4, (1, 1)), (2, 9, 6, 10, 10, (1, 1))]
IMPLS = ["numba", "numpy"]


def _inputs(rng, n, c, o, h, w, channels_last=False, dtype=np.float64):
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    if channels_last:
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    return x, rng.standard_normal((o, c, 3, 3)).astype(dtype)


def _tiles(h, w, padding):
    return -(-(h + 2 * padding[0] - 2) // 4), -(-(w + 2 * padding[1] - 2) // 4)


@pytest.mark.parametrize("strided", [False, True], ids=["nhwc-memory", "nchw-view"])
@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_numba_transforms_match_the_numpy_references(rng, case, strided):
    n, c, o, h, w, padding = case
    th, tw = _tiles(h, w, padding)
    t = n * th * tw
    oh, ow = h + 2 * padding[0] - 2, w + 2 * padding[1] - 2
    x = rng.standard_normal((n, c, h, w) if strided else (n, h, w, c))
    x = x.transpose(0, 2, 3, 1) if strided else x                          # (n, H, W, C) view either way
    dy = rng.standard_normal((n, oh, ow, o))
    m, dv, bias = rng.standard_normal((36, t, o)), rng.standard_normal((36, t, c)), rng.standard_normal(o)
    out = {}
    for impl in IMPLS:
        to_tiles, from_tiles, grad_from_tiles, grad_to_tiles = winograd4.TRANSFORMS[impl]
        v, y, dm, dx = np.empty((36, t, c)), np.empty((n, oh, ow, o)), np.empty((36, t, o)), np.empty((n, h, w, c))
        to_tiles(x, padding[0], padding[1], th, tw, v)
        from_tiles(m, y, bias, th, tw)
        grad_from_tiles(dy, th, tw, dm)
        grad_to_tiles(dv, dx, padding[0], padding[1], th, tw)
        out[impl] = (v, y, dm, dx)
    for got, want in zip(out["numba"], out["numpy"]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_the_matrices_compute_a_correlation():
    """AT [(G g G^T) * (BT d BT^T)] AT^T is the 4x4 valid correlation of a 6x6 patch d with a 3x3 kernel g."""
    rng = np.random.default_rng(3)
    d, g = rng.standard_normal((6, 6)), rng.standard_normal((3, 3))
    y = winograd4.AT @ ((winograd4.G @ g @ winograd4.G.T) * (winograd4.BT @ d @ winograd4.BT.T)) @ winograd4.AT.T
    want = np.array([[np.sum(d[i:i + 3, j:j + 3] * g) for j in range(4)] for i in range(4)])
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("channels_last", [False, True], ids=["nchw", "channels-last"])
@pytest.mark.parametrize("budget", [1, 4 * 2 ** 20], ids=["one-image-chunks", "one-chunk"])
@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_forward_and_gradients_match_the_direct_loops(rng, case, impl, budget, channels_last):
    n, c, o, h, w, padding = case
    x, wt = _inputs(rng, n, c, o, h, w, channels_last)
    b = rng.standard_normal(o)
    with mdl.using_config(cpu_kernels=impl):
        y = kernels.conv2d_winograd_forward(x, wt, padding, bias=b, budget_bytes=budget, tile=4)
        dy = rng.standard_normal(y.shape)
        dx, dw = kernels.conv2d_winograd_backward(dy, x, wt, padding, budget_bytes=budget, tile=4)
        only_dx = kernels.conv2d_winograd_backward(dy, x, wt, padding, need_weight=False, budget_bytes=budget, tile=4)
        only_dw = kernels.conv2d_winograd_backward(dy, x, wt, padding, need_input=False, budget_bytes=budget, tile=4)
    if min(c, o) > 1:                                   # with one channel both layouts are the same memory
        assert kernels.is_channels_last(y) == kernels.is_channels_last(dx) == channels_last
    np.testing.assert_allclose(y, ref.conv2d_forward(x, wt, padding) + b.reshape(1, -1, 1, 1), rtol=1e-11, atol=1e-11)
    rdx, rdw = ref.conv2d_backward(dy, x, wt, padding)
    np.testing.assert_allclose(dx, rdx, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(dw, rdw, rtol=1e-11, atol=1e-11)
    assert only_dx[1] is None and only_dw[0] is None
    np.testing.assert_array_equal(only_dx[0], dx)
    np.testing.assert_array_equal(only_dw[1], dw)


@pytest.mark.parametrize("positive", [True, False], ids=["uniform-0-1", "normal"])
@pytest.mark.parametrize("shape", [(2, 8, 8, 13, 13), (2, 64, 64, 16, 16), (1, 257, 129, 9, 7)])
def test_float32_error_within_the_bound(shape, positive):
    """max |float32 - float64| / scale (the scales of kernels/winograd.py's docstring) <= FLOAT32_ERROR_BOUND_F4."""
    n, c, o, h, w = shape
    rng = np.random.default_rng(c)
    draw = rng.random if positive else rng.standard_normal
    x, wt, dy = draw((n, c, h, w)), draw((o, c, 3, 3)), draw((n, o, h, w))
    y64 = kernels.conv2d_winograd_forward(x, wt, (1, 1), tile=4)
    dx64, dw64 = kernels.conv2d_winograd_backward(dy, x, wt, (1, 1), tile=4)
    x32, w32, dy32 = (a.astype(np.float32) for a in (x, wt, dy))
    y32 = kernels.conv2d_winograd_forward(x32, w32, (1, 1), tile=4)
    dx32, dw32 = kernels.conv2d_winograd_backward(dy32, x32, w32, (1, 1), tile=4)
    assert y32.dtype == dx32.dtype == dw32.dtype == np.float32
    mx, mw, mdy = np.abs(x).max(), np.abs(wt).max(), np.abs(dy).max()
    errors = (np.abs(y32 - y64).max() / (mx * mw * 9 * c), np.abs(dx32 - dx64).max() / (mdy * mw * 9 * o),
              np.abs(dw32 - dw64).max() / (mdy * mx * n * h * w))
    assert max(errors) <= winograd.FLOAT32_ERROR_BOUND_F4, errors


def _t(rng, *shape, channels_last=False):
    a = rng.standard_normal(shape)
    if channels_last:
        a = np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    return mdl.tensor(a, requires_grad=True)


@pytest.mark.parametrize("channels_last", [False, True], ids=["nchw", "channels-last"])
@pytest.mark.parametrize("padding", [0, 1])
def test_gradcheck_through_f_conv2d(rng, padding, channels_last):
    x = _t(rng, 2, 3, 7, 6, channels_last=channels_last)
    w, b = _t(rng, 5, 3, 3, 3), _t(rng, 5)
    with mdl.using_config(conv_algorithm="winograd4", im2col_budget_mb=1e-6):
        assert F.conv2d(x, w, b, padding=padding).creator.algorithm == "winograd4"
        assert mdl.gradcheck(lambda a, ww, bb: F.conv2d(a, ww, bb, padding=padding), (x, w, b))


@pytest.mark.parametrize("split", ["frequency", "batch"])
def test_threaded_split_matches_one_thread(force_parts, monkeypatch, split):
    # "frequency": every frequency's GEMM whole on one thread, so the same bits as one thread; "batch": each
    # thread on its own images and chunks, its weight gradient summed with the others' in part order, so y
    # and dx agree to rounding (GEMMs of other row counts) and dw in the order of its sums
    monkeypatch.setattr(winograd, "WINOGRAD_SPLIT", split)
    rng = np.random.default_rng(5)
    for channels_last in (False, True):
        x, wt = _inputs(rng, 7, 11, 9, 10, 7, channels_last)
        y1 = kernels.conv2d_winograd_forward(x, wt, (1, 1), tile=4, budget_bytes=4000)
        dy = rng.standard_normal(y1.shape)
        g1 = kernels.conv2d_winograd_backward(dy, x, wt, (1, 1), tile=4, budget_bytes=4000)
        y2 = kernels.conv2d_winograd_forward(x, wt, (1, 1), tile=4, budget_bytes=4000, threads=PARTS)
        g2 = kernels.conv2d_winograd_backward(dy, x, wt, (1, 1), tile=4, budget_bytes=4000, threads=PARTS)
        assert is_channels_last(y2) == channels_last and is_channels_last(g2[0]) == channels_last
        if split == "frequency":
            np.testing.assert_array_equal(y1, y2)
            np.testing.assert_array_equal(g1[0], g2[0])
            np.testing.assert_array_equal(g1[1], g2[1])
        else:
            for one, threaded in zip((y1, *g1), (y2, *g2)):
                np.testing.assert_allclose(threaded, one, rtol=1e-12, atol=1e-12)
        y3 = kernels.conv2d_winograd_forward(x, wt, (1, 1), tile=4, budget_bytes=4000, threads=PARTS)
        g3 = kernels.conv2d_winograd_backward(dy, x, wt, (1, 1), tile=4, budget_bytes=4000, threads=PARTS)
        for a, b in zip((y2, *g2), (y3, *g3)):        # and the same bits from run to run
            np.testing.assert_array_equal(a, b)


def test_auto_rule_picks_the_tile(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")

    def pick(c, h, o=None, cpu="numba"):
        x = np.zeros((2, c, h, h), np.float32)
        with mdl.using_config(conv_algorithm="auto", cpu_kernels=cpu):
            return choose_algorithm(x, np.zeros((o or c, c, 3, 3), np.float32), (1, 1), (1, 1), (1, 1), 1)
    c4, side = kernels.WINOGRAD4_MIN_CHANNELS, kernels.WINOGRAD4_MIN_OUTPUT
    assert pick(c4, side) == "winograd4"
    assert pick(c4, 32) == "winograd4"
    assert pick(512, 4) == "winograd"                   # 4x4 outputs: one tile per image, F(2x2) there
    assert pick(c4, side - 1) == "im2col"               # below both rules' sizes
    assert pick(3, 32, o=c4) == "im2col"                # thin first layers stay on im2col
    assert pick(c4, side, cpu="numpy") == "im2col"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    if not winograd.blas_single_threaded():
        with mdl.using_config(intra_op_parallel=False):
            assert pick(c4, 32) == "im2col"             # two BLAS threads, scheme off: not measured faster


def test_forced_winograd4_falls_back_where_not_applicable(rng):
    x = _t(rng, 1, 2, 6, 6)
    with mdl.using_config(conv_algorithm="winograd4"):
        assert F.conv2d(x, _t(rng, 3, 2, 3, 3), stride=2).creator.algorithm == "im2col"
        assert F.conv2d(x, _t(rng, 3, 2, 5, 5)).creator.algorithm == "im2col"


def test_bad_tile_raises_a_one_line_error(rng):
    x, wt = _inputs(rng, 1, 2, 3, 5, 5)
    with pytest.raises(ValueError, match="conv2d_winograd_forward: tile must be 2 .* or 4 .*, got 3"):
        kernels.conv2d_winograd_forward(x, wt, (1, 1), tile=3)
    with pytest.raises(ValueError, match="conv2d_winograd_backward: tile must be"):
        kernels.conv2d_winograd_backward(np.zeros((1, 3, 5, 5)), x, wt, (1, 1), tile=8)
