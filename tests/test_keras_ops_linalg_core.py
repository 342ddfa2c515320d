"""``keras.ops.linalg`` (values against NumPy, float64 gradient checks), the scatter/segment ops, control
flow (``fori_loop``, ``while_loop``, ``scan``, ``map``, ``switch``, ``associative_scan``, ``vectorize``),
``rearrange`` and ``custom_gradient``; expected values of the Keras-specific ones were printed by Keras 3.15."""
import numpy as np
import pytest

import minidl
from minidl.autograd import gradcheck
from minidl.keras import ops
from minidl.keras.ops import linalg

RNG = np.random.default_rng(5)
A = RNG.standard_normal((2, 4, 4)).astype(np.float32)
SPD = (A @ A.transpose(0, 2, 1) + 4 * np.eye(4)).astype(np.float32)
B = RNG.standard_normal((2, 4, 3)).astype(np.float32)


def _np(t):
    return ops.convert_to_numpy(t)


def test_linalg_values():
    np.testing.assert_allclose(_np(linalg.inv(A)), np.linalg.inv(A), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(_np(linalg.det(A)), np.linalg.det(A), rtol=1e-4)
    np.testing.assert_allclose(_np(linalg.solve(A, B)), np.linalg.solve(A, B), rtol=1e-3, atol=1e-4)
    low = np.linalg.cholesky(SPD)
    np.testing.assert_allclose(_np(linalg.cholesky(SPD)), low, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_np(linalg.cholesky(SPD, upper=True)), low.transpose(0, 2, 1), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_np(linalg.cholesky_inverse(low)), np.linalg.inv(SPD), rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(_np(linalg.solve_triangular(low, B, lower=True)), np.linalg.solve(low, B),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_np(linalg.solve_triangular(low[0], B[0, :, 0], lower=True)),
                               np.linalg.solve(low[0], B[0, :, 0]), rtol=1e-4, atol=1e-5)
    w, v = linalg.eigh(SPD)
    np.testing.assert_allclose(_np(w), np.linalg.eigvalsh(SPD), rtol=1e-4)
    np.testing.assert_allclose(_np(v) @ np.apply_along_axis(np.diag, -1, _np(w)) @ _np(v).transpose(0, 2, 1), SPD,
                               rtol=1e-3, atol=1e-3)
    sign, logabs = ops.slogdet(A)
    want_sign, want_log = np.linalg.slogdet(A)
    np.testing.assert_allclose(_np(sign), want_sign)
    np.testing.assert_allclose(_np(logabs), want_log, rtol=1e-4)
    np.testing.assert_allclose(_np(ops.logdet(SPD)), np.log(np.linalg.det(SPD)), rtol=1e-4)
    u, s, vh = linalg.svd(B, full_matrices=False)
    np.testing.assert_allclose(_np(s), np.linalg.svd(B, compute_uv=False), rtol=1e-4)
    np.testing.assert_allclose(_np(u) * _np(s)[:, None] @ _np(vh), B, atol=1e-4)
    assert ops.shape(linalg.svd(B)[0]) == (2, 4, 4)
    np.testing.assert_allclose(_np(linalg.svd(B, compute_uv=False)), np.linalg.svd(B, compute_uv=False), rtol=1e-4)
    q, r = linalg.qr(B)
    np.testing.assert_allclose(_np(q) @ _np(r), B, atol=1e-4)
    assert ops.shape(linalg.qr(B, mode="complete")[0]) == (2, 4, 4)
    np.testing.assert_allclose(_np(linalg.pinv(B)), np.linalg.pinv(B), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(_np(linalg.lstsq(B[0], A[0, :, 0])), np.linalg.lstsq(B[0], A[0, :, 0], rcond=None)[0],
                               rtol=1e-3, atol=1e-4)
    assert ops.dtype(linalg.matrix_rank(B)) == "int32" and _np(linalg.matrix_rank(B)).tolist() == [3, 3]
    assert int(_np(linalg.matrix_rank(np.ones((3, 3), np.float32)))) == 1
    # Keras (JAX): lu_factor([[4, 1], [1, 3]]) -> lu [[4, 1], [0.25, 2.75]], pivots [0, 1] (0-based int32)
    lu, piv = linalg.lu_factor(np.array([[4.0, 1.0], [1.0, 3.0]], np.float32))
    np.testing.assert_allclose(_np(lu), [[4.0, 1.0], [0.25, 2.75]])
    assert _np(piv).tolist() == [0, 1] and ops.dtype(piv) == "int32"
    lu, piv = linalg.lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32))
    assert _np(piv).tolist() == [1, 1]
    # Keras (JAX): lu_factor of default_rng(0).standard_normal((3, 4)) -> pivots [2, 1, 2]; of its transpose [2, 2, 2]
    wide = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    assert _np(linalg.lu_factor(wide)[1]).tolist() == [2, 1, 2]
    assert _np(linalg.lu_factor(wide.T)[1]).tolist() == [2, 2, 2]
    np.testing.assert_allclose(_np(linalg.lu_factor(wide)[0])[2], [-0.17866124, -0.27036852, 1.0098976, 0.3598395],
                               rtol=1e-5)


def test_linalg_errors():
    with pytest.raises(ValueError, match="square"):
        linalg.inv(B)
    with pytest.raises(ValueError, match="mode"):
        linalg.qr(B, mode="raw")


def _p(*shape):
    return minidl.tensor(RNG.standard_normal(shape), dtype=minidl.float64, requires_grad=True)


def test_linalg_gradients():
    a = minidl.tensor(A[0].astype(np.float64) + 3 * np.eye(4), requires_grad=True)
    spd = minidl.tensor(SPD[0].astype(np.float64), requires_grad=True)
    assert gradcheck(linalg.inv, (a,))
    assert gradcheck(linalg.det, (a,))
    assert gradcheck(lambda m: ops.slogdet(m)[1], (a,))
    assert gradcheck(lambda m, b: linalg.solve(m, b), (a, _p(4, 2)))
    assert gradcheck(lambda m: linalg.cholesky((m + m.mT) / 2), (spd,))
    assert gradcheck(lambda m: linalg.eigh((m + m.mT) / 2)[0], (spd,))
    assert gradcheck(lambda m: linalg.svd(m, compute_uv=False), (_p(4, 3),))
    assert gradcheck(lambda m: linalg.pinv(m), (_p(4, 3),))
    assert gradcheck(lambda m, b: linalg.lstsq(m, b), (_p(5, 3), _p(5, 2)))


def test_jvp():
    x = np.array([1.0, 2.0], np.float32)
    out, tangent = linalg.jvp(lambda v: v ** 3, (x,), (np.ones(2, np.float32),))
    np.testing.assert_allclose(_np(out), x ** 3)
    np.testing.assert_allclose(_np(tangent), 3 * x ** 2)


def test_scatter_family():
    # Keras 3.15 (JAX): the values printed by keras.ops for the same calls
    np.testing.assert_array_equal(_np(ops.scatter([[0, 1], [0, 1], [2, 0]], np.array([1.0, 2, 3]), (3, 2))),
                                  [[0, 3], [0, 0], [3, 0]])
    np.testing.assert_array_equal(_np(ops.scatter_update(np.zeros((3, 2)), [[0, 1], [2, 0]], np.array([5.0, 6]))),
                                  [[0, 5], [0, 0], [6, 0]])
    np.testing.assert_array_equal(_np(ops.scatter_update(np.ones((3, 2)), [[0, 1], [0, 1]], np.array([5.0, 6]),
                                                         reduction="add")), [[1, 12], [1, 1], [1, 1]])
    rows = ops.scatter_update(np.zeros((3, 2)), [[2], [0]], np.array([[1.0, 2], [3, 4]]))
    np.testing.assert_array_equal(_np(rows), [[3, 4], [0, 0], [1, 2]])
    np.testing.assert_array_equal(_np(ops.scatter_update(np.full((3,), 2.0), [[0], [0], [2]], np.array([5.0, 1, 7]),
                                                         reduction="max")), [5, 2, 7])
    np.testing.assert_array_equal(_np(ops.slice_update(np.zeros((3, 4)), (1, 1), np.ones((2, 2)))),
                                  [[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0]])
    with pytest.raises(ValueError, match="out of bounds"):
        ops.scatter_update(np.zeros((3, 2)), [[3, 0]], np.array([1.0]))
    with pytest.raises(ValueError, match="reduction"):
        ops.scatter_update(np.zeros((3, 2)), [[0, 0]], np.array([1.0]), reduction="mean")
    with pytest.raises(ValueError, match="do not fit"):
        ops.slice_update(np.zeros((3, 4)), (2, 3), np.ones((2, 2)))
    values, base = _p(3), _p(3, 2)
    assert gradcheck(lambda v, b: ops.scatter_update(b, [[0, 1], [2, 0], [1, 1]], v), (values, base))
    assert gradcheck(lambda v: ops.scatter([[0, 1], [0, 1], [2, 0]], v, (3, 2)), (values,))
    assert gradcheck(lambda u, b: ops.slice_update(b, (1, 0), u), (_p(2, 2), base))


def test_segments():
    data, ids = np.arange(10.0).reshape(5, 2), np.array([0, 0, 3, 1, 1])
    # Keras 3.15 (JAX), num_segments=5
    np.testing.assert_array_equal(_np(ops.segment_sum(data, ids, num_segments=5)),
                                  [[2, 4], [14, 16], [0, 0], [4, 5], [0, 0]])
    np.testing.assert_array_equal(_np(ops.segment_max(data, ids, num_segments=5)),
                                  [[2, 3], [8, 9], [-np.inf, -np.inf], [4, 5], [-np.inf, -np.inf]])
    np.testing.assert_array_equal(_np(ops.segment_min(data, ids, num_segments=5)),
                                  [[0, 1], [6, 7], [np.inf, np.inf], [4, 5], [np.inf, np.inf]])
    np.testing.assert_array_equal(_np(ops.segment_prod(data, ids, num_segments=5)),
                                  [[0, 3], [48, 63], [1, 1], [4, 5], [1, 1]])
    assert ops.shape(ops.segment_sum(data, ids)) == (4, 2)
    x = _p(5, 2)
    for fn in (ops.segment_sum, ops.segment_max, ops.segment_min, ops.segment_prod):
        assert gradcheck(lambda d, fn=fn: fn(d, ids, num_segments=4), (x,))
    with pytest.raises(ValueError, match="segment_ids"):
        ops.segment_sum(data, [0, 1])


def test_misc_core_ops():
    preds = np.array([[1.0, 1, 0], [0.0, 2, 2], [3, 2, 1]])
    np.testing.assert_array_equal(_np(ops.in_top_k([0, 1, 2], preds, 1)), [True, True, False])
    np.testing.assert_allclose(_np(ops.cdist(A[0], B[0].T)), np.linalg.norm(A[0][:, None] - B[0].T[None], axis=-1),
                               rtol=1e-5)
    np.testing.assert_array_equal(_np(ops.extract_sequences(np.arange(10.0).reshape(1, 10), 4, 3)),
                                  [[[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]])


def test_control_flow():
    assert float(ops.fori_loop(0, 3, lambda i, v: v + i, 1.0)) == 4.0
    assert ops.while_loop(lambda a, b: a < 5, lambda a, b: (a + 1, b * 2), (0, 1)) == (5, 32)
    assert ops.while_loop(lambda a: a < 5, lambda a: a + 2, 0, maximum_iterations=2) == 4
    carry, ys = ops.scan(lambda c, x: (c + x, c * x), 0.0, np.arange(4.0))
    assert float(carry) == 6.0 and _np(ys).tolist() == [0, 0, 2, 9]
    carry, ys = ops.scan(lambda c, x: (c + 1, c), 0, None, length=3)
    assert int(carry) == 3 and _np(ys).tolist() == [0, 1, 2]
    _, ys = ops.scan(lambda c, x: (c + x, c), 0.0, np.arange(3.0), reverse=True)
    assert _np(ys).tolist() == [3, 2, 0]
    assert float(ops.switch(5, [lambda x: x + 1, lambda x: x * 10], 2.0)) == 20.0
    assert _np(ops.map(lambda x: x * 2, np.arange(3.0))).tolist() == [0, 2, 4]
    pair = ops.map(lambda t: (t[0] + t[1], t[0] * t[1]), (np.arange(3.0), np.ones(3)))
    assert _np(pair[0]).tolist() == [1, 2, 3]
    assert _np(ops.associative_scan(lambda a, b: a + b, np.arange(5.0))).tolist() == [0, 1, 3, 6, 10]
    assert _np(ops.associative_scan(lambda a, b: a + b, np.arange(5.0), reverse=True)).tolist() == [10, 10, 9, 7, 4]
    dot = ops.vectorize(lambda a, b: ops.sum(a * b), signature="(n),(n)->()")
    assert _np(dot(np.ones((3, 4)), np.arange(4.0))).tolist() == [6, 6, 6]
    assert _np(ops.vectorize(lambda a: a * 2)(np.ones((2, 2)))).tolist() == [[2, 2], [2, 2]]
    x = _p(3)
    assert gradcheck(lambda v: ops.scan(lambda c, e: (c * e + 1.0, c), minidl.zeros((), dtype=minidl.float64), v)[0],
                     (x,))
    assert gradcheck(lambda v: ops.fori_loop(0, 3, lambda i, s: s * v, v), (x,))


def test_rearrange():
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(_np(ops.rearrange(x, "b h w -> b (h w)")), x.reshape(2, 12))
    np.testing.assert_array_equal(_np(ops.rearrange(x, "b h w -> w b h")), x.transpose(2, 0, 1))
    np.testing.assert_array_equal(_np(ops.rearrange(x, "b h (w c) -> b c h w", c=2)),
                                  x.reshape(2, 3, 2, 2).transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(_np(ops.rearrange(x, "b ... w -> w ... b")), x.transpose(2, 1, 0))
    with pytest.raises(ValueError, match="same axes"):
        ops.rearrange(x, "b h w -> b h")


def test_custom_gradient():
    @ops.custom_gradient
    def log1pexp(x):
        e = ops.exp(x)

        def grad(upstream):
            return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))
        return ops.log(1 + e), grad

    x = minidl.tensor([0.0, 100.0], requires_grad=True)
    out = log1pexp(x)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 1.0])
    assert np.isfinite(out.detach().numpy()[0])
