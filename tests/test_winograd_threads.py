"""Winograd F(2x2, 3x3) inside config.intra_op_parallel's batch split (kernels/winograd.py, kernels/_threads.py).

Under the scheme each of T threads runs the whole path on its own range of images (one-thread BLAS, the
transforms' serial twins), the partial weight gradients summed in part order (``WINOGRAD_SPLIT = "batch"``);
the threaded results equal the single-threaded ones (asserted to 1e-12 in float64), pass gradcheck, and are
the same bits from run to run. ``auto`` picks F(4x4, 3x3) under the scheme, F(2x2, 3x3) only with one BLAS
thread (``kernels.winograd_suited``).

The part count is forced to 3 (``force_parts``) so the pool runs on any machine, also a 1-core one.
"""
import numpy as np
import pytest
from conftest import FORCED_PARTS

import minidl as mdl
import minidl.nn.functional as F
from minidl import kernels
from minidl.kernels import _threads, winograd
from minidl.ops.conv import choose_algorithm

PARTS = FORCED_PARTS      # force_parts (conftest.py) runs the scheme on this many threads
WIDE = kernels.WINOGRAD_MIN_CHANNELS



# (N, C, O, H, W, padding, budget bytes): batches 1 (fewer images than threads), 2, 5, 7; odd planes;
# channels from WINOGRAD_MIN_CHANNELS (the layers Winograd is for); small budgets: several chunks
CASES = [(1, WIDE, WIDE + 1, 5, 7, (1, 1), 4 * 2 ** 20),
         (2, WIDE + 3, WIDE, 7, 5, (0, 1), 4 * 2 ** 20),
         (5, WIDE, WIDE, 3, 9, (1, 1), 1),
         (7, WIDE + 1, WIDE + 2, 6, 5, (2, 0), 2 * 16 * 4 * 2 * (WIDE + 1) * 8)]    # two images per chunk


def _arrays(case, dtype, seed=0):
    n, c, o, h, w, padding, _ = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = (rng.standard_normal((o, c, 3, 3)) / np.sqrt(9 * c)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype)
    oh, ow = h + 2 * padding[0] - 2, w + 2 * padding[1] - 2
    return x, wt, b, rng.standard_normal((n, o, oh, ow)).astype(dtype)


def _conv_run(arrays, case, threaded):
    """y, dx, dw, db through F.conv2d with Winograd forced, the scheme on or off."""
    x, w, b, cot = arrays
    budget_mb = case[-1] / 2 ** 20
    with mdl.using_config(intra_op_parallel=threaded, conv_algorithm="winograd", im2col_budget_mb=budget_mb):
        xt, wt, bt = (mdl.tensor(a, requires_grad=True) for a in (x, w, b))
        y = F.conv2d(xt, wt, bt, padding=case[5])
        assert y.creator.algorithm == "winograd"
        (y * mdl.tensor(cot)).sum().backward()
    return [y.numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()]


@pytest.mark.parametrize("case", CASES, ids=[f"batch{c[0]}" for c in CASES])
def test_threaded_winograd_matches_single_threaded(force_parts, case):
    arrays = _arrays(case, np.float64)
    single = _conv_run(arrays, case, threaded=False)
    threaded = _conv_run(arrays, case, threaded=True)
    for name, got, want in zip(("y", "dx", "dw", "db"), threaded, single):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max(), err_msg=name)


