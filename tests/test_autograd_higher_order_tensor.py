"""Second derivatives through the ops of PyTorch's Tensor surface (elementwise, extrema, in-place,
layout and statistics Functions): float64 ``gradgradcheck`` for each, checked to run through the op
named, plus values at the points where PyTorch's derivative rules are a choice (ties, bounds)."""
import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import minidl as mdl
import minidl.ops as ops
from minidl.autograd import Function, grad, gradgradcheck
from minidl.ops import elementwise, extrema, inplace, layout, statistics
from minidl.ops import math as math_ops

DEVICES = ["cpu", pytest.param("gpu", marks=pytest.mark.gpu)]


@pytest.fixture(params=DEVICES)
def device(request):
    return request.param


def t(rng, *shape, device="cpu", positive=False):
    a = rng.standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    return mdl.tensor(a, dtype=mdl.float64, requires_grad=True, device=device)


def made_by(out, cls):
    """``out``, after checking that the op under test (``cls``) produced it."""
    assert isinstance(out.creator, cls), f"expected a {cls.__name__} node, got {type(out.creator).__name__}"
    return out


def check2(fn, *inputs):
    assert gradgradcheck(fn, inputs)


def test_every_array_style_op_has_a_backward_graph():
    missing = []
    for info in pkgutil.iter_modules(ops.__path__):
        module = importlib.import_module(f"minidl.ops.{info.name}")
        for name, cls in vars(module).items():
            if (inspect.isclass(cls) and issubclass(cls, Function) and cls.__module__ == module.__name__
                    and not cls._ctx_style and "backward" in cls.__dict__ and "backward_graph" not in cls.__dict__):
                missing.append(f"{info.name}.{name}")
    assert not missing, f"ops whose second derivative raises: {missing}"


# --- elementwise --------------------------------------------------------------------------------


def test_sin_cos(rng, device):
    a = t(rng, 3, 5, device=device)
    check2(lambda x: made_by(mdl.sin(x), elementwise.Sin), a)
    check2(lambda x: made_by(mdl.cos(x), elementwise.Cos), a)
    check2(lambda x: mdl.sin(mdl.cos(x)) * x, a)


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "sign"])
def test_piecewise_constant_ops(rng, device, name):
    a = t(rng, 3, 5, device=device)
    op = getattr(mdl.Tensor, name)
    check2(lambda x: made_by(op(x), elementwise.Piecewise) * x ** 2, a)
    g, = grad(op(a).sum(), a, create_graph=True)          # a constant zero, as PyTorch's zeros_like(grad)
    assert not g.requires_grad and not g.numpy().any()


@pytest.mark.parametrize("bounds", [(-0.5, 0.6), (-0.3, None), (None, 0.2)])
def test_clamp_scalar(rng, device, bounds):
    a = t(rng, 4, 5, device=device)
    check2(lambda x: made_by(mdl.clamp(x, *bounds), elementwise.ClampScalar) ** 2, a)


def test_clamp_passes_the_gradient_at_its_bounds_under_create_graph():
    x = mdl.tensor([-1.0, -0.5, 0.0, 0.6, 2.0], dtype=mdl.float64, requires_grad=True)
    gy = mdl.tensor(np.ones(5), requires_grad=True)
    g, = grad(mdl.clamp(x, -0.5, 0.6), x, gy, create_graph=True)
    assert g.numpy().tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]
    gg, = grad(g.sum(), gy)
    assert gg.numpy().tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4))])
def test_where(rng, device, shapes):
    a, b = t(rng, *shapes[0], device=device), t(rng, *shapes[1], device=device)
    check2(lambda x, y: made_by(mdl.where(x > 0, x * y, y ** 2), elementwise.Where), a, b)
    check2(lambda x: mdl.where(x < 0.3, x ** 3, 0.5), a)


def test_where_gradient_is_exactly_zero_where_not_chosen_even_for_infinite_gradients():
    x = mdl.tensor([1.0, 2.0], dtype=mdl.float64, requires_grad=True)
    gy = mdl.tensor([np.inf, 3.0], dtype=mdl.float64, requires_grad=True)
    g, = grad(mdl.where(mdl.tensor([False, True]), x, 0.0), x, gy, create_graph=True)
    assert g.numpy().tolist() == [0.0, 3.0] and g.requires_grad


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_rounded_divide(rng, device, mode):
    a, b = t(rng, 3, 4, device=device), t(rng, 4, device=device, positive=True)
    check2(lambda x, y: made_by(mdl.div(x, y, rounding_mode=mode), elementwise.RoundedDivide) * x * y, a, b)


