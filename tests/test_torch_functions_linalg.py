"""``minidl.linalg`` and the top-level matrix functions: values against NumPy, float64 first and second
derivatives of every differentiable decomposition (through functions that do not depend on the sign choices
of singular/eigen vectors), norms, and PyTorch's errors (``LinAlgError`` is a RuntimeError)."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck

L = mdl.linalg
DEVICES = ["cpu", pytest.param("gpu", marks=pytest.mark.gpu)]


def t(rng, *shape, device="cpu"):
    return mdl.tensor(rng.standard_normal(shape), dtype=mdl.float64, requires_grad=True, device=device)


def check(fn, *inputs):
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def spd(a):
    return a.matmul(a.mT) + 3 * mdl.eye(a.shape[-1], dtype=mdl.float64, device=a.device)


@pytest.mark.parametrize("device", DEVICES)
def test_inverse_determinants_solve(rng, device):
    a, b, v = t(rng, 2, 3, 3, device=device), t(rng, 2, 3, 2, device=device), t(rng, 3, device=device)
    np.testing.assert_allclose(L.inv(a).numpy(), np.linalg.inv(a.numpy()))
    np.testing.assert_allclose(L.det(a).numpy(), np.linalg.det(a.numpy()))
    sign, logabs = L.slogdet(a)
    np.testing.assert_allclose(sign.numpy() * np.exp(logabs.numpy()), np.linalg.det(a.numpy()))
    np.testing.assert_allclose(L.solve(a, b).numpy(), np.linalg.solve(a.numpy(), b.numpy()))
    np.testing.assert_allclose(L.solve(a[0], v).numpy(), np.linalg.solve(a.numpy()[0], v.numpy()))
    np.testing.assert_allclose(L.solve(a, b.mT, left=False).numpy(),
                               np.swapaxes(np.linalg.solve(np.swapaxes(a.numpy(), 1, 2), b.numpy()), 1, 2))
    check(L.inv, a)
    check(L.det, a)
    check(lambda x: L.slogdet(x).logabsdet, a)
    check(L.solve, a, b)
    check(lambda x, y: L.solve(x[0], y), a, v)


@pytest.mark.parametrize("device", DEVICES)
def test_cholesky_and_eigh(rng, device):
    a = t(rng, 2, 4, 4, device=device)
    m = spd(a).detach()
    np.testing.assert_allclose(L.cholesky(m).numpy(), np.linalg.cholesky(m.numpy()))
    np.testing.assert_allclose(L.cholesky(m, upper=True).numpy(), np.swapaxes(np.linalg.cholesky(m.numpy()), 1, 2))
    w, v = L.eigh(m)
    np.testing.assert_allclose(w.numpy(), np.linalg.eigvalsh(m.numpy()))
    np.testing.assert_allclose((v.matmul(mdl.diag_embed(w)).matmul(v.mT)).numpy(), m.numpy(), atol=1e-10)
    check(lambda x: L.cholesky(spd(x)), a)
    check(lambda x: L.eigh(spd(x)).eigenvalues, a)
    check(lambda x: L.eigh(spd(x)).eigenvectors ** 2, a)     # squares: free of the sign choice
    check(lambda x: L.eigvalsh(spd(x)), a)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 4, 3)])
def test_svd_values_and_derivatives(rng, shape):
    a = t(rng, *shape)
    u, s, vh = L.svd(a, full_matrices=False)
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(a.numpy(), compute_uv=False))
    np.testing.assert_allclose((u * s.unsqueeze(-2)).matmul(vh).numpy(), a.numpy(), atol=1e-10)
    check(lambda x: L.svdvals(x), a)
    check(lambda x: (lambda u, s, vh: u[..., :, :1] * vh[..., :1, :])(*L.svd(x, full_matrices=False)), a)
    check(lambda x: (lambda u, s, vh: u.matmul(u.mT) + vh.mT.matmul(vh).sum())(*L.svd(x, full_matrices=False)), a)


def test_full_svd_and_torch_svd(rng):
    a = t(rng, 5, 3)
    u, s, vh = L.svd(a)
    assert u.shape == (5, 5) and vh.shape == (3, 3)
    np.testing.assert_allclose(u.matmul(u.mT).detach().numpy(), np.eye(5), atol=1e-10)
    U, S, V = mdl.svd(a)
    assert U.shape == (5, 3) and V.shape == (3, 3)
    np.testing.assert_allclose((U * S).matmul(V.mT).detach().numpy(), a.numpy(), atol=1e-10)
    assert mdl.svd(a, some=False).U.shape == (5, 5)


@pytest.mark.parametrize("shape", [(5, 3), (4, 4), (2, 4, 3)])
def test_qr(rng, shape):
    a = t(rng, *shape)
    q, r = L.qr(a)
    np.testing.assert_allclose(q.matmul(r).detach().numpy(), a.numpy(), atol=1e-10)
    np.testing.assert_allclose(np.triu(r.detach().numpy()), r.detach().numpy())
    check(lambda x: L.qr(x).Q, a)
    check(lambda x: L.qr(x).R, a)
    assert L.qr(a.detach(), mode="complete").Q.shape[-1] == shape[-2]
    check(lambda x: L.qr(x).R, t(rng, 3, 5))   # wide matrices are differentiable too, as in PyTorch


@pytest.mark.parametrize("ord", [None, "fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf")])
def test_matrix_norms(rng, ord):
    a = t(rng, 3, 4)
    np.testing.assert_allclose(L.norm(a, ord).item(), np.linalg.norm(a.numpy(), ord), rtol=1e-10)
    np.testing.assert_allclose(L.matrix_norm(t(rng, 2, 3, 4), "fro" if ord is None else ord).shape, (2,))
    check(lambda x: L.norm(x, ord), a)


@pytest.mark.parametrize("ord", [1, 2, 3, 0.5, float("inf"), float("-inf"), 0])
def test_vector_norms(rng, ord):
    a = t(rng, 3, 5)
    np.testing.assert_allclose(L.vector_norm(a, ord, 1).numpy(), np.linalg.norm(a.numpy(), ord, axis=1))
    np.testing.assert_allclose(L.vector_norm(a, ord).item(), np.linalg.norm(a.numpy().ravel(), ord))
    assert L.vector_norm(a, ord, keepdim=True).shape == (1, 1)
    if ord != 0:
        check(lambda x: L.vector_norm(x, ord, 1), a)


def test_norm_gradient_at_zero_is_zero():
    z = mdl.zeros(3, dtype=mdl.float64, requires_grad=True)
    L.norm(z).backward()
    assert z.grad.tolist() == [0.0, 0.0, 0.0]


def test_other_matrix_functions(rng):
    a = t(rng, 4, 3)
    np.testing.assert_allclose(L.pinv(a).detach().numpy(), np.linalg.pinv(a.numpy()), atol=1e-10)
    check(L.pinv, a)
    m = t(rng, 3, 3)
    np.testing.assert_allclose(L.matrix_power(m, 3).detach().numpy(), np.linalg.matrix_power(m.numpy(), 3))
    np.testing.assert_allclose(L.matrix_power(m, -2).detach().numpy(), np.linalg.matrix_power(m.numpy(), -2))
    assert L.matrix_power(m, 0).tolist() == np.eye(3).tolist()
    check(lambda x: L.matrix_power(x, 3), m)
    assert L.matrix_rank(mdl.tensor([[1.0, 2.0], [2.0, 4.0]])).item() == 1
    x, y, z = t(rng, 2, 3), t(rng, 3, 4), t(rng, 4)
    np.testing.assert_allclose(L.multi_dot([x, y, z]).detach().numpy(), x.numpy() @ y.numpy() @ z.numpy())
    np.testing.assert_allclose(L.vecdot(x, x).detach().numpy(), (x.numpy() ** 2).sum(-1))
    np.testing.assert_allclose(L.diagonal(t(rng, 2, 3, 3)).shape, (2, 3))


def test_top_level_forms_and_methods(rng):
    m = mdl.tensor([[2.0, 1.0], [1.0, 3.0]])
    np.testing.assert_allclose(mdl.inverse(m).numpy(), np.linalg.inv(m.numpy()), rtol=1e-6)
    np.testing.assert_allclose(m.inverse().numpy(), np.linalg.inv(m.numpy()), rtol=1e-6)
    assert mdl.det(m).item() == pytest.approx(5.0) and m.det().item() == pytest.approx(5.0)
    assert mdl.logdet(m).item() == pytest.approx(np.log(5.0))
    assert np.isnan(mdl.logdet(-mdl.eye(3)).item())
    assert mdl.slogdet(m).logabsdet.item() == pytest.approx(np.log(5.0))
    np.testing.assert_allclose(mdl.cholesky(m).numpy(), np.linalg.cholesky(m.numpy()), rtol=1e-6)
    q, r = mdl.qr(m)
    np.testing.assert_allclose(q.matmul(r).numpy(), m.numpy(), atol=1e-6)
    assert mdl.matrix_power(m, 2).tolist() == [[5.0, 5.0], [5.0, 10.0]]
    np.testing.assert_allclose(mdl.pinverse(m).numpy(), np.linalg.inv(m.numpy()), rtol=1e-5)


@pytest.mark.parametrize("call,error,match", [
    (lambda: L.inv(mdl.zeros(2, 2)), L.LinAlgError, "singular"),
    (lambda: L.inv(mdl.zeros(2, 3)), RuntimeError, "square matrices"),
    (lambda: L.cholesky(-mdl.eye(2)), L.LinAlgError, "positive-definite"),
    (lambda: L.solve(mdl.eye(2), mdl.ones(3)), RuntimeError, "Incompatible shapes"),
    (lambda: L.det(mdl.ones(3)), RuntimeError, "at least 2 dimensions"),
    (lambda: L.matrix_norm(mdl.ones(2, 2), 3), RuntimeError, "not supported"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
    assert issubclass(L.LinAlgError, RuntimeError)


def test_more_linalg_functions(rng):
    a = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    b = rng.standard_normal((3, 2))
    got = L.solve_triangular(mdl.tensor(a), mdl.tensor(b), upper=True)
    np.testing.assert_allclose(got.numpy(), np.linalg.solve(np.triu(a), b), rtol=1e-5)
    unit = L.solve_triangular(mdl.tensor(a), mdl.tensor(b), upper=False, unitriangular=True)
    np.testing.assert_allclose(unit.numpy(), np.linalg.solve(np.tril(a, -1) + np.eye(3), b), rtol=1e-5)
    x = t(rng, 3, 3)
    check(lambda m: L.solve_triangular(m + 3 * mdl.eye(3, dtype=mdl.float64), m[:, :2], upper=False), x)
    A, B = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    sol = L.lstsq(mdl.tensor(A), mdl.tensor(B))
    np.testing.assert_allclose(sol.solution.numpy(), np.linalg.lstsq(A, B, rcond=None)[0], rtol=1e-4, atol=1e-5)
    assert sol.rank.item() == 3
    np.testing.assert_allclose(L.cond(mdl.tensor(a)).item(), np.linalg.cond(a), rtol=1e-5)
    np.testing.assert_allclose(L.cond(mdl.tensor(a), 1).item(), np.linalg.cond(a, 1), rtol=1e-5)
    assert L.solve_ex(mdl.tensor(a), mdl.tensor(b)).info.item() == 0


def test_matrix_exp(rng):
    m = rng.standard_normal((4, 4)) * 2
    w, v = np.linalg.eig(m)
    ref = (v @ np.diag(np.exp(w)) @ np.linalg.inv(v)).real
    np.testing.assert_allclose(L.matrix_exp(mdl.tensor(m, dtype=mdl.float64)).numpy(), ref, rtol=1e-10)
    np.testing.assert_allclose(L.matrix_exp(mdl.zeros(2, 3, 3)).numpy(), np.broadcast_to(np.eye(3), (2, 3, 3)))
    check(L.matrix_exp, t(rng, 3, 3))


def test_vander_tensorinv_tensorsolve(rng):
    assert L.vander(mdl.tensor([1, 2, 3])).tolist() == [[1, 1, 1], [1, 2, 4], [1, 3, 9]]
    assert L.vander(mdl.tensor([1.0, 2.0]), N=3).tolist() == [[1, 1, 1], [1, 2, 4]]
    T = rng.standard_normal((6, 2, 3))
    np.testing.assert_allclose(L.tensorinv(mdl.tensor(T), 1).numpy(), np.linalg.tensorinv(T, 1), rtol=1e-4,
                               atol=1e-5)
    T, B = rng.standard_normal((2, 3, 6)), rng.standard_normal((2, 3))
    np.testing.assert_allclose(L.tensorsolve(mdl.tensor(T), mdl.tensor(B)).numpy(), np.linalg.tensorsolve(T, B),
                               rtol=1e-4, atol=1e-5)
