"""GPU kernels (the CUDA sections of the kernel families) without and with a GPU.

* Under Numba's CUDA simulator: every kernel runs against the direct-loop
  references (``tests/kernel_references.py``), through the public dispatch
  with ``minidl.config.cpu_kernels = "cudasim"``. NUMBA_ENABLE_CUDASIM must be set before numba is imported, and
  other test modules import numba first in the same pytest process, so this
  module runs the simulator checks in a subprocess (this file run as a script
  with ``--simulate``), which reports one result per case as JSON.
* With NVVM (a CUDA toolkit) but no GPU: every kernel is compiled to PTX for
  sm_90 with Numba's real typing (the simulator runs plain Python and would
  not catch a typing error), and the PTX is assembled with ptxas when present.
* With a GPU and CuPy (``@pytest.mark.gpu``): the dispatch on CuPy arrays
  against the NumPy results.
"""
import itertools
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

# Tiny cases: the simulator runs every GPU thread in Python.
CONV_CASES = [
    ((2, 2, 5, 6), (1, 1), (1, 1), (0, 0), (1, 1)),
    ((2, 2, 5, 6), (2, 1), (2, 1), (1, 0), (1, 1)),
    ((2, 2, 5, 6), (1, 2), (1, 3), (0, 2), (1, 2)),
    ((2, 3, 7, 6), (3, 3), (2, 2), (1, 1), (2, 1)),
    ((1, 2, 9, 8), (5, 5), (3, 1), (2, 1), (1, 1)),
    ((2, 1, 9, 9), (7, 7), (1, 3), (2, 2), (1, 1)),
    ((1, 2, 14, 13), (7, 7), (2, 1), (0, 1), (2, 2)),
    ((1, 2, 7, 8), (2, 2), (3, 3), (0, 0), (1, 1)),
    ((1, 2, 1, 2), (1, 1), (10, 10), (3, 3), (1, 1)),
]
POOL_CASES = [
    ((2, 2, 5, 6), (1, 1), (1, 1), (0, 0)),
    ((2, 2, 5, 6), (2, 1), (2, 1), (1, 0)),
    ((2, 2, 5, 7), (1, 2), (1, 2), (0, 1)),
    ((2, 3, 7, 6), (3, 3), (2, 2), (1, 1)),
    ((1, 2, 9, 8), (5, 5), (3, 2), (2, 2)),
    ((2, 1, 9, 8), (7, 7), (2, 3), (3, 1)),
    ((2, 2, 5, 5), (3, 3), (3, 3), (1, 1)),
]
FUSED_SHAPES = [(3, 4, 5, 7), (5, 3), (2, 1, 3, 3), (2, 5, 1, 1)]
DTYPES = ["float32", "float64"]


def rand(shape, dtype, seed=0):
    """Random values bounded away from zero."""
    rng = np.random.default_rng(seed)
    return (rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)).astype(dtype)


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)


def case_ids():
    """Every (kernel family, case, options, dtype) the simulator run checks."""
    ids = []
    for dtype in DTYPES:
        ids += [f"conv-{i}-{dtype}" for i in range(len(CONV_CASES))]
        for i, ceil in itertools.product(range(len(POOL_CASES)), [False, True]):
            ids.append(f"maxpool-{i}-ceil{int(ceil)}-{dtype}")
            ids += [f"avgpool-{i}-ceil{int(ceil)}-pad{int(cip)}-{dtype}" for cip in (False, True)]
        ids += [f"fused-{i}-{dtype}" for i in range(len(FUSED_SHAPES))]
    ids += ["maxpool-ties-nan", "maxpool-overlap", "meanvar-stable"]
    return ids


# --- the checks, run inside the simulator subprocess --------------------------

