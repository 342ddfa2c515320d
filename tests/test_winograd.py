"""Winograd F(2x2, 3x3) convolution (``minidl.kernels.winograd``, ``conv_algorithm="winograd"``).

Checked against the direct loops of ``tests/kernel_references.py`` on odd
sizes (float64, tight), the float32 error against the bound stated in the
kernel's docstring, finite differences (gradcheck, gradgradcheck) through
``F.conv2d``, and the algorithm rule's choices and fallbacks.
"""
import kernel_references as ref
import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F
from minidl import kernels
from minidl.autograd import gradgradcheck
from minidl.kernels import winograd
from minidl.ops.conv import choose_algorithm

# (N, C, O, H, W, padding): odd sizes, odd and even planes, paddings 0..3 (3 pads more than the kernel reaches)
CASES = [(3, 5, 7, 9, 11, (1, 1)), (1, 3, 5, 7, 7, (0, 0)), (3, 7, 3, 6, 5, (2, 2)), (2, 3, 3, 5, 8, (0, 2)),
         (1, 2, 3, 3, 3, (3, 1)), (5, 1, 1, 4, 9, (1, 0))]
IMPLS = ["numba", "numpy"]


def _inputs(rng, n, c, o, h, w, dtype=np.float64):
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = rng.standard_normal((o, c, 3, 3)).astype(dtype)
    return x, wt


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("budget", [1, 4 * 2 ** 20], ids=["one-image-chunks", "one-chunk"])
@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_forward_and_gradients_match_the_direct_loops(rng, case, impl, budget):
    n, c, o, h, w, padding = case
    x, wt = _inputs(rng, n, c, o, h, w)
    b = rng.standard_normal(o)
    with mdl.using_config(cpu_kernels=impl):
        y = kernels.conv2d_winograd_forward(x, wt, padding, bias=b, budget_bytes=budget)
        dy = rng.standard_normal(y.shape)
        dx, dw = kernels.conv2d_winograd_backward(dy, x, wt, padding, budget_bytes=budget)
        only_dx = kernels.conv2d_winograd_backward(dy, x, wt, padding, need_weight=False, budget_bytes=budget)
        only_dw = kernels.conv2d_winograd_backward(dy, x, wt, padding, need_input=False, budget_bytes=budget)
    assert y.dtype == dx.dtype == dw.dtype == np.float64 and dx.shape == x.shape and dw.shape == wt.shape
    np.testing.assert_allclose(y, ref.conv2d_forward(x, wt, padding) + b.reshape(1, -1, 1, 1), rtol=1e-12, atol=1e-12)
    rdx, rdw = ref.conv2d_backward(dy, x, wt, padding)
    np.testing.assert_allclose(dx, rdx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, rdw, rtol=1e-12, atol=1e-12)
    assert only_dx[1] is None and only_dw[0] is None
    np.testing.assert_array_equal(only_dx[0], dx)
    np.testing.assert_array_equal(only_dw[1], dw)


def _scaled_errors(x, wt, dy, padding):
    """max |float32 - float64| / scale for y, dx, dw (scale: the largest magnitude a sum can reach)."""
    y64 = kernels.conv2d_winograd_forward(x, wt, padding)
    dx64, dw64 = kernels.conv2d_winograd_backward(dy, x, wt, padding)
    f32 = [a.astype(np.float32) for a in (x, wt, dy)]
    y32 = kernels.conv2d_winograd_forward(f32[0], f32[1], padding)
    dx32, dw32 = kernels.conv2d_winograd_backward(f32[2], f32[0], f32[1], padding)
    assert y32.dtype == dx32.dtype == dw32.dtype == np.float32
    n, c = x.shape[:2]
    o, oh, ow = y64.shape[1:]
    mx, mw, mg = (float(np.abs(a).max()) for a in (x, wt, dy))
    return (float(np.abs(y32 - y64).max()) / (mx * mw * 9 * c),
            float(np.abs(dx32 - dx64).max()) / (mg * mw * 9 * o),
            float(np.abs(dw32 - dw64).max()) / (mg * mx * n * oh * ow))


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("shape", [(3, 5, 7, 9, 11), (2, 64, 33, 13, 9), (2, 255, 17, 7, 6)])
def test_float32_error_stays_within_the_stated_bound(rng, shape, impl):
    """Positive inputs (no cancellation: the sums reach the scale) and signed ones, against float64."""
    n, c, o, h, w = shape
    positive = (rng.random((n, c, h, w)), rng.random((o, c, 3, 3)), rng.random((n, o, h, w)))
    signed = (rng.standard_normal((n, c, h, w)), rng.standard_normal((o, c, 3, 3)), rng.standard_normal((n, o, h, w)))
    with mdl.using_config(cpu_kernels=impl):
        for x, wt, dy in (positive, signed):
            errors = _scaled_errors(x, wt, dy, (1, 1))
            assert max(errors) < winograd.FLOAT32_ERROR_BOUND, errors
            assert max(errors) > 0   # the float32 path really ran in float32


def _t(rng, *shape):
    return mdl.tensor(rng.standard_normal(shape), dtype=mdl.float64, requires_grad=True)


@pytest.mark.parametrize("padding", [0, 1, 2])
def test_conv2d_gradcheck_and_gradgradcheck_through_winograd(rng, padding):
    x, w, b = _t(rng, 2, 3, 5, 4), _t(rng, 3, 3, 3, 3), _t(rng, 3)

    def conv(a, ww, bb):
        return F.conv2d(a, ww, bb, padding=padding)
    with mdl.using_config(conv_algorithm="winograd"):
        assert conv(x, w, b).creator.algorithm == "winograd"
        assert mdl.gradcheck(conv, (x, w, b))
        assert gradgradcheck(conv, (x, w, b))