def test_floor_divide_has_no_derivative_under_create_graph_either(rng):
    a, b = t(rng, 3), t(rng, 3, positive=True)
    y = made_by(mdl.floor_divide(a, b), elementwise.FloorDivide)
    with pytest.raises(RuntimeError, match="derivative for 'floor_divide' is not implemented"):
        grad(y.sum(), a, create_graph=True)


def test_remainder(rng, device):
    a, b = t(rng, 3, 4, device=device), t(rng, 3, 4, device=device, positive=True)
    check2(lambda x, y: made_by(mdl.remainder(x, y), elementwise.Remainder) ** 2, a, b)
    check2(lambda x: mdl.remainder(x, 0.7) * x, a)


# --- extrema --------------------------------------------------------------------------------------


def test_gather(rng, device):
    a = t(rng, 3, 5, device=device)
    index = mdl.tensor(np.array([[0, 4, 4], [1, 1, 2], [3, 0, 3]]), device=device)   # repeats add up
    check2(lambda x: made_by(mdl.gather(x, 1, index), extrema.Gather) ** 2, a)
    index0 = mdl.tensor(np.array([[2, 0, 1, 1, 2], [0, 0, 2, 1, 1]]), device=device)
    check2(lambda x: mdl.gather(x, 0, index0) * mdl.gather(x, 0, index0[::-1]), a)


def test_values_picked_along_a_dim(rng, device):
    a = t(rng, 3, 4, 5, device=device)
    check2(lambda x: made_by(x.max(1, keepdim=True)[0], extrema.Gather) ** 2, a)
    check2(lambda x: x.max(1)[0] ** 2, a)
    check2(lambda x: x.min(2, keepdim=True)[0] ** 2, a)
    check2(lambda x: x.sort(0)[0] ** 3, a)
    check2(lambda x: x.topk(2, dim=-1)[0] ** 3, a)


@pytest.mark.parametrize("dims", [None, 1, (0, 2)])
def test_min_reduction(rng, device, dims):
    a = t(rng, 3, 4, 5, device=device)
    if dims is None:
        check2(lambda x: made_by(mdl.min(x), extrema.Min) ** 2, a)
    else:
        check2(lambda x: made_by(mdl.amin(x, dims), extrema.Min) ** 2, a)
        check2(lambda x: mdl.amin(x, dims, keepdim=True) ** 2 * x, a)


def test_gather_third_derivative(rng):
    """The gradient ops of gather (scatter-add, then indexing) are themselves differentiable."""
    x = t(rng, 3, 4)
    index = mdl.tensor(np.array([[0, 3], [2, 2], [1, 0]]))

    def fn(a):
        gx, = grad((mdl.gather(a, 1, index) ** 3).sum(), a, create_graph=True)
        return gx
    check2(fn, x)


# --- in-place ops recorded in the graph -----------------------------------------------------------


def test_fill(rng, device):
    def fn(x):
        y = x * 2.0
        y.fill_(1.5)
        made_by(y, inplace.Fill)
        return y * x + x ** 2
    check2(fn, t(rng, 3, 4, device=device))


@pytest.mark.parametrize("src_shape", [(3, 4), (4,)])
def test_copy(rng, device, src_shape):
    def fn(x, z):
        y = x * 2.0
        y.copy_(z ** 2)
        made_by(y, inplace.CopyFrom)
        return y * x
    check2(fn, t(rng, 3, 4, device=device), t(rng, *src_shape, device=device))


@pytest.mark.parametrize("index,value_shape", [((slice(1, None), slice(None, None, 2)), (2, 2)),
                                               ((slice(None), 1), (1,)),
                                               (([0, 2],), (2, 4))])
def test_setitem(rng, device, index, value_shape):
    def fn(x, z):
        y = x * 1.5
        y[index] = z ** 2
        made_by(y, inplace.SetItem)
        return y ** 2
    check2(fn, t(rng, 3, 4, device=device), t(rng, *value_shape, device=device))


# --- layout ---------------------------------------------------------------------------------------


def test_expand(rng, device):
    a = t(rng, 3, 1, device=device)
    check2(lambda x: made_by(x.expand(2, 3, 4), layout.Expand) ** 2, a)


