"""Forward-mode AD (``minidl.autograd.forward_ad``, PyTorch's ``torch.autograd.forward_ad``): dual levels,
``make_dual``/``unpack_dual`` and their errors (types and messages read from PyTorch 2.13), custom Functions
with ``jvp``, in-place ops on dual Tensors, and the composition with reverse mode (backward through dual
Tensors, forward-over-reverse Hessian-vector products). Tangent values of the ops are in
``test_forward_ad_ops.py``."""
import numpy as np
import pytest

import minidl as mdl
import minidl.autograd.forward_ad as fwAD
import minidl.nn.functional as F
from minidl.autograd.functional import hessian


def r(rng, *shape):
    return mdl.tensor(rng.standard_normal(shape), dtype=mdl.float64)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _close(a, b, tol=1e-10):
    np.testing.assert_allclose(np.asarray(a.numpy() if hasattr(a, "numpy") else a),
                               np.asarray(b.numpy() if hasattr(b, "numpy") else b), rtol=tol, atol=tol)


# --- levels -----------------------------------------------------------------------------------------

def test_dual_level_number_and_tangents_dropped_on_exit(rng):
    x, t = r(rng, 3), r(rng, 3)
    with fwAD.dual_level() as level:
        assert level == 0
        d = fwAD.make_dual(x, t)
        y = d * 2
        assert fwAD.unpack_dual(y).tangent is not None
    assert fwAD.unpack_dual(y).tangent is None
    assert fwAD.unpack_dual(d).tangent is None
    with fwAD.dual_level() as level:   # a later level does not see the old tangents
        assert level == 0
        assert fwAD.unpack_dual(d).tangent is None
        assert fwAD.unpack_dual(d * 3).tangent is None


def test_nested_level_raises_and_enter_exit_functions(rng):
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match="^Nested forward mode AD is not supported at the moment$"):
            fwAD.enter_dual_level()
        with pytest.raises(RuntimeError, match="Nested forward mode AD"):
            with fwAD.dual_level():
                pass
    assert fwAD.enter_dual_level() == 0
    with pytest.raises(RuntimeError, match="not the last one that was created"):
        fwAD.exit_dual_level(level=3)
    fwAD.exit_dual_level()
    with pytest.raises(RuntimeError, match="^Dual level must be a positive number.$"):
        fwAD.exit_dual_level()


def test_dual_level_as_decorator(rng):
    x, t = r(rng, 4), r(rng, 4)

    @fwAD.dual_level()
    def directional(x, t):
        return fwAD.unpack_dual(fwAD.make_dual(x, t).exp()).tangent

    _close(directional(x, t), t * x.exp())
    with pytest.raises(RuntimeError, match="no level exists"):
        fwAD.make_dual(x, t)   # the decorator left the level


def test_public_names():
    assert fwAD.__all__ == ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual",
                            "unpack_dual", "dual_level"]
    assert fwAD.UnpackedDualTensor._fields == ("primal", "tangent")
    assert mdl.autograd.forward_ad is fwAD


# --- make_dual / unpack_dual ----------------------------------------------------------------------

def test_make_dual_errors(rng):
    x, t = r(rng, 3), r(rng, 3)
    with pytest.raises(RuntimeError, match=r"^Trying to create a dual Tensor for forward AD but no level exists, "
                                            r"make sure to enter_dual_level\(\) first.$"):
        fwAD.make_dual(x, t)
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match=r"different size .* Tensor is of size \[3\] while the given forward "
                                                r"gradient is of size \[4\].$"):
            fwAD.make_dual(x, r(rng, 4))
        with pytest.raises(ValueError, match="^Expected primal to be floating point or complex, but got: "):
            fwAD.make_dual(mdl.arange(3), mdl.arange(3))
        with pytest.raises(ValueError, match="^Expected tangent to be floating point or complex, but got: "):
            fwAD.make_dual(x, mdl.arange(3))
        with pytest.raises(RuntimeError, match="^Invalid level given to _make_dual$"):
            fwAD.make_dual(x, t, level=5)
        d = fwAD.make_dual(x, t)
        with pytest.raises(RuntimeError, match="already has a forward gradient at the same level 0 is not supported"):
            fwAD.make_dual(d, t)
        with pytest.raises(TypeError, match="'tangent' must be Tensor, not list"):
            fwAD.make_dual(x, [1.0, 2.0, 3.0])
        with pytest.raises(TypeError, match="must be Tensor, not int"):
            fwAD.unpack_dual(3)


