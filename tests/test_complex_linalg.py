"""Complex linear algebra: forward values of linalg.inv/det/slogdet/solve/cholesky/eigh/svd/qr/pinv/eig against
NumPy on complex128 matrices, ``linalg.eig``/``eigvals`` (complex outputs for real input too), conjugating ``mH``,
and float64 gradcheck + gradgradcheck on complex128 inputs (gauge-invariant functions of eigen- and singular
vectors, as PyTorch's own tests use)."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck

L = mdl.linalg
rng = np.random.default_rng(5)
A = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
BATCH = rng.standard_normal((2, 3, 3)) + 1j * rng.standard_normal((2, 3, 3))
HERM = A @ A.conj().T + 3 * np.eye(3)
B = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
TALL = rng.standard_normal((4, 3)) + 1j * rng.standard_normal((4, 3))


def close(tensor, expected):
    np.testing.assert_allclose(tensor.resolve_conj().numpy(), expected, rtol=1e-10, atol=1e-12)


def test_mH_H_and_adjoint_conjugate():
    z = mdl.tensor(A)
    for value in (z.mH, z.H, z.adjoint(), mdl.adjoint(z)):
        close(value, A.conj().T)
        assert value.is_conj()
    assert not mdl.tensor(A.real).mH.is_conj()


def test_forward_values_match_numpy():
    a, batch, h, b = mdl.tensor(A), mdl.tensor(BATCH), mdl.tensor(HERM), mdl.tensor(B)
    close(L.inv(batch), np.linalg.inv(BATCH))
    close(L.det(batch), np.linalg.det(BATCH))
    sign, logabs = L.slogdet(batch)
    ref_sign, ref_logabs = np.linalg.slogdet(BATCH)
    close(sign, ref_sign)
    close(logabs, ref_logabs)
    assert sign.dtype == mdl.complex128 and logabs.dtype == mdl.float64
    close(mdl.logdet(a), np.log(np.linalg.det(A)))
    close(L.solve(a, b), np.linalg.solve(A, B))
    close(L.solve(a, mdl.tensor(B.T), left=False), B.T @ np.linalg.inv(A))
    lo = np.linalg.cholesky(HERM)
    close(L.cholesky(h), lo)
    close(L.cholesky(h, upper=True), lo.conj().T)
    w, v = L.eigh(h)
    ref_w, _ = np.linalg.eigh(HERM)
    close(w, ref_w)
    close(v @ mdl.diag_embed(w.to(mdl.complex128)) @ v.mH, HERM)
    close(L.eigvalsh(h), ref_w)
    u, s, vh = L.svd(a)
    close(s, np.linalg.svd(A, compute_uv=False))
    close(u @ mdl.diag_embed(s.to(mdl.complex128)) @ vh, A)
    close(L.svdvals(a), np.linalg.svd(A, compute_uv=False))
    U, S, V = mdl.svd(a)
    close(U @ mdl.diag_embed(S.to(mdl.complex128)) @ V.mH, A)
    q, r = L.qr(mdl.tensor(TALL))
    close(q @ r, TALL)
    close(q.mH @ q, np.eye(3))
    close(L.pinv(mdl.tensor(TALL)), np.linalg.pinv(TALL))


@pytest.mark.parametrize("dtype, expected", [(mdl.float64, mdl.complex128), (mdl.float32, mdl.complex64),
                                             (mdl.complex128, mdl.complex128)])
def test_eig_values_and_dtypes(dtype, expected):
    source = A.real if dtype in (mdl.float64, mdl.float32) else A
    x = mdl.tensor(source, dtype=dtype)
    w, v = L.eig(x)
    assert w.dtype == expected and v.dtype == expected
    ref_w, ref_v = np.linalg.eig(source.astype(np.complex128))
    tol = 1e-5 if dtype == mdl.float32 else 1e-10
    np.testing.assert_allclose(w.numpy(), ref_w, rtol=tol, atol=tol)
    np.testing.assert_allclose(np.abs(v.numpy()), np.abs(ref_v), rtol=tol, atol=tol)
    np.testing.assert_allclose((x.to(expected) @ v).numpy(), (v * w.unsqueeze(-2)).numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(L.eigvals(x).numpy(), w.numpy())
    batch = L.eig(mdl.tensor(BATCH))
    assert tuple(batch.eigenvalues.shape) == (2, 3) and tuple(batch.eigenvectors.shape) == (2, 3, 3)
    assert type(batch).__name__ == "linalg_eig"


def test_eig_errors():
    with pytest.raises(RuntimeError, match="A must be batches of square matrices, but they are 2 by 3"):
        L.eig(mdl.randn(2, 3))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        L.eigvals(mdl.randn(3))
    with pytest.raises(RuntimeError, match="Unknown Complex ScalarType for Long"):
        L.eig(mdl.arange(4).reshape(2, 2))
    a = mdl.tensor(A, requires_grad=True)
    _, v = L.eig(a)
    with pytest.raises(RuntimeError, match="specified up to multiplication by e\\^\\{i phi\\}"):
        v.real.sum().backward()


def _gauge_free_eigenvectors(v):
    return v / v[..., :1, :]     # each column scaled so its first entry is 1: no phase left


GRAD_CASES = {
    "inv": (lambda a: L.inv(a), (A,)), "det": (lambda a: L.det(a), (A,)),
    "slogdet sign and logabsdet": (lambda a: L.slogdet(a)[0] * L.slogdet(a)[1], (A,)),
    "logdet": (lambda a: mdl.logdet(a), (A,)),
    "solve": (lambda a, b: L.solve(a, b), (A, B)), "solve batched": (lambda a: L.solve(a, a[..., :1]), (BATCH,)),
    "cholesky": (lambda h: L.cholesky(h + h.mH), (HERM,)),
    "cholesky upper": (lambda h: L.cholesky(h + h.mH, upper=True), (HERM,)),
    "eigh values": (lambda h: L.eigh(h + h.mH).eigenvalues, (HERM,)),
    "eigh vectors (projector)": (lambda h: (lambda v: v[:, :1] @ v[:, :1].mH)(L.eigh(h + h.mH)[1]), (HERM,)),
    "eigvalsh": (lambda h: L.eigvalsh(h + h.mH), (HERM,)),
    "svdvals": (lambda a: L.svdvals(a), (A,)),
    "svd U Vh (polar factor)": (lambda a: (lambda u, s, vh: u @ vh)(*L.svd(a)), (A,)),
    "svd abs(U)": (lambda a: L.svd(a, full_matrices=False).U.abs(), (TALL,)),
    "svd rank-1 part": (lambda a: (lambda u, s, vh: u[:, :1] @ vh[:1])(*L.svd(a, full_matrices=False)), (TALL,)),
    "qr": (lambda a: L.qr(a), (TALL,)),
    "pinv": (lambda a: L.pinv(a), (TALL,)),
    "eigvals": (lambda a: L.eigvals(a), (A,)),
    "eig vectors (gauge-free)": (lambda a: _gauge_free_eigenvectors(L.eig(a).eigenvectors), (A,)),
    "eig values and |vectors|": (lambda a: (lambda w, v: (w, v.abs()))(*L.eig(a)), (A,)),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_complex_gradcheck_and_gradgradcheck(name):
    fn, arrays = GRAD_CASES[name]
    args = tuple(mdl.tensor(x, requires_grad=True) for x in arrays)
    assert gradcheck(fn, args)
    assert gradgradcheck(fn, args)


def test_eig_of_real_matrix_gradcheck():
    real = mdl.tensor(A.real, requires_grad=True)
    assert gradcheck(lambda a: L.eigvals(a), (real,))
    assert gradgradcheck(lambda a: L.eigvals(a), (real,))
    assert gradcheck(lambda a: _gauge_free_eigenvectors(L.eig(a)[1]), (real,))
    w = L.eigvals(real)
    w.abs().sum().backward()
    assert real.grad.dtype == mdl.float64


def test_complex_lu_factor_lu_solve_and_householder_product():
    rng = np.random.default_rng(7)
    a = rng.standard_normal((2, 4, 4)) + 1j * rng.standard_normal((2, 4, 4))
    b = rng.standard_normal((2, 4, 3)) + 1j * rng.standard_normal((2, 4, 3))
    P, lower, upper = L.lu(mdl.tensor(a))
    close(P @ lower @ upper, a)
    column = a[0, :, 0]
    assert P.numpy()[0][:, 0].argmax() == np.argmax(np.abs(column.real) + np.abs(column.imag))   # LAPACK's pivot
    LU, pivots = L.lu_factor(mdl.tensor(a))
    close(L.lu_solve(LU, pivots, mdl.tensor(b)), np.linalg.solve(a, b))
    close(L.lu_solve(LU, pivots, mdl.tensor(b), adjoint=True), np.linalg.solve(np.conj(np.swapaxes(a, -1, -2)), b))
    ta, tb = mdl.tensor(a[0], requires_grad=True), mdl.tensor(b[0], requires_grad=True)
    assert gradcheck(lambda x: L.lu(x)[1:], (ta,))
    assert gradgradcheck(lambda x: L.lu_factor(x)[0], (ta,))
    assert gradcheck(lambda x, y: L.lu_solve(*L.lu_factor(x), y, adjoint=True), (ta, tb))
    reflectors = mdl.tensor(rng.standard_normal((5, 3)) + 1j * rng.standard_normal((5, 3)), requires_grad=True)
    tau = mdl.tensor(rng.standard_normal(2) + 1j * rng.standard_normal(2), requires_grad=True)
    q = L.householder_product(reflectors, tau).detach().numpy()
    expected = np.eye(5, dtype=complex)
    for i in range(2):
        v = np.concatenate([np.zeros(i), [1.0], reflectors.detach().numpy()[i + 1:, i]])
        expected = expected @ (np.eye(5) - tau.detach().numpy()[i] * np.outer(v, v.conj()))
    np.testing.assert_allclose(q, expected[:, :3], atol=1e-12)
    assert gradcheck(L.householder_product, (reflectors, tau))
    assert gradgradcheck(L.householder_product, (reflectors, tau))


def test_complex_vecdot_cholesky_solve_inverse_cov_corrcoef():
    rng = np.random.default_rng(9)
    v1, v2 = (rng.standard_normal(3) + 1j * rng.standard_normal(3) for _ in range(2))
    close(L.vecdot(mdl.tensor(v1), mdl.tensor(v2)), np.vdot(v1, v2))          # conjugates the first
    lo = mdl.tensor(np.linalg.cholesky(HERM))
    close(mdl.cholesky_inverse(lo), np.linalg.inv(HERM))
    close(mdl.cholesky_inverse(lo.mH, upper=True), np.linalg.inv(HERM))
    close(mdl.cholesky_solve(mdl.tensor(B), lo), np.linalg.solve(HERM, B))
    close(mdl.cholesky_solve(mdl.tensor(B), lo.mH, upper=True), np.linalg.solve(HERM, B))
    close(mdl.cov(mdl.tensor(TALL)), np.cov(TALL))
    close(mdl.corrcoef(mdl.tensor(TALL)), np.corrcoef(TALL))
    x, y = mdl.tensor(v1, requires_grad=True), mdl.tensor(v2, requires_grad=True)
    assert gradcheck(lambda a, b: L.vecdot(a, b), (x, y))
    h, b = mdl.tensor(HERM, requires_grad=True), mdl.tensor(B, requires_grad=True)
    assert gradcheck(lambda m, r: mdl.cholesky_solve(r, L.cholesky(m + m.mH)), (h, b))
    assert gradgradcheck(lambda m: mdl.cholesky_inverse(L.cholesky(m + m.mH)), (h,))