@pytest.mark.parametrize("impl", ["numba", "numpy"])
@pytest.mark.parametrize("n", [1, 2, 5, 7])
def test_kernel_ranges_match_one_range(impl, n):
    """conv2d_winograd_forward/_backward with threads=3 against threads=1, small odd shapes, tiny chunks too."""
    rng = np.random.default_rng(n)
    x, w, b = rng.standard_normal((n, 5, 7, 9)), rng.standard_normal((3, 5, 3, 3)), rng.standard_normal(3)
    dy = rng.standard_normal((n, 3, 7, 9))
    with mdl.using_config(cpu_kernels=impl):
        for budget in (1, 4 * 2 ** 20):
            one = [kernels.conv2d_winograd_forward(x, w, (1, 1), bias=b, budget_bytes=budget),
                   *kernels.conv2d_winograd_backward(dy, x, w, (1, 1), budget_bytes=budget)]
            three = [kernels.conv2d_winograd_forward(x, w, (1, 1), bias=b, budget_bytes=budget, threads=3),
                     *kernels.conv2d_winograd_backward(dy, x, w, (1, 1), budget_bytes=budget, threads=3)]
            for got, want in zip(three, one):
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
            dx_only, none = kernels.conv2d_winograd_backward(dy, x, w, (1, 1), need_weight=False, threads=3)
            assert none is None
            np.testing.assert_array_equal(dx_only, three[1])


def test_threaded_winograd_same_bits_every_run(force_parts):
    case = CASES[3]
    arrays = _arrays(case, np.float32, seed=3)
    first = _conv_run(arrays, case, threaded=True)
    for _ in range(2):
        for got, want in zip(_conv_run(arrays, case, threaded=True), first):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("n", [2, 5])
def test_threaded_winograd_gradcheck(force_parts, n):
    rng = np.random.default_rng(n)
    x, w, b = (mdl.tensor(rng.standard_normal(s), requires_grad=True) for s in ((n, 3, 5, 4), (4, 3, 3, 3), (4,)))
    with mdl.using_config(conv_algorithm="winograd", im2col_budget_mb=1e-6):
        assert F.conv2d(x, w, b, padding=1).creator.algorithm == "winograd"
        assert mdl.gradcheck(lambda a, ww, bb: F.conv2d(a, ww, bb, padding=1), (x, w, b))


def test_auto_with_two_blas_threads_takes_f4_only_under_the_scheme(force_parts, monkeypatch):
    """The documented rule: with two BLAS threads, F(4x4) in auto under the scheme only, F(2x2) never."""
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    if winograd.blas_single_threaded():
        pytest.skip("one CPU: BLAS counts as single-threaded")

    def pick(c, side, threaded):
        x = np.zeros((4, c, side, side), np.float32)
        with mdl.using_config(conv_algorithm="auto", intra_op_parallel=threaded):
            return choose_algorithm(x, np.zeros((c, c, 3, 3), np.float32), (1, 1), (1, 1), (1, 1), 1)
    assert pick(WIDE, 8, threaded=False) == "im2col"
    assert pick(WIDE, 8, threaded=True) == "winograd4"   # 8x8 outputs: F(4x4) (test_winograd4.py)
    assert pick(WIDE, 4, threaded=True) == "im2col"      # F(2x2) with one BLAS thread only
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    assert pick(WIDE, 4, threaded=True) == "winograd"
    assert pick(WIDE, 8, threaded=True) == "winograd4"


def test_transforms_run_their_serial_twins_inside_a_section(force_parts):
    """A Winograd convolution called inside a section (nested) runs serial transforms and equals the outer one."""
    from minidl.kernels import winograd_nhwc, winograd_planes
    for family in (winograd_planes, winograd_nhwc):
        family.compile_numba()
        kernels_ = [getattr(family, name) for name in family._NUMBA_KERNELS]
        assert all(k.serial.py_func.__qualname__.endswith("__serial") for k in kernels_)
    rng = np.random.default_rng(0)
    w = rng.standard_normal((2, 3, 3, 3))
    for x in (rng.standard_normal((4, 3, 5, 5)), kernels.to_channels_last(rng.standard_normal((4, 3, 5, 5)))):
        want = kernels.conv2d_winograd_forward(x, w, (1, 1))
        got = _threads.run(lambda i, x=x: kernels.conv2d_winograd_forward(x[2 * i:2 * i + 2], w, (1, 1), threads=2), 2)
        np.testing.assert_array_equal(np.concatenate(got), want)