def test_make_dual_is_a_view_and_unpack_gives_the_tangent_itself(rng):
    x, t = r(rng, 4, 4), r(rng, 4, 4)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, t)
        assert fwAD.unpack_dual(d).tangent is t
        assert np.shares_memory(d.numpy(), x.numpy())
        primal = fwAD.unpack_dual(d).primal
        assert fwAD.unpack_dual(primal).tangent is None and np.shares_memory(primal.numpy(), x.numpy())
        alt = fwAD.make_dual(x, t.T)   # another layout: copied into the primal's
        assert fwAD.unpack_dual(alt).tangent is not t
        _close(fwAD.unpack_dual(alt).tangent, t.T)
        f32 = fwAD.make_dual(x, t.float())   # the tangent keeps its dtype, as PyTorch's
        assert fwAD.unpack_dual(f32).tangent.dtype == mdl.float32
        plain = fwAD.unpack_dual(x)
        assert plain.tangent is None
    outside = fwAD.unpack_dual(x)
    assert outside.primal is x and outside.tangent is None


def test_dual_repr_shows_the_tangent():
    with fwAD.dual_level():
        d = fwAD.make_dual(mdl.tensor([1.0, 2.0], dtype=mdl.float64), mdl.tensor([0.5, 0.0]))
        assert repr(d) == "tensor([1., 2.], dtype=minidl.float64, tangent=tensor([0.5000, 0.0000]))"
        long = fwAD.make_dual(mdl.tensor([1.5, -0.25, 2.0], dtype=mdl.float64), mdl.tensor([0.5, -1.0, 0.25]))
        assert repr(long) == ("tensor([ 1.5000, -0.2500,  2.0000], dtype=minidl.float64,\n"
                              "       tangent=tensor([ 0.5000, -1.0000,  0.2500]))")


def test_ops_without_float_outputs_and_detach_carry_no_tangent(rng):
    with fwAD.dual_level():
        d = fwAD.make_dual(r(rng, 3, 4), r(rng, 3, 4))
        for out in (d.argmax(), d > 0, d.long(), d.detach(), d.data):
            assert fwAD.unpack_dual(out).tangent is None
        with mdl.no_grad():   # grad mode does not stop forward mode, as in PyTorch
            _close(fwAD.unpack_dual(d * 2).tangent, fwAD.unpack_dual(d).tangent * 2)


def test_module_parameters_replaced_by_duals(rng):
    model = mdl.nn.Linear(5, 3).double()
    x = r(rng, 4, 5)
    params = dict(model.named_parameters())
    tangents = {k: mdl.rand_like(p) for k, p in params.items()}
    with fwAD.dual_level():
        for name, p in params.items():
            delattr(model, name)
            setattr(model, name, fwAD.make_dual(p, tangents[name]))
        jvp = fwAD.unpack_dual(model(x)).tangent
    _close(jvp, x @ tangents["weight"].T + tangents["bias"])


# --- custom Functions -------------------------------------------------------------------------------

