"""config.intra_op_parallel (kernels/_threads.py): convolutions split their batch and linear layers their
GEMMs (rows or columns) over minidl's own threads, BLAS on one thread meanwhile, the prange kernels' serial twins in
each part. The threaded paths must give the results of the single-threaded ones (to rounding: 1e-12
in float64), pass gradcheck, be the same bit for bit from run to run, and leave BLAS's thread count as
they found it.

The part count is forced to 3 (``force_parts``) so the pool runs on any machine, also a 1-core one.
"""
import threading

import numpy as np
import pytest
from conftest import FORCED_PARTS

import minidl as mdl
import minidl.nn.functional as F
from minidl import config
from minidl.kernels import _numba, _threads, im2col

PARTS = FORCED_PARTS      # force_parts (conftest.py) runs the scheme on this many threads



# (N, C, H, W, O, kernel, stride, padding, dilation, groups, im2col budget MB)
CASES = [
    (1, 3, 7, 9, 5, 3, 1, 1, 1, 1, 4),        # one image: fewer images than threads
    (2, 4, 9, 7, 6, 3, 2, 1, 1, 2, 4),        # two images, strided, grouped
    (5, 3, 11, 9, 7, 3, 1, 1, 1, 1, 4),       # odd batch, whole ranges kept for backward
    (7, 5, 13, 11, 3, 5, 2, 2, 1, 1, 0.004),  # odd sizes, sub-chunks inside each range (cols rebuilt)
    (9, 6, 10, 10, 9, 3, 1, 2, 2, 3, 0.002),  # dilation, groups, several chunks per range
    (4, 7, 5, 5, 4, 1, 1, 0, 1, 1, 4),        # 1x1
]


def _conv_run(x, w, b, cotangent, case, threaded):
    _, _, _, _, _, _, stride, padding, dilation, groups, budget = case
    with mdl.using_config(intra_op_parallel=threaded, conv_algorithm="im2col", im2col_budget_mb=budget):
        xt, wt, bt = (mdl.tensor(a, requires_grad=True) for a in (x, w, b))
        y = F.conv2d(xt, wt, bt, stride=stride, padding=padding, dilation=dilation, groups=groups)
        (y * mdl.tensor(cotangent)).sum().backward()
    return [y.numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()]