def _check(impl, naive, case_id):
    """Run one case of ``impl`` (minidl.kernels on the CUDA kernels) against ``naive``; raise on mismatch."""
    parts = case_id.split("-")
    if case_id == "maxpool-ties-nan":
        x = np.array([[[[1.0, 3.0, 3.0], [3.0, 2.0, np.nan], [0.0, 3.0, 1.0]]]])
        out, arg = impl.maxpool2d_forward(x, 2, 1, 0, False)
        np.testing.assert_array_equal(arg.ravel(), [1, 5, 3, 5])
        np.testing.assert_array_equal(np.isnan(out.ravel()), [False, True, False, True])
        return
    if case_id == "maxpool-overlap":
        x = np.zeros((1, 1, 3, 3))
        x[0, 0, 1, 1] = 5.0
        out, arg = impl.maxpool2d_forward(x, 3, 1, 1, False)
        dx = impl.maxpool2d_backward(np.arange(1.0, 10.0).reshape(1, 1, 3, 3), arg, x.shape)
        assert dx[0, 0, 1, 1] == 45.0 and dx.sum() == 45.0
        return
    if case_id == "meanvar-stable":
        x = (1000.0 + np.random.default_rng(7).standard_normal((4, 2, 8, 8))).astype(np.float32)
        _, var = impl.channel_mean_var(x)
        np.testing.assert_allclose(var, x.astype(np.float64).var(axis=(0, 2, 3)), rtol=1e-3)
        return
    dtype = parts[-1]
    if parts[0] == "fused":
        _check_fused(impl, naive, FUSED_SHAPES[int(parts[1])], dtype)
        return
    if parts[0] == "conv":
        shape, k, s, p, d = CONV_CASES[int(parts[1])]
        x = rand(shape, dtype)
        cols = impl.im2col(x, k, s, p, d)
        assert cols.dtype == dtype
        np.testing.assert_array_equal(cols, naive.im2col(x, k, s, p, d))
        buf = np.full(cols.shape, np.nan, dtype)
        assert impl.im2col(x, k, s, p, d, out=buf) is buf
        np.testing.assert_array_equal(buf, cols)
        c = rand(cols.shape, dtype, seed=1)
        dx = impl.col2im(c, shape, k, s, p, d)
        assert dx.dtype == dtype and dx.shape == shape
        np.testing.assert_allclose(dx, naive.col2im(c, shape, k, s, p, d), **tol(dtype))
        # columns (i, j, c): the CUDA path permutes the (c, i, j) kernels' columns
        rows, ch, khw = cols.shape[0], shape[1], k[0] * k[1]
        kkc = impl.im2col(x, k, s, p, d, column_order="kkc")
        np.testing.assert_array_equal(kkc, cols.reshape(rows, ch, khw).transpose(0, 2, 1).reshape(rows, -1))
        c_kkc = np.ascontiguousarray(c.reshape(rows, ch, khw).transpose(0, 2, 1).reshape(rows, -1))
        np.testing.assert_allclose(impl.col2im(c_kkc, shape, k, s, p, d, column_order="kkc"), dx, **tol(dtype))
        return
    shape, k, s, p = POOL_CASES[int(parts[1])]
    ceil = parts[2] == "ceil1"
    x = rand(shape, dtype)
    if parts[0] == "maxpool":
        out, arg = impl.maxpool2d_forward(x, k, s, p, ceil)
        want, want_arg = naive.maxpool2d_forward(x, k, s, p, ceil)
        assert out.dtype == dtype
        np.testing.assert_array_equal(out, want)
        np.testing.assert_array_equal(arg, want_arg)
        dy = rand(out.shape, dtype, seed=2)
        dx = impl.maxpool2d_backward(dy, arg, shape)
        assert dx.dtype == dtype
        np.testing.assert_allclose(dx, naive.maxpool2d_backward(dy, want_arg, shape), **tol(dtype))
        return
    cip = parts[3] == "pad1"
    out = impl.avgpool2d_forward(x, k, s, p, ceil, cip)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, naive.avgpool2d_forward(x, k, s, p, ceil, cip), **tol(dtype))
    dy = rand(out.shape, dtype, seed=3)
    dx = impl.avgpool2d_backward(dy, shape, k, s, p, ceil, cip)
    assert dx.dtype == dtype
    np.testing.assert_allclose(dx, naive.avgpool2d_backward(dy, shape, k, s, p, ceil, cip), **tol(dtype))


