"""minidl.linalg.lu_factor / lu_factor_ex / lu / lu_solve / householder_product: values against NumPy
(reconstruction, np.linalg.solve, explicit reflector products, a hand-computed case) and float64 gradcheck +
gradgradcheck of every differentiable output (square, wide and tall matrices)."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck

SHAPES = [(5, 5), (3, 4, 4), (3, 6), (7, 4), (2, 5, 3)]


def t64(a, grad=False):
    return mdl.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def test_hand_computed_2x2():
    LU, pivots = mdl.linalg.lu_factor(mdl.tensor([[1.0, 2.0], [3.0, 4.0]]))
    # row 2 has the larger pivot: swap, l = 1/3, u22 = 2 - 4/3
    np.testing.assert_allclose(LU.numpy(), [[3.0, 4.0], [1 / 3, 2 / 3]], rtol=1e-6)
    assert pivots.tolist() == [2, 2] and pivots.dtype == mdl.int32
    assert type(mdl.linalg.lu_factor(mdl.eye(2))).__name__ == "linalg_lu_factor"


@pytest.mark.parametrize("shape", SHAPES)
def test_factorisation_reconstructs(rng, shape):
    a = rng.standard_normal(shape)
    P, L, U = mdl.linalg.lu(t64(a))
    m, n = shape[-2:]
    k = min(m, n)
    assert tuple(P.shape) == shape[:-2] + (m, m) and tuple(L.shape) == shape[:-2] + (m, k)
    assert tuple(U.shape) == shape[:-2] + (k, n)
    np.testing.assert_allclose(P.numpy() @ L.numpy() @ U.numpy(), a, atol=1e-12)
    np.testing.assert_array_equal(np.tril(U.numpy(), -1), 0)
    np.testing.assert_array_equal(np.triu(L.numpy(), 1), 0)
    np.testing.assert_array_equal(np.diagonal(L.numpy(), axis1=-2, axis2=-1), 1)
    assert np.abs(L.numpy()).max() <= 1 + 1e-12  # partial pivoting: the largest magnitude is the pivot
    LU, pivots, info = mdl.linalg.lu_factor_ex(t64(a))
    np.testing.assert_allclose(np.tril(LU.numpy()[..., :, :k], -1) + np.eye(m, k), L.numpy(), atol=0)
    np.testing.assert_allclose(np.triu(LU.numpy()[..., :k, :]), U.numpy(), atol=0)
    assert tuple(pivots.shape) == shape[:-2] + (k,) and info.dtype == mdl.int32 and not info.numpy().any()
    assert (pivots.numpy() >= np.arange(1, k + 1)).all() and (pivots.numpy() <= m).all()


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
def test_lu_solve_matches_numpy(rng, left, adjoint):
    a = rng.standard_normal((2, 5, 5))
    b = rng.standard_normal((2, 5, 3) if left else (2, 3, 5))
    LU, pivots = mdl.linalg.lu_factor(t64(a))
    x = mdl.linalg.lu_solve(LU, pivots, t64(b), left=left, adjoint=adjoint)
    op = np.swapaxes(a, -1, -2) if adjoint else a
    expect = np.linalg.solve(op, b) if left else np.swapaxes(np.linalg.solve(np.swapaxes(op, -1, -2),
                                                                             np.swapaxes(b, -1, -2)), -1, -2)
    np.testing.assert_allclose(x.numpy(), expect, atol=1e-10)


def test_singular_and_errors():
    zero = mdl.zeros(3, 3, dtype=mdl.float64)
    LU, pivots, info = mdl.linalg.lu_factor_ex(zero)
    assert info.item() == 1 and pivots.tolist() == [1, 2, 3]
    with pytest.raises(RuntimeError, match=r"U\[1,1\] is zero"):
        mdl.linalg.lu_factor(zero)
    with pytest.raises(RuntimeError, match="is zero"):
        mdl.linalg.lu_factor_ex(zero, check_errors=True)
    P, L, U = mdl.linalg.lu(zero)
    np.testing.assert_array_equal(P.numpy(), np.eye(3))
    with pytest.raises(RuntimeError, match="not implemented on the CPU"):
        mdl.linalg.lu_factor(mdl.eye(3), pivot=False)
    with pytest.raises(RuntimeError, match="2 or more dimensions"):
        mdl.linalg.lu_factor(mdl.ones(3))
    with pytest.raises(NotImplementedError):
        mdl.linalg.lu_factor(mdl.ones(3, 3, dtype=mdl.int64))
    LU, pivots = mdl.linalg.lu_factor(mdl.randn(3, 3, dtype=mdl.float64))
    with pytest.raises(RuntimeError, match=r"Incompatible shapes of A and B .*\(3x3 and 4x2\)"):
        mdl.linalg.lu_solve(LU, pivots, mdl.randn(4, 2, dtype=mdl.float64))
    with pytest.raises(RuntimeError, match="scalar type torch.int32"):
        mdl.linalg.lu_solve(LU, pivots.long(), mdl.randn(3, 2, dtype=mdl.float64))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        mdl.linalg.lu_solve(LU, pivots, mdl.randn(3, dtype=mdl.float64))
    with pytest.raises(RuntimeError, match="square matrices"):
        mdl.linalg.lu_solve(LU[:2], pivots, mdl.randn(3, 2, dtype=mdl.float64))


@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3)])
def test_lu_gradients(rng, shape):
    a = t64(rng.standard_normal(shape), grad=True)
    for fn in (lambda a: mdl.linalg.lu_factor(a).LU, lambda a: mdl.linalg.lu(a).L, lambda a: mdl.linalg.lu(a).U,
               lambda a: mdl.linalg.lu(a)[1:]):
        assert gradcheck(fn, (a,)) and gradgradcheck(fn, (a,))


def test_lu_solve_gradients(rng):
    a = rng.standard_normal((4, 4))
    LU, pivots = mdl.linalg.lu_factor(t64(a))
    lu_t = t64(LU.numpy(), grad=True)
    b = t64(rng.standard_normal((4, 2)), grad=True)
    for left, adjoint in ((True, False), (True, True), (False, False), (False, True)):
        def fn(lu_t, b, left=left, adjoint=adjoint):
            return mdl.linalg.lu_solve(lu_t, pivots, b if left else b.mT, left=left, adjoint=adjoint)

        assert gradcheck(fn, (lu_t, b)) and gradgradcheck(fn, (lu_t, b))
    # through the factorisation: the gradient of solve(A, B) with respect to A
    a_t = t64(a, grad=True)
    through = lambda a_t, b: mdl.linalg.lu_solve(*mdl.linalg.lu_factor(a_t), b)  # noqa: E731
    assert gradcheck(through, (a_t, b)) and gradgradcheck(through, (a_t, b))


def householder_numpy(a, tau):
    m, n = a.shape
    q = np.eye(m)
    for i in range(tau.size):
        v = np.zeros(m)
        v[i] = 1
        v[i + 1:] = a[i + 1:, i]
        q = q @ (np.eye(m) - tau[i] * np.outer(v, v))
    return q[:, :n]


def test_householder_product(rng):
    a, tau = rng.standard_normal((2, 7, 4)), rng.random((2, 3))
    q = mdl.linalg.householder_product(t64(a), t64(tau))
    for i in range(2):
        np.testing.assert_allclose(q.numpy()[i], householder_numpy(a[i], tau[i]), atol=1e-12)
    # with tau_i = 2 / |v_i|^2 every reflector is orthogonal, so Q has orthonormal columns
    below = np.tril(a[0], -1)
    tau_orth = 2 / (1 + (below ** 2).sum(0))
    q_orth = mdl.linalg.householder_product(t64(a[0]), t64(tau_orth)).numpy()
    np.testing.assert_allclose(q_orth.T @ q_orth, np.eye(4), atol=1e-12)
    a_t, tau_t = t64(a[0], grad=True), t64(tau[0], grad=True)
    assert gradcheck(mdl.linalg.householder_product, (a_t, tau_t))
    assert gradgradcheck(mdl.linalg.householder_product, (a_t, tau_t))
    with pytest.raises(RuntimeError, match=r"input.shape\[-1\] must be greater than or equal to tau"):
        mdl.linalg.householder_product(t64(a[0]), t64(rng.random(5)))
    with pytest.raises(RuntimeError, match=r"input.shape\[-2\] must be greater than or equal"):
        mdl.linalg.householder_product(t64(a[0].T), t64(tau[0]))
    with pytest.raises(RuntimeError, match="does not match input dtype"):
        mdl.linalg.householder_product(t64(a[0]), mdl.tensor(tau[0], dtype=mdl.float32))


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 3, 3), (3, 0), (0, 4)])
def test_empty_matrices(shape):
    m, n = shape[-2:]
    k = min(m, n)
    LU, pivots, info = mdl.linalg.lu_factor_ex(mdl.zeros(*shape, dtype=mdl.float64))
    P, L, U = mdl.linalg.lu(mdl.zeros(*shape, dtype=mdl.float64))
    assert tuple(LU.shape) == shape and tuple(pivots.shape) == shape[:-2] + (k,)
    assert tuple(info.shape) == shape[:-2] and tuple(P.shape) == shape[:-2] + (m, m)
    assert tuple(L.shape) == shape[:-2] + (m, k) and tuple(U.shape) == shape[:-2] + (k, n)


def test_top_level_lu_unpack_and_deprecated_forms(rng):
    a = rng.standard_normal((2, 5, 3))
    LU, pivots = mdl.linalg.lu_factor(t64(a))
    P, L, U = mdl.lu_unpack(LU, pivots)
    assert type(mdl.lu_unpack(LU, pivots)).__name__ == "lu_unpack"
    np.testing.assert_allclose(P.numpy() @ L.numpy() @ U.numpy(), a, atol=1e-12)
    reference = mdl.linalg.lu(t64(a))
    for got, want in zip((P, L, U), reference):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert [tuple(t.shape) for t in mdl.lu_unpack(LU, pivots, unpack_data=False)] == [(2, 5, 5), (0,), (0,)]
    assert [tuple(t.shape) for t in mdl.lu_unpack(LU, pivots, unpack_pivots=False)] == [(0,), (2, 5, 3), (2, 3, 3)]
    packed = t64(LU.numpy(), grad=True)
    unpack = lambda packed: mdl.lu_unpack(packed, pivots)[1:]  # noqa: E731
    assert gradcheck(unpack, (packed,)) and gradgradcheck(unpack, (packed,))
    with pytest.raises(RuntimeError, match="torch.int32"):
        mdl.lu_unpack(LU, pivots.long())
    square, b = rng.standard_normal((4, 4)), rng.standard_normal((4, 2))
    with pytest.warns(UserWarning, match="torch.lu is deprecated"):
        LU4, pivots4, infos = mdl.lu(t64(square), get_infos=True)
    assert infos.item() == 0
    with pytest.warns(UserWarning, match="arguments reversed"):
        x = mdl.lu_solve(t64(b), LU4, pivots4)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(square, b), atol=1e-12)