class Exp(mdl.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        result = mdl.exp(x)
        ctx.result = result
        return result

    @staticmethod
    def jvp(ctx, grad_input):
        return grad_input * ctx.result


class MulAdd(mdl.autograd.Function):
    """(a * b * k, a + b): two outputs, a non-Tensor argument, save_for_forward."""

    @staticmethod
    def forward(ctx, a, b, k):
        ctx.save_for_forward(a, b)
        ctx.save_for_backward(a)
        ctx.k = k
        return a * b * k, a + b

    @staticmethod
    def jvp(ctx, ta, tb, tk):
        assert tk is None
        a, b = ctx.saved_tensors
        return (ta * b + a * tb) * ctx.k, ta + tb

    @staticmethod
    def backward(ctx, g1, g2):
        a, = ctx.saved_tensors
        return None, None, None


def test_custom_function_jvp(rng):
    x, t = r(rng, 3, 3), r(rng, 3, 3)
    with fwAD.dual_level():
        out = Exp.apply(fwAD.make_dual(x, t))
        _close(fwAD.unpack_dual(out).tangent, t * x.exp())
        _close(fwAD.unpack_dual(out).primal, x.exp())


def test_custom_function_jvp_zero_tangent_for_plain_inputs_and_saved_for_forward(rng):
    a, b, ta = r(rng, 4), r(rng, 4), r(rng, 4)
    with fwAD.dual_level():
        p, s = MulAdd.apply(fwAD.make_dual(a, ta), b, 3.0)   # b has no tangent: jvp gets zeros
        _close(fwAD.unpack_dual(p).tangent, ta * b * 3)
        _close(fwAD.unpack_dual(s).tangent, ta)
    a.requires_grad_()   # recorded for backward too: saved_tensors in backward are save_for_backward's
    with fwAD.dual_level():
        p, s = MulAdd.apply(fwAD.make_dual(a, ta), b, 2.0)
        _close(fwAD.unpack_dual(p).tangent, ta * b * 2)
        (p.sum() + s.sum()).backward()


def test_custom_function_jvp_checked_by_gradcheck(rng):
    x = r(rng, 3, 3).requires_grad_()
    assert mdl.autograd.gradcheck(Exp.apply, (x,), check_forward_ad=True, check_backward_ad=False,
                                  check_undefined_grad=False, check_batched_grad=False)

    class WrongJvp(mdl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def jvp(ctx, t):
            return t * 3

        @staticmethod
        def backward(ctx, g):
            return g * 2

    assert mdl.autograd.gradcheck(WrongJvp.apply, (x,))
    with pytest.raises(mdl.autograd.GradcheckError, match="forward-mode gradient of input 0"):
        mdl.autograd.gradcheck(WrongJvp.apply, (x,), check_forward_ad=True)
    assert not mdl.autograd.gradcheck(WrongJvp.apply, (x,), check_forward_ad=True, raise_exception=False)


def test_custom_function_without_jvp_raises_pytorchs_error(rng):
    class NoJvp(mdl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x, t = r(rng, 3), r(rng, 3)
    assert NoJvp.apply(x) is not None   # fine outside forward mode
    with fwAD.dual_level():
        with pytest.raises(NotImplementedError, match="^You must implement the jvp function for custom "
                                                      "autograd.Function to use it with forward mode AD.$"):
            NoJvp.apply(fwAD.make_dual(x, t))
        NoJvp.apply(x)   # no dual argument: no jvp needed


def test_custom_function_jvp_wrong_count_or_shape(rng):
    class TwoForOne(mdl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def jvp(ctx, t):
            return t, t

    class BadShape(mdl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def jvp(ctx, t):
            return t[:1]

    with fwAD.dual_level():
        d = fwAD.make_dual(r(rng, 3), r(rng, 3))
        with pytest.raises(RuntimeError, match="incorrect number of forward gradients"):
            TwoForOne.apply(d)
        with pytest.raises(RuntimeError, match="invalid forward gradient at index 0"):
            BadShape.apply(d)


# --- in-place ops -------------------------------------------------------------------------------------

def test_inplace_ops_update_the_tangent(rng):
    x, t, y = r(rng, 5), r(rng, 5), r(rng, 5)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, t)
        z = y.clone()
        z.mul_(d)                      # a plain tensor becomes dual
        _close(fwAD.unpack_dual(z).tangent, t * y)
        w = d.clone()
        w[0] = 5.0                     # overwritten elements lose their tangent
        want = t.clone()
        want[0] = 0.0
        _close(fwAD.unpack_dual(w).tangent, want)
        q = d.clone()
        q.add_(d, alpha=2).exp_()
        _close(fwAD.unpack_dual(q).tangent, 3 * t * (3 * x).exp())
        s = d.clone()
        F.relu(s, inplace=True)
        _close(fwAD.unpack_dual(s).tangent, t * (x > 0))
        u = d.clone()
        u.unsqueeze_(0)
        assert fwAD.unpack_dual(u).tangent.shape == (1, 5)
        c = mdl.zeros(5, dtype=mdl.float64)
        c.copy_(d)
        _close(fwAD.unpack_dual(c).tangent, t)


def test_inplace_on_a_recorded_dual(rng):
    x, t = r(rng, 4).requires_grad_(), r(rng, 4)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, t)
        h = d * 1.0
        h.sin_()
        _close(fwAD.unpack_dual(h).tangent, t * x.detach().cos())
        h.sum().backward()
    _close(x.grad, x.detach().cos())


# --- reverse mode ---------------------------------------------------------------------------------

def f_scalar(x):
    return (x.sin() * x).sum() + (x ** 3).prod()


def test_backward_through_dual_tensors(rng):
    x, t = r(rng, 5).requires_grad_(), r(rng, 5)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, t)
        assert d.requires_grad and d.grad_fn.name() == "ViewBackward0"
        f_scalar(d).backward()
    got = x.grad.clone()
    x.grad = None
    f_scalar(x).backward()
    _close(got, x.grad)


@pytest.mark.parametrize("create_graph", [False, True])
def test_forward_over_reverse_hessian_vector_product(rng, create_graph):
    x, v = r(rng, 5).requires_grad_(), r(rng, 5)
    want = hessian(f_scalar, x.detach()) @ v
    with fwAD.dual_level():
        d = fwAD.make_dual(x, v)
        g, = mdl.autograd.grad(f_scalar(d), x, create_graph=create_graph)
        _close(fwAD.unpack_dual(g).tangent, want)
        _close(fwAD.unpack_dual(g).primal, mdl.autograd.grad(f_scalar(x), x)[0])


def test_forward_over_reverse_through_a_network(rng):
    """hvp of a small MLP loss w.r.t. its first weight, forward-over-reverse against reverse-over-reverse."""
    net = mdl.nn.Sequential(mdl.nn.Linear(4, 6), mdl.nn.Tanh(), mdl.nn.Linear(6, 3)).double()
    x, y = r(rng, 8, 4), mdl.tensor([0, 2, 1, 1, 0, 2, 2, 0])
    w = net[0].weight
    v = r(rng, *w.shape)

    def loss_of(weight):
        return F.cross_entropy(mdl.func.functional_call(net, {"0.weight": weight}, (x,)), y)

    g, = mdl.autograd.grad(loss_of(w), w, create_graph=True)
    want, = mdl.autograd.grad((g * v).sum(), w)
    with fwAD.dual_level():
        g2, = mdl.autograd.grad(loss_of(fwAD.make_dual(w, v)), w)
        _close(fwAD.unpack_dual(g2).tangent, want, tol=1e-9)


def test_gradgradcheck_fwd_over_rev(rng):
    x = r(rng, 3, 4).requires_grad_()
    assert mdl.autograd.gradgradcheck(lambda a: (a.sin() * a).softmax(-1), (x,), check_fwd_over_rev=True)


@pytest.mark.parametrize("direct_rules", [True, False])
def test_forward_over_reverse_through_a_conv_net(rng, monkeypatch, direct_rules):
    """Through convolutions, pooling and their gradient ops, with the direct tangent rules
    (``_forward_fast.py``) and with the double-vjp rule alone: both equal reverse-over-reverse."""
    from minidl.autograd import _forward_rules
    if not direct_rules:
        monkeypatch.setattr(_forward_rules, "fast_tangent", lambda *args: None)
    mdl.manual_seed(0)
    net = mdl.nn.Sequential(mdl.nn.Conv2d(2, 3, 3, padding=1), mdl.nn.ReLU(), mdl.nn.MaxPool2d(2),
                            mdl.nn.Conv2d(3, 2, 2), mdl.nn.Tanh(), mdl.nn.Flatten(), mdl.nn.Linear(8, 3)).double()
    x, y = r(rng, 4, 2, 6, 6), mdl.tensor([0, 2, 1, 1])
    w = net[0].weight
    v = r(rng, *w.shape)

    def loss_of(weight):
        return F.cross_entropy(mdl.func.functional_call(net, {"0.weight": weight}, (x,)), y)

    g, = mdl.autograd.grad(loss_of(w), w, create_graph=True)
    want, = mdl.autograd.grad((g * v).sum(), w)
    with fwAD.dual_level():
        g2, = mdl.autograd.grad(loss_of(fwAD.make_dual(w, v)), w)
        _close(fwAD.unpack_dual(g2).tangent, want, tol=1e-9)


def test_leaf_grad_keeps_no_tangent_unless_create_graph(rng):
    """As PyTorch: ``.grad`` accumulated without ``create_graph`` is detached (no tangent); with it, and for
    ``autograd.grad`` and a retained non-leaf gradient, the tangent stays."""
    x, v = r(rng, 3).requires_grad_(), r(rng, 3)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, v)
        (d.exp() * 2).sum().backward()
        assert fwAD.unpack_dual(x.grad).tangent is None and not x.grad.requires_grad
        _close(x.grad, 2 * x.detach().exp())
        x.grad = None
        (d.exp() * 2).sum().backward(create_graph=True)
        _close(fwAD.unpack_dual(x.grad).tangent, 2 * v * x.detach().exp())
        assert x.grad.requires_grad
        x.grad = None
        y = d * 3
        y.retain_grad()
        y.exp().sum().backward()
        _close(fwAD.unpack_dual(y.grad).tangent, 3 * v * (3 * x.detach()).exp())