def _case_arrays(case, dtype, seed=0):
    n, c, h, w_, o, k, stride, padding, dilation, groups, _ = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w_)).astype(dtype)
    w = rng.standard_normal((o, c // groups, k, k)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype)
    oh = (h + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    ow = (w_ + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    return x, w, b, rng.standard_normal((n, o, oh, ow)).astype(dtype)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_threaded_conv_matches_single_threaded(force_parts, case, dtype):
    x, w, b, cot = _case_arrays(case, dtype)
    single = _conv_run(x, w, b, cot, case, threaded=False)
    threaded = _conv_run(x, w, b, cot, case, threaded=True)
    # a GEMM over fewer rows may take another OpenBLAS kernel (its edge and small-matrix paths), so
    # even y and dx agree to rounding only
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for name, got, want in zip(("y", "dx", "dw", "db"), threaded, single):
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.abs(want).max(), err_msg=name)


def test_threaded_conv_same_bits_every_run(force_parts):
    case = CASES[4]
    x, w, b, cot = _case_arrays(case, np.float32, seed=3)
    first = _conv_run(x, w, b, cot, case, threaded=True)
    for _ in range(3):
        for got, want in zip(_conv_run(x, w, b, cot, case, threaded=True), first):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("case", [CASES[1], CASES[3], CASES[4]])
def test_threaded_conv_gradcheck(force_parts, case):
    _, _, _, _, _, _, stride, padding, dilation, groups, budget = case
    x, w, b, _ = _case_arrays(case, np.float64, seed=1)
    inputs = [mdl.tensor(a, requires_grad=True) for a in (x[:3], w, b)]
    with mdl.using_config(conv_algorithm="im2col", im2col_budget_mb=budget):
        assert mdl.gradcheck(lambda x_, w_, b_: F.conv2d(x_, w_, b_, stride=stride, padding=padding,
                                                         dilation=dilation, groups=groups), inputs)


@pytest.fixture
def split_everything(monkeypatch):
    """matmul splits even tiny products (no one-thread-only or single-GEMM band)."""
    monkeypatch.setattr(_threads, "MATMUL_ONE_THREAD_MIN", 1)
    monkeypatch.setattr(_threads, "MATMUL_SPLIT_MIN", 1)


@pytest.mark.parametrize("rows", [1, 5, 67])
def test_threaded_linear_matches_and_gradchecks(force_parts, split_everything, rows):
    rng = np.random.default_rng(rows)
    x, w, b = rng.standard_normal((rows, 13)), rng.standard_normal((11, 13)), rng.standard_normal(11)
    cot = rng.standard_normal((rows, 11))
    results = {}
    for threaded in (False, True):
        with mdl.using_config(intra_op_parallel=threaded):
            xt, wt, bt = (mdl.tensor(a, requires_grad=True) for a in (x, w, b))
            y = F.linear(xt, wt, bt)
            (y * mdl.tensor(cot)).sum().backward()
            results[threaded] = [y.numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()]
    for got, want in zip(results[True], results[False]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    inputs = [mdl.tensor(a, requires_grad=True) for a in (x, w, b)]
    assert mdl.gradcheck(F.linear, inputs)


# (M, K, N): rows split when M > N, columns otherwise; one row / one column; K = 1
@pytest.mark.parametrize("mkn", [(31, 17, 9), (9, 17, 31), (1, 5, 40), (40, 5, 1), (7, 1, 7), (2, 3, 2)])
def test_matmul_splits_rows_or_columns_exactly(force_parts, split_everything, mkn):
    m, k, n = mkn
    rng = np.random.default_rng(m * 100 + n)
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    want = a @ b
    got = _threads.matmul(a, b)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    # transposed (F-ordered) operands, as Linear passes w.T and g.T
    np.testing.assert_allclose(_threads.matmul(a.T.copy().T, b.T.copy().T), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(_threads.matmul(a, b), got)       # the same bits every run
    f32 = _threads.matmul(a.astype(np.float32), b.astype(np.float32))
    assert f32.dtype == np.float32
    np.testing.assert_allclose(f32, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_matmul_split_side_follows_the_larger_operand(force_parts, split_everything, monkeypatch):
    seen = []
    real_matmul = np.matmul

    def spy(x, y, out=None):
        seen.append((x.shape, y.shape))
        return real_matmul(x, y, out=out)
    monkeypatch.setattr(_threads.np, "matmul", spy)
    a, b = np.ones((8, 4)), np.ones((4, 30))          # wide b: each of the PARTS gets a third of its columns
    _threads.matmul(a, b)
    assert sorted(seen) == [((8, 4), (4, 10))] * PARTS
    seen.clear()
    _threads.matmul(b.T, a.T)                          # tall a: each part gets a third of its rows
    assert sorted(seen) == [((10, 4), (4, 8))] * PARTS


def test_mid_sized_matmul_runs_on_one_blas_thread(force_parts, monkeypatch, fake_blas):
    fake = fake_blas
    monkeypatch.setattr(_threads, "MATMUL_ONE_THREAD_MIN", 1)
    monkeypatch.setattr(_threads, "MATMUL_SPLIT_MIN", 10 ** 9)
    seen = []

    def task():
        seen.append(fake.count)
        return 7
    a, b = np.arange(12.0).reshape(3, 4), np.arange(20.0).reshape(4, 5)
    np.testing.assert_array_equal(_threads.matmul(a, b), a @ b)
    assert fake.history == [1, 2]                     # set to one thread, then restored
    assert _threads.on_one_blas_thread(task) == 7 and seen == [1] and fake.count == 2
    with pytest.raises(ZeroDivisionError):
        _threads.on_one_blas_thread(lambda: 1 / 0)
    assert fake.count == 2                            # restored after an error too
    assert _threads.run(lambda i: _threads.on_one_blas_thread(lambda: fake.count), 2) == [1, 1]


def test_run_orders_results_and_raises_first_error(force_parts):
    seen = []

    def task(i):
        seen.append((i, _threads.in_section()))
        return i * i
    assert _threads.run(task, 4) == [0, 1, 4, 9]
    assert sorted(seen) == [(i, True) for i in range(4)]
    assert not _threads.in_section()

    def failing(i):
        if i >= 1:
            raise ValueError(f"part {i}")
        return i
    with pytest.raises(ValueError, match="part 1"):
        _threads.run(failing, 3)
    assert _threads.run(lambda i: i, 2) == [0, 1]        # the pool still works after an error


def test_nested_sections_run_in_the_calling_thread(force_parts):
    def outer(i):
        thread = threading.get_ident()
        return _threads.run(lambda j: threading.get_ident() == thread, 2)
    assert _threads.run(outer, 2) == [[True, True], [True, True]]


def test_blas_thread_count_restored():
    blas = _threads._blas_control()
    if not blas.usable:
        pytest.skip("threadpoolctl cannot see a BLAS library here")
    from threadpoolctl import threadpool_limits
    with threadpool_limits(2, user_api="blas"):
        inside = []
        _threads.run(lambda i: inside.append(blas.get()), 2)
        assert inside and set(inside) == {1}
        assert blas.get() == 2
        with pytest.raises(RuntimeError):
            _threads.run(lambda i: (_ for _ in ()).throw(RuntimeError("x")), 2)
        assert blas.get() == 2


def test_one_blas_thread_means_no_threads():
    blas = _threads._blas_control()
    if not blas.usable:
        pytest.skip("threadpoolctl cannot see a BLAS library here")
    from threadpoolctl import threadpool_limits
    with threadpool_limits(1, user_api="blas"), mdl.using_config(intra_op_parallel=True):
        assert _threads.intra_op_threads(np.ones(3)) == 1
    with mdl.using_config(intra_op_parallel=False):
        assert _threads.intra_op_threads(np.ones(3)) == 1


def test_serial_twin_inside_a_section_equals_parallel_kernel(force_parts):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 5, 9, 7))
    want = im2col(x, (3, 3), 1, 1, 1)
    got = _threads.run(lambda i: im2col(x, (3, 3), 1, 1, 1), 2)
    for cols in got:
        np.testing.assert_array_equal(cols, want)
    from minidl.kernels import unfold
    assert hasattr(unfold._im2col_rows, "serial") and unfold._im2col_rows.serial.py_func.__qualname__.endswith(
        "__serial")
    assert _numba.num_threads() >= 1


@pytest.mark.parametrize("allowed", [True, False])
def test_section_parallel_build_on_one_thread(force_parts, monkeypatch, allowed):
    """NCHW im2col/col2im inside a section launch the parallel build on one thread where the threading layer
    is thread-safe (omp, tbb), else the serial twin; either way the same bits as outside, and the launching
    thread's Numba count is 1 during the part and back to the scheme's count after."""
    from minidl.kernels import col2im
    monkeypatch.setattr(_numba, "SECTION_PARALLEL_BUILD", allowed)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 3, 11, 8))
    want = im2col(x, (3, 2), 1, 1, 1)                       # outside: the threading layer is chosen now
    back = col2im(want, x.shape, (3, 2), 1, 1, 1)
    calls = []
    one_thread = _numba._one_thread_in_section             # called just before a section's parallel-build launch
    monkeypatch.setattr(_numba, "_one_thread_in_section", lambda: calls.append("parallel") or one_thread())

    def part(i):
        cols = im2col(x, (3, 2), 1, 1, 1)
        return cols, col2im(cols, x.shape, (3, 2), 1, 1, 1), _numba.num_threads(), _numba._numba.get_num_threads()
    results = _threads.run(part, 2)
    for cols, dx, counted, _ in results:
        np.testing.assert_array_equal(cols, want)
        np.testing.assert_array_equal(dx, back)
        assert counted == 1
    safe = _numba._numba.threading_layer() in _numba._THREADSAFE_LAYERS
    assert len(calls) == (4 if allowed and safe else 0)     # two parts, each one im2col and one col2im
    if allowed and safe:
        assert all(actual == 1 for *_, actual in results)


def test_config_field_validated(monkeypatch):
    with pytest.raises(ValueError, match="intra_op_parallel"):
        config.intra_op_parallel = "sometimes"
    field = {f.name: f for f in config.fields()}["intra_op_parallel"]
    assert field.env == "MINIDL_INTRA_OP_PARALLEL"
    assert field.from_environment({"MINIDL_INTRA_OP_PARALLEL": "1"}) is True
    with pytest.raises(ValueError, match="MINIDL_INTRA_OP_PARALLEL"):
        field.from_environment({"MINIDL_INTRA_OP_PARALLEL": "maybe"})


def test_numba_threads_follow_blas_under_the_scheme():
    """In a fresh process: a kernel launched under the scheme on an array of at least
    ``LAUNCH_SPLIT_MIN_BYTES`` runs on T Numba threads (T = BLAS's count, capped by the CPUs), a smaller
    launch on Numba's count from before (one thread beside BLAS, the rule of kernels/_numba.py), as with
    the scheme off, which restores that count."""
    import os
    import subprocess
    import sys
    drop = ("NUMBA_NUM_THREADS", "OPENBLAS_THREAD_TIMEOUT", "MINIDL_KEEP_NUMBA_THREADS", "OMP_NUM_THREADS",
            "MINIDL_INTRA_OP_PARALLEL")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["OPENBLAS_NUM_THREADS"] = "2"
    env["MINIDL_INTRA_OP_PARALLEL"] = "1"     # the scheme is off by default
    code = ("import numpy as np, numba, minidl, minidl.kernels as K; from minidl.kernels import _threads; "
            "small = np.ones((1, 1, 2, 2), np.float32); K.im2col(small, 1, 1, 0, 1); "
            "small_on = numba.get_num_threads(); "
            "x = np.ones((1, 1, 512, _threads.LAUNCH_SPLIT_MIN_BYTES // 2048), np.float32); "
            "K.im2col(x, 1, 1, 0, 1); on = numba.get_num_threads(); "
            "minidl.config.intra_op_parallel = False; K.im2col(x, 1, 1, 0, 1); "
            "print(small_on, on, numba.get_num_threads(), _threads.intra_op_threads(x), _threads._max_threads())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env).stdout.split()
    small_on, on, off, intra_off, cap = map(int, out)
    assert intra_off == 1 and off == 1
    assert small_on == 1
    assert on == min(2, cap)