def _check_fused(impl, naive, shape, dtype):
    dy = rand(shape, dtype, seed=5)
    x = rand(shape, dtype, seed=6) + 3
    for got, exp in zip(impl.channel_mean_var(x), naive.channel_mean_var(x)):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, exp, **tol(dtype))
    for got, exp in zip(impl.channel_sum_dot(x, dy), naive.channel_sum_dot(x, dy)):
        np.testing.assert_allclose(got, exp, **tol(dtype))
    al, be, ga = (rand(shape[1:2], dtype, seed=s) for s in (9, 10, 11))
    np.testing.assert_allclose(impl.channel_affine(x, al, be), naive.channel_affine(x, al, be), **tol(dtype))
    np.testing.assert_allclose(impl.channel_combine(x, dy, al, be, ga), naive.channel_combine(x, dy, al, be, ga),
                               **tol(dtype))


def _simulate():
    """Entry point of the subprocess: run every case, print {case_id: "ok" | error}."""
    from numba import config
    assert config.ENABLE_CUDASIM, "run with NUMBA_ENABLE_CUDASIM=1"
    import kernel_references as naive

    import minidl
    import minidl.kernels as impl
    from minidl.kernels._dispatch import implementation
    results = {}
    with minidl.using_config(cpu_kernels="cudasim"):
        assert implementation(np.zeros(1)) == "cuda"
        for case_id in case_ids():
            try:
                _check(impl, naive, case_id)
                results[case_id] = "ok"
            except Exception as exc:  # reported per case by the parent test
                results[case_id] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(results))


