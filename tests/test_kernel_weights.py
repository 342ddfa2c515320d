"""kernels/weights.py: the weight-layout passes (im2col's (i, j, c) weight gradient, Winograd's weight transforms).

Each Numba kernel against its NumPy reference (the GEMM formulation) and against a plain-loop
definition, on random odd sizes in float32 and float64; under the intra-op scheme's forced thread
count the same bits as one thread; bad shapes give a one-line error.
"""
import numpy as np
import pytest

import minidl as mdl
from minidl.kernels import weights, winograd4, winograd_planes

SIZES = [(1, 1, 3, 3), (5, 3, 3, 3), (7, 11, 3, 3), (17, 33, 3, 3), (33, 2, 3, 3)]
G_MATRICES = {"F2": winograd_planes.G, "F4": winograd4.G}


def _loops_u(w, g):
    """U[k, o, c] = (G w[o, c] G^T) flattened, by plain loops in float64."""
    o_, c_ = w.shape[:2]
    a = g.shape[0]
    u = np.zeros((a * a, o_, c_))
    for o in range(o_):
        for c in range(c_):
            u[:, o, c] = (g @ w[o, c].astype(np.float64) @ g.T).reshape(-1)
    return u


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("tile", sorted(G_MATRICES))
def test_winograd_weight_matches_reference_and_loops(size, tile, dtype):
    rng = np.random.default_rng(size[0] * 31 + size[1])
    g = G_MATRICES[tile]
    w = rng.standard_normal(size).astype(dtype)
    exact = _loops_u(w, g)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for channels_last in (False, True):
        with mdl.using_config(cpu_kernels="numba"):
            fast = weights.winograd_weight(w, g, channels_last)
        with mdl.using_config(cpu_kernels="numpy"):
            ref = weights.winograd_weight(w, g, channels_last)
        assert fast.dtype == dtype and fast.flags.c_contiguous and fast.shape == ref.shape
        np.testing.assert_allclose(fast, ref, **tol)
        np.testing.assert_allclose(fast, exact.transpose(0, 2, 1) if channels_last else exact, **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("tile", sorted(G_MATRICES))
def test_winograd_weight_grad_is_the_adjoint(size, tile, dtype):
    # <U(w), dU> == <w, dw(dU)> for the transform and its adjoint, and the kernel equals the reference
    rng = np.random.default_rng(size[0] * 7 + size[1])
    g = G_MATRICES[tile]
    k = g.shape[0] ** 2
    dut = rng.standard_normal((k,) + size[:2]).astype(dtype)
    with mdl.using_config(cpu_kernels="numba"):
        fast = weights.winograd_weight_grad(dut, size, g)
    with mdl.using_config(cpu_kernels="numpy"):
        ref = weights.winograd_weight_grad(dut, size, g)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    assert fast.dtype == dtype and fast.shape == size and fast.flags.c_contiguous
    np.testing.assert_allclose(fast, ref, **tol)
    w = rng.standard_normal(size)
    lhs = float((_loops_u(w, g) * dut.astype(np.float64)).sum())
    rhs = float((w * fast.astype(np.float64)).sum())
    assert abs(lhs - rhs) <= 1e-4 * max(1.0, abs(lhs))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (5, 3, 3, 3), (19, 7, 5, 3), (40, 33, 3, 3), (3, 2, 1, 7)], ids=str)
def test_kkc_weight_grad_matches_reference(shape, dtype):
    o, c, kh, kw = shape
    rng = np.random.default_rng(o + c)
    dwt = rng.standard_normal((kh * kw * c, o)).astype(dtype)
    with mdl.using_config(cpu_kernels="numba"):
        fast = weights.kkc_weight_grad(dwt, shape)
    with mdl.using_config(cpu_kernels="numpy"):
        ref = weights.kkc_weight_grad(dwt, shape)
    exact = np.empty(shape, dtype)
    for i in range(kh):
        for j in range(kw):
            for ch in range(c):
                exact[:, ch, i, j] = dwt[(i * kw + j) * c + ch]
    np.testing.assert_array_equal(fast, exact)
    np.testing.assert_array_equal(ref, exact)
    assert fast.flags.c_contiguous


def test_same_bits_on_any_thread_count(force_parts):
    rng = np.random.default_rng(3)
    w = rng.standard_normal((37, 29, 3, 3)).astype(np.float32)
    dut = rng.standard_normal((36, 37, 29)).astype(np.float32)
    threaded = [weights.winograd_weight(w, winograd4.G, cl) for cl in (False, True)]
    threaded.append(weights.winograd_weight_grad(dut, w.shape, winograd4.G))
    with mdl.using_config(intra_op_parallel=False):
        single = [weights.winograd_weight(w, winograd4.G, cl) for cl in (False, True)]
        single.append(weights.winograd_weight_grad(dut, w.shape, winograd4.G))
    for a, b in zip(threaded, single):
        np.testing.assert_array_equal(a, b)


def test_nonfinite_weights_propagate_as_in_the_reference():
    w = np.zeros((2, 2, 3, 3), np.float32)
    w[0, 1, 0, 0] = np.inf
    with mdl.using_config(cpu_kernels="numba"):
        fast = weights.winograd_weight(w, winograd4.G, True)
    with mdl.using_config(cpu_kernels="numpy"), np.errstate(invalid="ignore"):
        ref = weights.winograd_weight(w, winograd4.G, True)
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(ref))
    np.testing.assert_array_equal(fast[np.isfinite(ref)], ref[np.isfinite(ref)])


def test_bad_shape_is_one_line_error():
    with pytest.raises(ValueError, match=r"kkc_weight_grad: dW\^T shape \(10, 4\) != \(27, 4\) for weight"):
        weights.kkc_weight_grad(np.zeros((10, 4), np.float32), (4, 3, 3, 3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (5, 3, 3, 3), (19, 7, 5, 3), (40, 33, 3, 3), (3, 2, 1, 7)], ids=str)
def test_kkc_weight_rows_matches_reference_and_inverts_the_gradient_layout(shape, dtype):
    o, c, kh, kw = shape
    w = np.random.default_rng(o * c).standard_normal(shape).astype(dtype)
    with mdl.using_config(cpu_kernels="numba"):
        fast = weights.kkc_weight_rows(w)
        back = weights.kkc_weight_grad(np.ascontiguousarray(fast.T), shape)
    with mdl.using_config(cpu_kernels="numpy"):
        ref = weights.kkc_weight_rows(w)
    exact = np.empty((o, kh * kw * c), dtype)
    for i in range(kh):
        for j in range(kw):
            exact[:, (i * kw + j) * c:(i * kw + j + 1) * c] = w[:, :, i, j]
    np.testing.assert_array_equal(fast, exact)
    np.testing.assert_array_equal(ref, exact)
    np.testing.assert_array_equal(back, w)          # W2^T read back as dW^T is w itself
    assert fast.flags.c_contiguous and fast.dtype == dtype
    with pytest.raises(ValueError, match=r"kkc_weight_rows: weight must be 4-D .* shape \(3, 4\)"):
        weights.kkc_weight_rows(np.zeros((3, 4), dtype))