def test_conv2d_through_winograd_matches_im2col_including_second_order(rng):
    """F.conv2d: values and first and second derivatives agree with the im2col path (float64)."""
    x, w, b = _t(rng, 3, 5, 7, 6), _t(rng, 4, 5, 3, 3), _t(rng, 4)
    results = {}
    for algorithm in ("im2col", "winograd"):
        with mdl.using_config(conv_algorithm=algorithm):
            y = F.conv2d(x, w, b, padding=1)
            assert y.creator.algorithm == algorithm
            gx, gw = mdl.autograd.grad((y * y).sum(), (x, w), create_graph=True)
            ggx, = mdl.autograd.grad((gx * gx).sum() + (gw * gw).sum(), (x,))
            results[algorithm] = [v.numpy() for v in (y, gx, gw, ggx)]
    for a, c in zip(results["im2col"], results["winograd"]):
        np.testing.assert_allclose(a, c, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kwargs", [dict(stride=2), dict(dilation=2), dict(groups=2)], ids=["stride", "dilation",
                                                                                          "groups"])
def test_forced_winograd_falls_back_to_im2col_where_it_does_not_apply(rng, kwargs):
    x, w = _t(rng, 1, 4, 9, 9), _t(rng, 6, 4 // kwargs.get("groups", 1), 3, 3)
    with mdl.using_config(conv_algorithm="winograd"):
        y = F.conv2d(x, w, padding=1, **kwargs)
        assert y.creator.algorithm == "im2col"
        y5 = F.conv2d(x, _t(rng, 2, 4, 5, 5))
        assert y5.creator.algorithm == "im2col"
    with mdl.using_config(conv_algorithm="im2col"):
        np.testing.assert_allclose(F.conv2d(x, w, padding=1, **kwargs).numpy(), y.numpy(), rtol=1e-12)


def test_auto_rule_picks_winograd_only_where_it_measured_faster(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")

    def pick(c, o, h=16, kernel=3, stride=(1, 1), cpu="numba"):
        x = np.zeros((2, c, h, h), np.float32)
        with mdl.using_config(conv_algorithm="auto", cpu_kernels=cpu):
            return choose_algorithm(x, np.zeros((o, c, kernel, kernel), np.float32), stride, (1, 1), (1, 1), 1)
    wide = kernels.WINOGRAD_MIN_CHANNELS
    assert pick(wide, wide, h=4) == "winograd"              # F(2x2): below F(4x4)'s output size
    assert pick(wide, wide) == "winograd4"                  # F(4x4) from WINOGRAD4_MIN_OUTPUT (test_winograd4.py)
    assert pick(3, wide) == "im2col"                       # thin first layers stay on im2col
    assert pick(8, 8, h=32) == "direct"                    # few channels: the direct kernels
    assert pick(wide, wide, kernel=5) == "im2col"
    assert pick(wide, wide, stride=(2, 2)) == "im2col"
    assert pick(wide, wide, cpu="numpy") == "im2col"       # the Numba transforms are what made it faster
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    if not winograd.blas_single_threaded():      # two BLAS threads: F(2x2) never, F(4x4) under intra_op_parallel
        assert pick(wide, wide, h=4) == "im2col"
        with mdl.using_config(intra_op_parallel=False):
            assert pick(wide, wide) == "im2col"


def test_bad_arguments_raise_one_line_errors(rng):
    x, w = _inputs(rng, 1, 2, 3, 5, 5)
    with pytest.raises(ValueError, match="conv2d_winograd_forward: Winograd F\\(2x2, 3x3\\) needs a 3x3 kernel"):
        kernels.conv2d_winograd_forward(x, np.zeros((3, 2, 5, 5)), (1, 1))
    with pytest.raises(ValueError, match="conv2d_winograd_forward: bias shape \\(4,\\) != \\(3,\\)"):
        kernels.conv2d_winograd_forward(x, w, (1, 1), bias=np.zeros(4))
    with pytest.raises(ValueError, match="conv2d_winograd_backward: dy shape"):
        kernels.conv2d_winograd_backward(np.zeros((1, 3, 4, 4)), x, w, (1, 1))
    with pytest.raises(ValueError, match="conv2d_winograd_forward: expected a 4-D"):
        kernels.conv2d_winograd_forward(x[0], w, (1, 1))


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gpu_winograd_matches_cpu(rng, dtype):
    """CuPy arrays run the vectorised transforms and cuBLAS; same values as the CPU kernels."""
    from minidl.backend import to_device, to_numpy
    x, wt = _inputs(rng, 3, 33, 17, 9, 11, dtype)
    dy = rng.standard_normal((3, 17, 9, 11)).astype(dtype)
    y = kernels.conv2d_winograd_forward(x, wt, (1, 1))
    dx, dw = kernels.conv2d_winograd_backward(dy, x, wt, (1, 1))
    yg = kernels.conv2d_winograd_forward(to_device(x, "gpu"), to_device(wt, "gpu"), (1, 1))
    dxg, dwg = kernels.conv2d_winograd_backward(*(to_device(a, "gpu") for a in (dy, x, wt)), (1, 1))
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for cpu, gpu in ((y, yg), (dx, dxg), (dw, dwg)):
        np.testing.assert_allclose(to_numpy(gpu), cpu, rtol=tol, atol=tol)