@pytest.fixture(scope="module")
def simulator_results():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    res = subprocess.run([sys.executable, os.path.abspath(__file__), "--simulate"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, f"simulator run failed:\n{res.stdout[-2000:]}\n{res.stderr[-4000:]}"
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("case_id", case_ids())
def test_cuda_kernel_under_simulator(simulator_results, case_id):
    assert simulator_results.get(case_id) == "ok", simulator_results.get(case_id, "case did not run")


# --- compiled for a real GPU, without one -------------------------------------

def _nvvm_problem():
    """Why NVVM is unusable here (None when it is usable)."""
    from numba import config
    if config.ENABLE_CUDASIM:
        return "the CUDA simulator is enabled in this process"
    try:
        from numba.cuda.cudadrv.nvvm import NVVM
        NVVM()
    except Exception as exc:
        return f"NVVM (CUDA toolkit) not found: {exc}"
    return None


@pytest.fixture(scope="module")
def ptx():
    problem = _nvvm_problem()
    if problem:
        pytest.skip(problem)
    from minidl.kernels import _cuda
    return _cuda.compile_ptx_all(cc=(9, 0))


def test_cuda_kernels_compile_to_ptx(ptx):
    names = {"im2col", "col2im", "maxpool_fwd", "maxpool_bwd", "avgpool_fwd", "avgpool_bwd",
             "mean_var", "sum_dot", "affine", "combine"}
    assert set(ptx) == {(n, d) for n in names for d in DTYPES}
    for (name, dtype), text in ptx.items():
        assert ".target sm_90" in text and ".entry" in text, name
        # float32 kernels must not compute in float64 (no silent upcasts)
        if dtype == "float32":
            assert ".f64" not in text, f"{name} float32 kernel uses float64 arithmetic"


def test_ptx_kernel_arguments_follow_numba_abi(ptx):
    """PtxKernel lays out each kernel's arguments as the PTX entry declares them: a pointer as the
    array itself (8 bytes), a 1-D array as Numba's seven array fields (in its data model's order),
    int64 as 8 bytes, bool as 1."""
    import re

    from numba import types
    from numba.core.datamodel import default_manager

    from minidl.kernels import _cuda, channel_stats, pooling, unfold
    fields = default_manager.lookup(types.Array(types.float32, 1, "C"))._fields
    assert fields == ("meminfo", "parent", "nitems", "itemsize", "data", "shape", "strides")
    seen, with_array = set(), set()
    for family in (unfold, pooling, channel_stats):
        for ftype in (np.float32, np.float64):
            signatures = family._cuda_signatures(ftype)
            for name, fn in _cuda._bind(family._cuda_sources)(ftype).items():
                kernel = _cuda.PtxKernel(fn, signatures[name])
                text, entry = kernel.ptx((9, 0))
                assert entry in text and name in entry
                header = text[text.index(".entry"):text.index(")", text.index(".entry"))]
                declared = [int(bits) // 8 for bits in re.findall(r"\.param \.[usb](\d+)", header)]
                arrays = [np.arange(5, dtype=ftype) for _ in kernel.kinds]
                args = [a if kind in ("array", "pointer") else 3 for kind, a in zip(kernel.kinds, arrays)]
                flat = kernel.arguments(args)
                passed = [8 if isinstance(a, np.ndarray) else a.itemsize for a in flat]
                assert passed == declared, name
                assert flat[0] is args[0]            # every kernel's first argument is a pointer
                if "array" in kernel.kinds:
                    first = kernel.kinds.index("array")
                    offset = sum(1 if kind != "array" else 7 for kind in kernel.kinds[:first])
                    meminfo, parent, nitems, itemsize, data, shape, stride = flat[offset:offset + 7]
                    assert (meminfo, parent, nitems, shape) == (0, 0, 5, 5)
                    assert itemsize == stride == np.dtype(ftype).itemsize and data is args[first]
                    with_array.add(name)
                seen.add(name)
    assert len(seen) == 10 and with_array == {"maxpool_bwd"}   # its dx takes atomics, which need an array
    with pytest.raises(TypeError, match="im2col takes 16 arguments, got 1"):
        _cuda.PtxKernel(unfold._cuda_sources(np.float32)["im2col"],
                        unfold._cuda_signatures(np.float32)["im2col"]).arguments([1])


def _ptxas():
    found = shutil.which("ptxas")
    if found:
        return found
    nvcc = shutil.which("nvcc")
    if nvcc:
        # /usr/local/bin/nvcc may be a wrapper script: ask nvcc where its tools are.
        res = subprocess.run([nvcc, "--dryrun", "--version"], capture_output=True, text=True)
        for line in (res.stdout + res.stderr).splitlines():
            if "_NVVM_BRANCH_" in line or "TOP=" in line:
                top = line.split("=", 1)[1].strip()
                cand = os.path.join(top, "bin", "ptxas")
                if os.path.exists(cand):
                    return cand
    for root in (os.environ.get("CUDA_HOME"), "/usr/local/cuda"):
        if root and os.path.exists(os.path.join(root, "bin", "ptxas")):
            return os.path.join(root, "bin", "ptxas")
    return None


def test_cuda_ptx_assembles(ptx, tmp_path):
    ptxas = _ptxas()
    if ptxas is None:
        pytest.skip("ptxas (CUDA toolkit) not found")
    for (name, dtype), text in ptx.items():
        src = tmp_path / f"{name}_{dtype}.ptx"
        src.write_text(text)
        res = subprocess.run([ptxas, "-arch=sm_90", str(src), "-o", str(tmp_path / "k.cubin")],
                             capture_output=True, text=True)
        assert res.returncode == 0, f"ptxas failed on {name} {dtype}:\n{res.stderr}"


# --- a device that answers but cannot compile ----------------------------------

class _BrokenNumbaCuda:
    """numba.cuda as a numba-cuda that predates the NumPy beside it behaves: a device, no compiler.

    Seen on an H200 image (numba-cuda with NumPy 2.5): the first ``cuda.jit``
    compile raised ``AttributeError: module 'numpy' has no attribute 'row_stack'``.
    """
    @staticmethod
    def is_available():
        return True

    @staticmethod
    def device_array(n, dtype):
        return np.zeros(n, dtype)

    @staticmethod
    def jit(fn):
        raise AttributeError("module 'numpy' has no attribute 'row_stack'")


def test_gpu_dispatch_falls_back_when_kernels_cannot_compile(monkeypatch):
    """A device with a broken CUDA compiler sends device arrays to the xp references, with one warning."""
    from numba import config as numba_config

    from minidl.kernels import _cuda, _dispatch
    monkeypatch.setattr(numba_config, "ENABLE_CUDASIM", False)
    monkeypatch.setattr(_cuda, "cuda", _BrokenNumbaCuda)
    assert _cuda.launch_problem() == "AttributeError: module 'numpy' has no attribute 'row_stack'"
    monkeypatch.setattr(_dispatch, "_gpu", None)
    with pytest.warns(RuntimeWarning, match="row_stack.*vectorised reference kernels"):
        assert _dispatch.gpu_implementation() == "numpy"
    assert _dispatch.gpu_implementation() == "numpy"    # decided once


def test_launch_problem_without_a_device(monkeypatch):
    from numba import config as numba_config

    from minidl.kernels import _cuda

    class NoDevice(_BrokenNumbaCuda):
        @staticmethod
        def is_available():
            return False
    monkeypatch.setattr(numba_config, "ENABLE_CUDASIM", False)
    monkeypatch.setattr(_cuda, "cuda", NoDevice)
    assert _cuda.launch_problem() == "numba.cuda.is_available() is False"


def test_failed_ptx_launch_falls_back_to_numba_dispatch(monkeypatch):
    """When the PTX-through-CuPy probe fails but Numba's dispatcher works, kernels launch through
    Numba, with one warning that names the cause."""
    from numba import config as numba_config

    import minidl
    from minidl.kernels import _cuda

    class Available(_BrokenNumbaCuda):
        @staticmethod
        def is_available():
            return True

    def broken_ptx():
        raise RuntimeError("CUDA_ERROR_UNSUPPORTED_PTX_VERSION: the provided PTX was compiled with an "
                           "unsupported toolchain.\nsecond line")

    monkeypatch.setattr(numba_config, "ENABLE_CUDASIM", False)
    monkeypatch.setattr(_cuda, "cuda", Available)
    monkeypatch.setattr(_cuda, "_ptx_problem", None)
    monkeypatch.setattr(_cuda, "_ptx_probe", broken_ptx)
    monkeypatch.setattr(_cuda, "_numba_probe", lambda: [1.0, 2.0, 3.0, 4.0])
    with minidl.config.using(cuda_launch="ptx"):
        assert _cuda._ptx_launch()
        with pytest.warns(RuntimeWarning, match="through CuPy failed .*UNSUPPORTED_PTX_VERSION.*Numba's dispatcher"):
            assert _cuda.launch_problem() is None
        assert not _cuda._ptx_launch()
        assert _cuda._ptx_problem.endswith("unsupported toolchain.")
    monkeypatch.setattr(_cuda, "_ptx_problem", None)
    monkeypatch.setattr(_cuda, "_numba_probe", lambda: [0.0, 0.0, 0.0, 0.0])
    with minidl.config.using(cuda_launch="numba"):
        assert not _cuda._ptx_launch()
        assert _cuda.launch_problem() == "a test kernel ran but wrote wrong values"


# --- on a real GPU ------------------------------------------------------------

def _cupy():
    from minidl.backend import cupy_or_none, gpu_available
    if not gpu_available():
        pytest.skip("needs a CUDA device and CuPy")
    return cupy_or_none()


@pytest.mark.gpu
@pytest.mark.parametrize("launch", ["ptx", "numba"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_gpu_dispatch_matches_cpu(dtype, launch):
    cp = _cupy()
    import minidl
    import minidl.kernels as K
    from minidl.kernels import _cuda
    from minidl.kernels._dispatch import gpu_implementation
    assert gpu_implementation() == "cuda", _cuda.launch_problem()
    with minidl.config.using(cuda_launch=launch):
        assert _cuda._ptx_launch() == (launch == "ptx"), _cuda._ptx_problem
        _check_gpu_kernels(cp, K, dtype)


def _check_gpu_kernels(cp, K, dtype):
    for i, (shape, k, s, p, d) in enumerate(CONV_CASES):
        x = rand(shape, dtype, seed=i)
        cols = K.im2col(cp.asarray(x), k, s, p, d)
        assert isinstance(cols, cp.ndarray) and cols.dtype == dtype
        np.testing.assert_array_equal(cp.asnumpy(cols), K.im2col(x, k, s, p, d))
        c = rand(cols.shape, dtype, seed=i + 1)
        np.testing.assert_allclose(cp.asnumpy(K.col2im(cp.asarray(c), shape, k, s, p, d)),
                                   K.col2im(c, shape, k, s, p, d), **tol(dtype))
    for i, (shape, k, s, p) in enumerate(POOL_CASES):
        x = rand(shape, dtype, seed=i)
        for ceil in (False, True):
            out, arg = K.maxpool2d_forward(cp.asarray(x), k, s, p, ceil)
            want, want_arg = K.maxpool2d_forward(x, k, s, p, ceil)
            np.testing.assert_array_equal(cp.asnumpy(out), want)
            np.testing.assert_array_equal(cp.asnumpy(arg), want_arg)
            dy = rand(want.shape, dtype, seed=7)
            np.testing.assert_allclose(cp.asnumpy(K.maxpool2d_backward(cp.asarray(dy), arg, shape)),
                                       K.maxpool2d_backward(dy, want_arg, shape), **tol(dtype))
            for cip in (False, True):
                np.testing.assert_allclose(cp.asnumpy(K.avgpool2d_forward(cp.asarray(x), k, s, p, ceil, cip)),
                                           K.avgpool2d_forward(x, k, s, p, ceil, cip), **tol(dtype))
                np.testing.assert_allclose(
                    cp.asnumpy(K.avgpool2d_backward(cp.asarray(dy), shape, k, s, p, ceil, cip)),
                    K.avgpool2d_backward(dy, shape, k, s, p, ceil, cip), **tol(dtype))


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", DTYPES)
def test_gpu_fused_match_cpu(dtype):
    cp = _cupy()
    import minidl.kernels as K
    for shape in FUSED_SHAPES + [(8, 64, 17, 19)]:
        x, dy = rand(shape, dtype, seed=1) + 3, rand(shape, dtype, seed=2)
        v = rand(shape[1:2], dtype, seed=3)
        for got, want in zip(K.channel_mean_var(cp.asarray(x)), K.channel_mean_var(x)):
            np.testing.assert_allclose(cp.asnumpy(got), want, rtol=1e-4 if dtype == "float32" else 1e-10)
        for got, want in zip(K.channel_sum_dot(cp.asarray(x), cp.asarray(dy)), K.channel_sum_dot(x, dy)):
            np.testing.assert_allclose(cp.asnumpy(got), want, rtol=1e-4 if dtype == "float32" else 1e-10,
                                       atol=1e-3 if dtype == "float32" else 1e-9)
        gv = [cp.asarray(v) for _ in range(3)]
        np.testing.assert_allclose(cp.asnumpy(K.channel_affine(cp.asarray(x), gv[0], gv[1])),
                                   K.channel_affine(x, v, v), **tol(dtype))
        np.testing.assert_allclose(cp.asnumpy(K.channel_combine(cp.asarray(x), cp.asarray(dy), *gv)),
                                   K.channel_combine(x, dy, v, v, v), **tol(dtype))


@pytest.mark.gpu
def test_gpu_large_input_and_stream_order():
    cp = _cupy()
    import minidl.kernels as K
    x = rand((16, 32, 33, 31), "float32")
    with cp.cuda.Stream(non_blocking=True):
        cols = K.im2col(cp.asarray(x), 3, 1, 1, 1)
        dx = K.col2im(cols, x.shape, 3, 1, 1, 1)
        host = cp.asnumpy(dx)
    np.testing.assert_allclose(host, K.col2im(K.im2col(x, 3, 1, 1, 1), x.shape, 3, 1, 1, 1), rtol=1e-5, atol=1e-5)


if __name__ == "__main__" and "--simulate" in sys.argv:
    _simulate()
