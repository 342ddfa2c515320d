"""``minidl.func.jvp`` and ``jacfwd`` on forward-mode AD (``minidl/func/_forward.py``), and their composition
with the reverse-mode transforms: ``jacfwd(jacrev(f))`` (forward-over-reverse), ``jvp(jvp(f))`` and
``grad(jvp(f))`` (the reverse-mode fallback), ``vmap(jvp(f))``; values against ``minidl.autograd.functional``."""
import numpy as np
import pytest

import minidl as mdl
import minidl.autograd.functional as AF
from minidl.func import grad, hessian, jacfwd, jacrev, jvp, linearize, vmap

D = mdl.float64


def _close(a, b, tol=1e-12):
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=tol, atol=tol)


def g(x):
    return (x.sin() * x).sum() + (x ** 3).prod()


@pytest.fixture
def x():
    mdl.manual_seed(0)
    return mdl.randn(5, dtype=D)


@pytest.fixture
def t():
    mdl.manual_seed(1)
    return mdl.randn(5, dtype=D)


class ExpNoBackward(mdl.autograd.Function):
    """exp with a jvp and a backward that refuses: func.jvp must not need the backward."""

    @staticmethod
    def forward(x):
        return x.exp()

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_forward(output)

    @staticmethod
    def jvp(ctx, tangent):
        out, = ctx.saved_tensors
        return tangent * out

    @staticmethod
    def backward(ctx, grad_output):
        raise AssertionError("backward called by a forward-mode jvp")


def test_jvp_is_one_dual_forward_pass(x, t):
    out, tangent = jvp(ExpNoBackward.apply, (x,), (t,))
    _close(out, x.exp())
    _close(tangent, t * x.exp())
    assert not out.requires_grad and not tangent.requires_grad


def test_jvp_structures_and_aux(x, t):
    def f(pair, scale):
        a, b = pair
        return {"prod": a * b * scale, "sum": (a + b).exp()}, a.detach() * 2

    b, tb = x.flip(0), t.flip(0)
    scale, tscale = mdl.tensor(3.0, dtype=D), mdl.tensor(0.5, dtype=D)
    out, tangent, aux = jvp(f, ((x, b), scale), ((t, tb), tscale), has_aux=True)
    _close(tangent["prod"], (t * b + x * tb) * 3 + x * b * 0.5)
    _close(tangent["sum"], (t + tb) * (x + b).exp())
    _close(aux, x * 2)
    _, unused = jvp(lambda a, c: a * 2, (x, x), (t, t))   # output independent of an input
    _close(unused, t * 2)
    _, constant = jvp(lambda a: mdl.ones(3, dtype=D), (x,), (t,))   # no dependence at all: zeros
    _close(constant, mdl.zeros(3, dtype=D))


def test_jacfwd_equals_jacrev_with_several_arguments():
    mdl.manual_seed(2)
    a, b = mdl.randn(3, 4, dtype=D), mdl.randn(3, 4, dtype=D)

    def f(a, b):
        return (a.sin() * b).sum(0), a @ b.T

    forward, reverse = jacfwd(f, argnums=(0, 1))(a, b), jacrev(f, argnums=(0, 1))(a, b)
    for out_f, out_r in zip(forward, reverse):
        for block_f, block_r in zip(out_f, out_r):
            assert block_f.shape == block_r.shape
            _close(block_f, block_r)
    jac, aux = jacfwd(lambda v: (v.sin(), v.cos()), has_aux=True)(a[0])
    _close(jac, mdl.diag(a[0].cos()))
    _close(aux, a[0].cos())
    with pytest.raises(RuntimeError, match="Only allowed values for randomness"):
        jacfwd(g, randomness="nope")


def test_forward_over_reverse_and_reverse_fallbacks(x, t):
    H = AF.hessian(g, x)
    _close(jacfwd(jacrev(g))(x), H, 1e-10)
    _close(hessian(g)(x), H, 1e-10)
    _close(jvp(grad(g), (x,), (t,))[1], H @ t, 1e-10)          # forward-over-reverse

    def along(v):
        return jvp(g, (v,), (t,))[1]

    _close(jvp(along, (x,), (t,))[1], t @ H @ t, 1e-10)          # jvp inside jvp: the inner one in reverse mode
    _close(grad(along)(x), H @ t, 1e-10)                         # reverse-over-forward through the fallback
    _close(jacfwd(jacfwd(g))(x), H, 1e-10)
    leaf = x.clone().requires_grad_()                            # an input that requires grad keeps its graph
    _, tangent = jvp(g, (leaf,), (t,))
    tangent.backward()
    _close(leaf.grad, H @ t, 1e-10)


def test_vmap_of_jvp_and_linearize(x, t):
    mdl.manual_seed(3)
    xs, ts = mdl.randn(4, 5, dtype=D), mdl.randn(4, 5, dtype=D)
    batched = vmap(lambda a, b: jvp(g, (a,), (b,))[1])(xs, ts)
    _close(batched, mdl.stack([AF.jvp(g, xs[i], ts[i])[1] for i in range(4)]), 1e-10)
    out, jvp_fn = linearize(mdl.sin, x)
    _close(out, x.sin())
    _close(jvp_fn(t), t * x.cos())
