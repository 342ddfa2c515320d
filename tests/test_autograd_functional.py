"""minidl.autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp): values against closed forms, PyTorch's
result structure for tuples, strict mode and create_graph (structures compared once with
torch.autograd.functional 2.13 in a scratch script; the test needs only minidl)."""
from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import functional as AF


def test_jacobian_of_elementwise_and_matrix_functions():
    x = mdl.tensor([1.0, 2.0, 3.0], dtype=mdl.float64)
    np.testing.assert_allclose(AF.jacobian(lambda a: a ** 2, x).numpy(), np.diag([2.0, 4.0, 6.0]))
    w = np.random.default_rng(0).standard_normal((4, 3))
    jac = AF.jacobian(lambda a: mdl.tensor(w) @ a.tanh(), x).numpy()
    np.testing.assert_allclose(jac, w * (1 - np.tanh([1.0, 2.0, 3.0]) ** 2), rtol=1e-12)
    assert AF.jacobian(lambda a: a * 2, mdl.ones(2, 2)).shape == (2, 2, 2, 2)
    assert not AF.jacobian(lambda a: a ** 2, x).requires_grad


def test_result_structure_for_tuples():
    x = mdl.tensor([1.0, 2.0])
    pair = AF.jacobian(lambda a, b: a * b, (x, x * 3))
    assert isinstance(pair, tuple) and len(pair) == 2
    np.testing.assert_allclose(pair[0].numpy(), np.diag([3.0, 6.0]))
    outs = AF.jacobian(lambda a: (a * 2, a.sum()), x)
    assert [o.shape for o in outs] == [(2, 2), (2,)]
    grid = AF.jacobian(lambda a, b: (a * b, (a + b).sum()), (x, x))
    assert [[g.shape for g in row] for row in grid] == [[(2, 2), (2, 2)], [(2,), (2,)]]
    hess = AF.hessian(lambda a, b: (a * b * a).sum(), (x, x))
    np.testing.assert_allclose(hess[0][1].numpy(), np.diag([2.0, 4.0]))          # d2/da db (a^2 b) = 2a
    np.testing.assert_allclose(hess[1][1].numpy(), np.zeros((2, 2)))


def test_hessian_and_hessian_products():
    x = mdl.tensor([[0.5, 1.0], [2.0, 3.0]], dtype=mdl.float64)
    a = x.numpy().reshape(-1)
    expected = np.diag((a + 2) * np.exp(a)).reshape(2, 2, 2, 2)        # d2/dx2 of x e^x
    np.testing.assert_allclose(AF.hessian(lambda t: (t.exp() * t).sum(), x).numpy(), expected, rtol=1e-12)
    cube = mdl.tensor([1.0, 2.0])
    value, hv = AF.hvp(lambda t: (t ** 3).sum(), cube, mdl.tensor([1.0, -1.0]))
    assert value.item() == 9.0 and hv.tolist() == [6.0, -12.0]
    assert AF.vhp(lambda t: (t ** 3).sum(), cube, mdl.tensor([1.0, -1.0]))[1].tolist() == [6.0, -12.0]


def test_vjp_and_jvp():
    x = mdl.tensor([1.0, 2.0])
    out, vj = AF.vjp(lambda a: a ** 2, x, mdl.tensor([1.0, 10.0]))
    assert out.tolist() == [1.0, 4.0] and vj.tolist() == [2.0, 40.0]
    assert AF.vjp(lambda a: a.sum(), x)[1].tolist() == [1.0, 1.0]
    out, jv = AF.jvp(lambda a: a ** 2, x, mdl.tensor([1.0, 10.0]))
    assert jv.tolist() == [2.0, 40.0]
    outs, jvs = AF.jvp(lambda a, b: (a * b, a.sum()), (x, x), (mdl.ones(2), mdl.ones(2)))
    assert jvs[0].tolist() == [2.0, 4.0] and jvs[1].item() == 2.0
    with pytest.raises(RuntimeError, match="The vector v can only be None"):
        AF.vjp(lambda a: a ** 2, x)


def test_strict_mode_and_independent_outputs():
    x = mdl.tensor([1.0, 2.0])
    assert AF.jacobian(lambda a: a.sum() * 0 + 1, x).tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function does not require gradients"):
        AF.jacobian(lambda a: mdl.ones(2), x, strict=True)
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        AF.jacobian(lambda a: a, [1.0, 2.0])


def test_create_graph_gives_differentiable_results():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    jac = AF.jacobian(lambda a: a ** 3, x, create_graph=True)
    assert jac.requires_grad
    jac.sum().backward()                                   # d/dx sum(diag(3x^2)) = 6x
    assert x.grad.tolist() == [6.0, 12.0]
