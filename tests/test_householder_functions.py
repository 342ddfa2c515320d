"""geqrf / orgqr / ormqr / triangular_solve and the removed solve/lstsq/eig/symeig/matrix_rank: values as PyTorch
2.13 printed them for the same seed, gradients, and the removal errors."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck


def test_values_equal_pytorchs():
    mdl.manual_seed(0)
    a = mdl.randn(4, 3)
    h, tau = mdl.geqrf(a)
    assert isinstance(mdl.geqrf(a), mdl.return_types.geqrf)
    assert h.sum().item() == pytest.approx(3.838028907775879, abs=1e-5)
    np.testing.assert_allclose(tau.numpy(), [1.8862802982330322, 1.6578465700149536, 1.9723231792449951], rtol=1e-6)
    assert mdl.orgqr(h, tau).sum().item() == pytest.approx(-3.0853123664855957, abs=1e-5)
    c = mdl.randn(4, 2)
    assert mdl.ormqr(h, tau, c).sum().item() == pytest.approx(-1.1392263174057007, abs=1e-5)
    assert mdl.ormqr(h, tau, c, transpose=True).sum().item() == pytest.approx(1.4500963687896729, abs=1e-5)
    assert mdl.ormqr(h, tau, mdl.randn(2, 4), left=False).sum().item() == pytest.approx(-5.305226802825928, abs=1e-5)
    assert tuple(mdl.geqrf(mdl.randn(2, 4, 3))[0].shape) == (2, 4, 3)
    q = mdl.orgqr(*mdl.geqrf(a.double()))
    np.testing.assert_allclose((q.T @ q).numpy(), np.eye(3), atol=1e-12)
    A, b = mdl.tensor([[2.0, 1.0], [0.0, 3.0]]), mdl.tensor([[1.0], [2.0]])
    result = mdl.triangular_solve(b, A)
    np.testing.assert_allclose(result.solution.numpy().ravel(), [1 / 6, 2 / 3], rtol=1e-6)
    assert result.cloned_coefficient.tolist() == A.tolist() and result.cloned_coefficient is not A
    assert mdl.triangular_solve(b, A, upper=False, transpose=True, unitriangular=True).solution.tolist() == [[1.0],
                                                                                                            [2.0]]
    assert mdl.triangular_solve(b, A, transpose=True).solution.tolist() == [[0.5], [0.5]]


def test_gradients():
    A = (mdl.randn(3, 3, dtype=mdl.float64).triu() + 3 * mdl.eye(3, dtype=mdl.float64)).requires_grad_()
    b = mdl.randn(3, 2, dtype=mdl.float64, requires_grad=True)
    solve = lambda b, A: mdl.triangular_solve(b, A, transpose=True)[0]  # noqa: E731
    assert gradcheck(solve, (b, A)) and gradgradcheck(solve, (b, A))
    h, tau = mdl.geqrf(mdl.randn(4, 3, dtype=mdl.float64))
    h.requires_grad_()
    tau.requires_grad_()
    other = mdl.randn(4, 2, dtype=mdl.float64, requires_grad=True)
    assert gradcheck(mdl.orgqr, (h, tau)) and gradgradcheck(mdl.orgqr, (h, tau))
    ormqr = lambda h, t, o: mdl.ormqr(h, t, o, transpose=True)  # noqa: E731
    assert gradcheck(ormqr, (h, tau, other)) and gradgradcheck(ormqr, (h, tau, other))


def test_removed_functions_say_what_replaces_them():
    for name, replacement in (("solve", "torch.linalg.solve"), ("lstsq", "torch.linalg.lstsq"),
                              ("eig", "torch.linalg.eig"), ("symeig", "torch.linalg.eigh"),
                              ("matrix_rank", "torch.linalg.matrix_rank")):
        with pytest.raises(RuntimeError, match=f"deprecated since version 1.9 and is now removed.*{replacement}"):
            getattr(mdl, name)(mdl.eye(2))
