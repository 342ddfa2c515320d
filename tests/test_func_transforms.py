"""minidl.func: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, vmap, stack_module_state
(values against hand-computed derivatives, composition, pytrees, PyTorch's errors)."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
from minidl.autograd import gradcheck, gradgradcheck
from minidl.func import (
    functional_call,
    grad,
    grad_and_value,
    hessian,
    jacfwd,
    jacrev,
    jvp,
    stack_module_state,
    vjp,
    vmap,
)


def _x():
    return mdl.tensor([1.0, 2.0, 3.0], dtype=mdl.float64)


def cube_sum(x):
    return (x ** 3).sum()


def test_grad_values_argnums_pytrees_aux():
    x = _x()
    np.testing.assert_allclose(grad(cube_sum)(x).numpy(), 3 * x.numpy() ** 2)
    gx, gy = grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(x, 2 * x)
    np.testing.assert_allclose(gx.numpy(), 2 * x.numpy())
    np.testing.assert_allclose(gy.numpy(), x.numpy())
    g = grad(lambda p: (p["a"] * p["b"]).sum())({"a": x, "b": x + 1})
    assert set(g) == {"a", "b"}
    np.testing.assert_allclose(g["a"].numpy(), x.numpy() + 1)
    g, aux = grad(lambda a: ((a ** 2).sum(), a.mean()), has_aux=True)(x)
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy())
    assert float(aux) == 2.0
    g, (value, aux) = grad_and_value(lambda a: ((a ** 2).sum(), a.mean()), has_aux=True)(x)
    assert float(value) == 14.0 and float(aux) == 2.0
    g, value = grad_and_value(cube_sum)(x)
    assert float(value) == 36.0
    np.testing.assert_array_equal(grad(lambda a, b: (b ** 2).sum())(x, x).numpy(), [0.0, 0.0, 0.0])  # unused: zeros


def test_grad_errors():
    x = _x()
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar Tensor, got tensor with 1 dims"):
        grad(lambda a: a ** 2)(x)
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a Tensor"):
        grad(lambda a: 3.0)(x)
    with pytest.raises(RuntimeError, match="should be a tuple: \\(output, aux\\) if has_aux is True"):
        grad(lambda a: a.sum(), has_aux=True)(x)
    with pytest.raises(RuntimeError, match="Got argnum=2, but only 1 positional inputs"):
        grad(lambda a: a.sum(), argnums=2)(x)
    with pytest.raises(RuntimeError, match="argnums must be int or Tuple"):
        grad(lambda a: a.sum(), argnums=1.5)(x)
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        grad(lambda a: a.sum())(mdl.tensor([1, 2]))


def test_grad_composes_and_stays_differentiable():
    x = _x()
    second = grad(lambda a: grad(cube_sum)(a).sum())(x)
    np.testing.assert_allclose(second.numpy(), 6 * x.numpy())
    assert not second.requires_grad
    xr = x.clone().requires_grad_()
    g = grad(cube_sum)(xr)
    assert g.requires_grad  # differentiable w.r.t. the caller's graph, as in PyTorch
    g.sum().backward()
    np.testing.assert_allclose(xr.grad.numpy(), 6 * x.numpy())


def test_grad_transform_gradcheck(rng):
    x = mdl.tensor(rng.standard_normal(4), requires_grad=True)
    f = grad(lambda a: (a.sin() * a).sum())
    assert gradcheck(f, (x,)) and gradgradcheck(f, (x,))


def test_vjp_and_jvp():
    x = _x()
    out, fn = vjp(lambda a: a ** 2, x)
    np.testing.assert_allclose(out.numpy(), x.numpy() ** 2)
    (g,) = fn(mdl.ones(3, dtype=mdl.float64))
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy())
    out, fn, aux = vjp(lambda a: (a ** 2, a.sum()), x, has_aux=True)
    assert float(aux) == 6.0
    with pytest.raises(RuntimeError, match="Expected pytree structure of cotangents"):
        fn((mdl.ones(3), mdl.ones(3)))
    out, t = jvp(lambda a: a ** 2, (x,), (mdl.ones(3, dtype=mdl.float64),))
    np.testing.assert_allclose(t.numpy(), 2 * x.numpy())
    out, t = jvp(lambda a, b: (a * b, a.sum()), (x, x), (mdl.ones(3, dtype=mdl.float64), x))
    np.testing.assert_allclose(t[0].numpy(), x.numpy() + x.numpy() ** 2)
    assert float(t[1]) == 3.0
    with pytest.raises(RuntimeError, match="Expected primals to be a tuple"):
        jvp(lambda a: a, x, (x,))


def test_jacobians_and_hessian():
    x = _x()
    J = jacrev(lambda a: a ** 2)(x)
    np.testing.assert_allclose(J.numpy(), np.diag(2 * x.numpy()))
    np.testing.assert_allclose(jacfwd(lambda a: a ** 2)(x).numpy(), J.numpy())
    ja, jb = jacrev(lambda a, b: a * b, argnums=(0, 1))(x, 2 * x)
    np.testing.assert_allclose(ja.numpy(), np.diag(2 * x.numpy()))
    np.testing.assert_allclose(jb.numpy(), np.diag(x.numpy()))
    d = jacrev(lambda a: {"sq": a ** 2, "s": a.sum()})(x)
    assert tuple(d["sq"].shape) == (3, 3) and tuple(d["s"].shape) == (3,)
    W = mdl.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(jacrev(lambda m: m @ x)(W).numpy().reshape(2, 6),
                               np.kron(np.eye(2), x.numpy()[None, :]))
    H = hessian(cube_sum)(x)
    np.testing.assert_allclose(H.numpy(), np.diag(6 * x.numpy()))
    j, aux = jacrev(lambda a: (a ** 2, a.sum()), has_aux=True)(x)
    assert float(aux) == 6.0


# --------------------------------------------------------------------------------------------------- vmap
def test_vmap_values_and_dims():
    a, b = mdl.randn(4, 3), mdl.randn(4, 3)
    np.testing.assert_allclose(vmap(lambda u, v: u @ v)(a, b).numpy(), (a.numpy() * b.numpy()).sum(1), rtol=1e-5)
    v = mdl.arange(3.0)
    np.testing.assert_allclose(vmap(lambda u, w: u * w, in_dims=(0, None))(a, v).numpy(), a.numpy() * v.numpy())
    out0, out1 = vmap(lambda u: (u, u.sum()), out_dims=(1, 0))(a)
    np.testing.assert_allclose(out0.numpy(), a.numpy().T)
    np.testing.assert_allclose(vmap(lambda u: u.sum(), in_dims=1)(a).numpy(), a.numpy().sum(0), rtol=1e-6)
    np.testing.assert_allclose(vmap(lambda d: d["x"].sum(), in_dims=({"x": 1},))({"x": a}).numpy(),
                               a.numpy().sum(0), rtol=1e-6)
    assert tuple(vmap(lambda u: mdl.stack([u, u]), out_dims=-1)(a).shape) == (2, 3, 4)
    nested = vmap(vmap(lambda s: s * 2))(a)
    np.testing.assert_allclose(nested.numpy(), 2 * a.numpy())
    np.testing.assert_allclose(vmap(lambda u, k: u * k, in_dims=(0, None))(a, 5).numpy(), 5 * a.numpy())


def test_vmap_errors():
    a = mdl.ones(4, 3)
    cases = [
        (lambda: vmap(lambda u, w: u * w)(a, mdl.ones(5, 3)), ValueError,
         r"Expected all tensors to have the same size in the mapped dimension, got sizes \[4, 5\]"),
        (lambda: vmap(lambda u: u, in_dims=None)(a), ValueError, "expected `in_dims` to be int or a"),
        (lambda: vmap(lambda u: mdl.rand(3) + u)(a), RuntimeError, "called random operation while in randomness "
                                                                   "error mode"),
        (lambda: vmap(lambda u: 3)(a), ValueError, "must only return Tensors, got type <class 'int'>"),
        (lambda: vmap(lambda u: u, in_dims=(None,))(a), ValueError, "Expected at least one Tensor to vmap over"),
        (lambda: vmap(lambda u: u, in_dims=(3,))(mdl.ones(2)), ValueError, "expected in_dim to satisfy -1 <= in_dim"),
        (lambda: vmap(lambda u: u, in_dims=(0, 0))(a), ValueError, "in_dims is not compatible with the structure"),
        (lambda: vmap(lambda u, k: u * k)(a, 5), ValueError, "We cannot vmap over non-Tensor arguments"),
        (lambda: vmap(lambda u: u, randomness="foo")(a), RuntimeError, "Only allowed values for randomness"),
        (lambda: vmap(lambda u: u, chunk_size=0)(a), ValueError, "chunk_size should be None or greater than 0"),
        (lambda: vmap(lambda u: u * 2, out_dims=(0, 1))(a), ValueError, "out_dims is not compatible"),
        (lambda: vmap(lambda u: u * mdl.arange(3.0), out_dims=None)(mdl.randn(4, 3)), ValueError,
         "can not return a BatchedTensor when out_dim is None"),
    ]
    for call, exc, match in cases:
        with pytest.raises(exc, match=match):
            call()


def test_vmap_randomness_modes():
    mdl.manual_seed(0)
    same = vmap(lambda u: mdl.rand(3) + u, randomness="same")(mdl.zeros(4, 3)).numpy()
    assert np.allclose(same, same[0])
    different = vmap(lambda u: mdl.rand(3) + u, randomness="different")(mdl.zeros(4, 3)).numpy()
    assert not np.allclose(different, different[0])
    mdl.manual_seed(0)
    np.testing.assert_array_equal(vmap(lambda u: mdl.rand(3) + u, randomness="same")(mdl.zeros(4, 3)).numpy(), same)


def test_per_sample_gradients_with_functional_call():
    """The torch.func tutorial: vmap(grad(loss)) over (params, x, y) equals one gradient per sample."""
    mdl.manual_seed(0)
    model = nn.Linear(3, 2).double()
    params = {k: v.detach() for k, v in model.named_parameters()}
    x, y = mdl.randn(5, 3, dtype=mdl.float64), mdl.randn(5, 2, dtype=mdl.float64)

    def loss(p, xi, yi):
        return ((functional_call(model, p, (xi.unsqueeze(0),)) - yi) ** 2).sum()
    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
    assert tuple(per_sample["weight"].shape) == (5, 2, 3)
    for i in range(5):
        gi = grad(loss)(params, x[i], y[i])
        np.testing.assert_allclose(per_sample["weight"][i].numpy(), gi["weight"].numpy(), rtol=1e-12)
        np.testing.assert_allclose(per_sample["bias"][i].numpy(), gi["bias"].numpy(), rtol=1e-12)


def test_vmap_gradcheck(rng):
    x = mdl.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = mdl.tensor(rng.standard_normal(4), requires_grad=True)
    f = vmap(lambda row, v: (row * v).tanh().sum(), in_dims=(0, None))
    assert gradcheck(f, (x, w)) and gradgradcheck(f, (x, w))


def test_stack_module_state_ensemble():
    mdl.manual_seed(0)
    models = [nn.Linear(2, 3).double() for _ in range(4)]
    params, buffers = stack_module_state(models)
    assert tuple(params["weight"].shape) == (4, 3, 2) and params["weight"].requires_grad
    assert params["weight"].is_leaf and buffers == {}
    x = mdl.randn(5, 2, dtype=mdl.float64)
    out = vmap(lambda p, b: functional_call(models[0], (p, b), (x,)))(params, buffers)
    for i, m in enumerate(models):
        np.testing.assert_allclose(out[i].detach().numpy(), m(x).detach().numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="Expected at least one model, got 0"):
        stack_module_state([])
    with pytest.raises(RuntimeError, match="Expected all models to be of the same class"):
        stack_module_state([nn.Linear(2, 2), nn.Tanh()])
    with pytest.raises(RuntimeError, match="same training/eval mode"):
        stack_module_state([nn.Linear(2, 2), nn.Linear(2, 2).eval()])


def test_linearize_functionalize_replace_batch_norm():
    from minidl.func import functionalize, linearize, replace_all_batch_norm_modules_
    x = mdl.tensor([1.0, 2.0], dtype=mdl.float64)
    out, jvp_fn = linearize(lambda a: a ** 2, x)
    np.testing.assert_allclose(out.numpy(), [1.0, 4.0])
    np.testing.assert_allclose(jvp_fn(mdl.ones(2, dtype=mdl.float64)).numpy(), [2.0, 4.0])

    def mutating(a):
        b = a.clone()
        b.add_(1)
        return b * 2
    np.testing.assert_allclose(functionalize(mutating)(x).numpy(), [4.0, 6.0])
    with pytest.raises(RuntimeError, match="received invalid argument for remove=foo"):
        functionalize(mutating, remove="foo")
    net = nn.Sequential(nn.Conv2d(1, 3, 1), nn.BatchNorm2d(3))
    assert replace_all_batch_norm_modules_(net) is net
    bn = net[1]
    assert bn.running_mean is None and bn.running_var is None and not bn.track_running_stats
    assert list(net.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    y = net.eval()(mdl.randn(4, 1, 3, 3))
    np.testing.assert_allclose(y.detach().numpy().mean(axis=(0, 2, 3)), np.zeros(3), atol=1e-5)  # batch statistics


def test_top_level_vmap_is_func_vmap():
    """``from torch import vmap`` (the model-ensembling and jacobians tutorials): the same function as
    ``torch.func.vmap``."""
    from minidl import vmap
    assert vmap is mdl.func.vmap and "vmap" in mdl.__all__
    x = mdl.arange(6.0).reshape(3, 2)
    assert mdl.equal(vmap(lambda row: row.sum())(x), mdl.tensor([1.0, 5.0, 9.0]))