@pytest.mark.parametrize("reps", [(2, 3), (2, 1, 3)])
def test_repeat(rng, device, reps):
    a = t(rng, 3, 4, device=device)
    check2(lambda x: made_by(x.repeat(*reps), layout.Repeat) ** 2, a)


def test_clone_flip_and_device_move(rng, device):
    a = t(rng, 2, 3, 4, device=device)
    check2(lambda x: made_by(x.clone(), layout.Clone) * x, a)
    check2(lambda x: made_by(mdl.flip(x, (0, 2)), layout.Flip) * x, a)
    check2(lambda x: made_by(layout.ToDevice.apply(x, device="cpu"), layout.ToDevice) ** 2, a)


# --- maximum / minimum ties -----------------------------------------------------------------------


@pytest.mark.parametrize("op,cls", [(mdl.maximum, math_ops.MaximumSplit), (mdl.minimum, math_ops.MinimumSplit)])
def test_maximum_minimum_split_ties_under_create_graph(op, cls):
    a = mdl.tensor([1.0, 2.0, 3.0], dtype=mdl.float64, requires_grad=True)
    b = mdl.tensor([1.0, 0.0, 5.0], dtype=mdl.float64, requires_grad=True)
    gy = mdl.tensor(np.ones(3), requires_grad=True)
    ga, gb = grad(made_by(op(a, b), cls), (a, b), gy, create_graph=True)
    wins = [1.0, 0.0] if op is mdl.maximum else [0.0, 1.0]
    assert ga.numpy().tolist() == [0.5, wins[0], wins[1]]
    assert gb.numpy().tolist() == [0.5, wins[1], wins[0]]
    gg, = grad((ga * 2 + gb).sum(), gy)   # d/d(grad_output): the shares themselves
    assert gg.numpy().tolist() == [1.5, 2 * wins[0] + wins[1], 2 * wins[1] + wins[0]]


# --- statistics -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), (0, True), (-1, True)])
def test_prod(rng, device, dim, keepdim):
    a = t(rng, 3, 4, 5, device=device)
    if dim is None:
        check2(lambda x: made_by(mdl.prod(x[:2, :2]), statistics.Prod), a)
    else:
        check2(lambda x: made_by(mdl.prod(x, dim, keepdim=keepdim), statistics.Prod) ** 2, a)


def test_prod_with_zeros_is_exact(rng):
    """One and two zeros in a row: the product of the others has no division by the zero."""
    data = rng.standard_normal((3, 4))
    data[0, 1] = 0.0
    data[1, 0] = data[1, 3] = 0.0
    a = mdl.tensor(data, dtype=mdl.float64, requires_grad=True)
    check2(lambda x: mdl.prod(x, 1), a)
    g, = grad(mdl.prod(a, 1).sum(), a, create_graph=True)
    h, = grad(g[1, 0], a)   # g[1, 0] = x11 x12 x13, so only d/dx13 = x11 x12 is non-zero (x13 = 0)
    expected = np.zeros((3, 4))
    expected[1, 3] = data[1, 1] * data[1, 2]
    np.testing.assert_allclose(h.numpy(), expected, rtol=1e-12)


def test_prod_third_derivative(rng):
    x = t(rng, 2, 4)

    def fn(a):
        ga, = grad(mdl.prod(a, 1).sum(), a, create_graph=True)
        return ga
    check2(fn, x)


@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": (0, 2), "keepdim": True}, {"dim": 2, "correction": 0}])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std(rng, device, name, kwargs):
    a = t(rng, 3, 4, 5, device=device)
    op = getattr(mdl, name)
    check2(lambda x: made_by(op(x, **kwargs), statistics.Var), a)
    check2(lambda x: op(x, **kwargs) * op(x, **kwargs), a)


@pytest.mark.parametrize("dim,keepdim", [(1, False), ((0, 2), True), (-1, False)])
def test_logsumexp(rng, device, dim, keepdim):
    a = t(rng, 3, 4, 5, device=device)
    check2(lambda x: made_by(mdl.logsumexp(x, dim, keepdim=keepdim), statistics.LogSumExp), a)
    check2(lambda x: mdl.logsumexp(x * x, dim, keepdim=keepdim) ** 2, a)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum(rng, device, dim):
    a = t(rng, 3, 4, 2, device=device)
    check2(lambda x: made_by(mdl.cumsum(x, dim), statistics.CumSum) ** 2, a)
