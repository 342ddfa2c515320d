"""Second derivatives of every differentiable op: float64 ``gradgradcheck`` (finite differences of
the gradients computed with ``create_graph=True``), plus create_graph/grad semantics."""
import itertools

import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F
from minidl.autograd import grad, gradgradcheck
from minidl.ops.math import Cast
from minidl.ops.reduction import Max, _norm_axis
from minidl.ops.shape import Transpose

# Internal op classes stand in for Tensor methods whose signatures change to PyTorch's on another branch
# (transpose(d0, d1), max(dim) -> (values, indices)); the ops checked are the same.

DEVICES = ["cpu", pytest.param("gpu", marks=pytest.mark.gpu)]


@pytest.fixture(params=DEVICES)
def device(request):
    return request.param


def t(rng, *shape, device="cpu", positive=False):
    a = rng.standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    return mdl.tensor(a, dtype=mdl.float64, requires_grad=True, device=device)


def check2(fn, *inputs):
    assert gradgradcheck(fn, inputs)


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5))])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_binary_ops(rng, device, op, shapes):
    a = t(rng, *shapes[0], device=device, positive=op in ("pow", "div"))
    b = t(rng, *shapes[1], device=device, positive=op in ("pow", "div"))
    fn = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
          "div": lambda x, y: x / y, "pow": lambda x, y: x ** y,
          "maximum": mdl.maximum, "minimum": mdl.minimum}[op]
    check2(fn, a, b)


def test_scalar_operands_and_neg(rng, device):
    a = t(rng, 3, 4, device=device, positive=True)
    check2(lambda x: 2.0 - x * 3.0 + 1.0 / x - x / 4.0 + x ** 2.5 + 2.0 ** x + x ** 1, a)
    check2(lambda x: -x, a)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "leaky_relu", "clip",
                                  "cast"])
def test_unary_ops(rng, device, name):
    a = t(rng, 3, 5, device=device, positive=name in ("log", "sqrt"))
    fn = {"exp": mdl.exp, "log": mdl.log, "sqrt": mdl.sqrt, "abs": mdl.abs, "relu": F.relu,
          "sigmoid": F.sigmoid, "tanh": F.tanh, "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
          "clip": lambda x: x.clip(-0.5, 0.6),
          "cast": lambda x: Cast.apply(x, dtype=np.dtype("float64")) * x}[name]
    # the piecewise-linear ones have a zero second derivative; the check still covers d/d(grad_output)
    check2(fn, a)


@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                                    ((2, 3, 4), (4, 2)), ((2, 1, 3, 4), (5, 4, 2))])
def test_matmul(rng, device, shapes):
    check2(lambda x, y: x @ y, t(rng, *shapes[0], device=device), t(rng, *shapes[1], device=device))


@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, True), ((0, 2), False)])
@pytest.mark.parametrize("reduce", ["sum", "mean", "max"])
def test_reductions(rng, device, reduce, axis, keepdims):
    a = t(rng, 3, 4, 5, device=device)
    if reduce == "max":
        check2(lambda x: Max.apply(x, axes=_norm_axis(axis, x.ndim), keepdims=keepdims) ** 2, a)
    else:
        check2(lambda x: getattr(x, reduce)(axis=axis, keepdims=keepdims) ** 2, a)


def test_shape_ops(rng, device):
    a = t(rng, 2, 3, 4, device=device)
    check2(lambda x: x.reshape(4, 6) ** 2, a)
    check2(lambda x: Transpose.apply(x, axes=(2, 0, 1)) ** 2, a)
    check2(lambda x: Transpose.apply(x, axes=None) * Transpose.apply(x, axes=None), a)
    check2(lambda x: F.flatten(x) ** 2, a)
    check2(lambda x: x[1, :, ::2] ** 2, a)
    check2(lambda x: x[np.array([0, 1, 1, 0])] ** 2, a)
    check2(lambda x: x[:, [2, 0, 2]] ** 2, a)
    check2(lambda x: F.pad(x, (1, 2, 0, 1)) ** 2, a)
    b = t(rng, 2, 1, 4, device=device)
    check2(lambda x, y: mdl.concat([x, y, x], axis=1) ** 2, a, b)
    c = t(rng, 2, 3, 4, device=device)
    check2(lambda x, y: mdl.stack([x, y], axis=-1) ** 2, a, c)


@pytest.mark.parametrize("axis", [0, -1])
def test_softmax_family(rng, device, axis):
    a = t(rng, 3, 4, device=device)
    check2(lambda x: F.softmax(x, axis), a)
    check2(lambda x: F.log_softmax(x, axis), a)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy(rng, device, reduction, smoothing):
    a = t(rng, 5, 4, device=device)
    target = np.array([0, 3, 1, 1, 2])
    check2(lambda x: F.cross_entropy(x, target, reduction=reduction, label_smoothing=smoothing), a)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_and_mse(rng, device, reduction):
    a = t(rng, 5, 4, device=device)
    check2(lambda x: F.nll_loss(F.log_softmax(x, 1), np.array([0, 3, 1, 1, 2]), reduction=reduction), a)
    check2(lambda x: F.nll_loss(x * x, np.array([0, 3, 1, 1, 2]), reduction=reduction), a)
    b = t(rng, 5, 4, device=device)
    check2(lambda x, y: F.mse_loss(x, y, reduction=reduction), a, b)


def test_linear(rng, device):
    check2(F.linear, t(rng, 4, 3, device=device), t(rng, 5, 3, device=device), t(rng, 5, device=device))
    check2(lambda x, w: F.linear(x, w), t(rng, 2, 4, 3, device=device), t(rng, 5, 3, device=device))


CONV_CASES = [
    # (N, C, H, W), (O, kh, kw), stride, padding, dilation, groups
    ((2, 3, 6, 5), (4, 3, 3), 1, 0, 1, 1),
    ((2, 3, 7, 6), (4, 3, 3), 2, 1, 1, 1),
    ((1, 2, 7, 8), (3, 1, 2), (2, 1), (0, 1), 1, 1),
    ((2, 2, 8, 7), (2, 3, 3), 1, 2, 2, 1),
    ((2, 4, 5, 5), (6, 3, 3), 1, 1, 1, 2),
    ((1, 4, 7, 7), (4, 3, 3), 2, 1, 1, 4),   # depthwise
]


@pytest.mark.parametrize("algorithm", ["im2col", "direct"])
@pytest.mark.parametrize("case", CONV_CASES, ids=[str(i) for i in range(len(CONV_CASES))])
def test_conv2d(rng, device, case, algorithm):
    xs, (o, kh, kw), stride, padding, dilation, groups = case
    x = t(rng, *xs, device=device)
    w = t(rng, o, xs[1] // groups, kh, kw, device=device)
    b = t(rng, o, device=device)
    with mdl.using_config(conv_algorithm=algorithm):   # direct applies to stride-1 layers
        check2(lambda a, ww, bb: F.conv2d(a, ww, bb, stride, padding, dilation, groups), x, w, b)


def test_conv2d_chunked_over_the_batch(rng):
    x, w = t(rng, 3, 2, 5, 5), t(rng, 3, 2, 3, 3)
    with mdl.using_config(im2col_budget_mb=1e-6):   # one image's columns per chunk
        check2(lambda a, ww: F.conv2d(a, ww, None, 2, 1), x, w)


def test_conv2d_third_order(rng):
    """The double-backward ops are differentiable themselves: a third derivative through conv2d."""
    x, w = t(rng, 1, 2, 4, 4), t(rng, 2, 2, 2, 2)

    def fn(a, ww):
        y = F.conv2d(a, ww, None, 1, 1)
        gx, = grad((y * y).sum(), a, create_graph=True)
        return gx
    assert gradgradcheck(fn, (x, w))


POOL_CASES = [c for c in itertools.product([(2, 2), (3, 2)], [None, 1], [0, 1], [False, True])
              if c[2] <= min(c[0]) // 2]


@pytest.mark.parametrize("kernel,stride,padding,ceil_mode", POOL_CASES)
def test_max_pool2d(rng, device, kernel, stride, padding, ceil_mode):
    x = t(rng, 2, 2, 5, 6, device=device)
    check2(lambda a: F.max_pool2d(a, kernel, stride, padding, ceil_mode=ceil_mode) ** 2, x)


@pytest.mark.parametrize("kernel,stride,padding,ceil_mode", POOL_CASES)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d(rng, device, kernel, stride, padding, ceil_mode, count_include_pad):
    x = t(rng, 2, 2, 5, 6, device=device)
    check2(lambda a: F.avg_pool2d(a, kernel, stride, padding, ceil_mode, count_include_pad) ** 2, x)


@pytest.mark.parametrize("output_size", [1, 2, (3, 2), (7, 5)])
def test_adaptive_avg_pool2d(rng, device, output_size):
    check2(lambda a: F.adaptive_avg_pool2d(a, output_size) ** 2, t(rng, 2, 3, 7, 5, device=device))


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 3, 2), (3, 2, 5)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm(rng, device, shape, training):
    x = t(rng, *shape, device=device)
    w, b = t(rng, shape[1], device=device), t(rng, shape[1], device=device)
    rm = mdl.tensor(rng.standard_normal(shape[1]), device=device)
    rv = mdl.tensor(np.abs(rng.standard_normal(shape[1])) + 0.5, device=device)
    rm0, rv0 = rm.numpy().copy(), rv.numpy().copy()

    def fn(a, ww, bb):
        rm.data[...] = rm.xp.asarray(rm0)
        rv.data[...] = rv.xp.asarray(rv0)
        return F.batch_norm(a, rm, rv, ww, bb, training=training)
    check2(fn, x, w, b)
    check2(lambda a: F.batch_norm(a, None, None, training=True), x)


def test_dropout(rng, device):
    x = t(rng, 4, 6, device=device)

    def fn(a):
        mdl.manual_seed(7)
        return F.dropout(a, 0.4, training=True) ** 2
    check2(fn, x)


def test_gradgradcheck_catches_a_wrong_second_derivative(rng):
    class BadSquare(mdl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 2 * x.detach() * x.detach() / x.detach()  # right value, but constant in x
    x = t(rng, 3)
    assert mdl.autograd.gradcheck(lambda a: BadSquare.apply(a), (x,))
    with pytest.raises(mdl.GradcheckError):
        gradgradcheck(lambda a: BadSquare.apply(a), (x,))
    assert gradgradcheck(lambda a: BadSquare.apply(a), (x,), raise_exception=False) is False


# --- semantics of create_graph / grad -----------------------------------------------------


def test_hessian_vector_product_matches_the_hessian(rng):
    a = rng.standard_normal((4, 4))
    A = a @ a.T
    x = mdl.tensor(rng.standard_normal(4), requires_grad=True)
    v = rng.standard_normal(4)
    f = (x @ mdl.tensor(A) @ x) / 2 + (x ** 3).sum()          # Hessian A + diag(6x)
    g, = grad(f, x, create_graph=True)
    hv, = grad(g, x, grad_outputs=mdl.tensor(v))
    np.testing.assert_allclose(hv.numpy(), A @ v + 6 * x.numpy() * v, rtol=1e-10)


def test_backward_create_graph_makes_grad_differentiable():
    x = mdl.tensor([1.0, 2.0], dtype=mdl.float64, requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    g = x.grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


def test_retain_graph_defaults_to_create_graph():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    grad(y, x, create_graph=True)
    grad(y, x)                     # the graph was kept by create_graph
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        grad(y, x)


def test_grad_leaves_dot_grad_alone_and_returns_a_tuple():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    out = grad((x * x).sum(), [x])
    assert isinstance(out, tuple) and len(out) == 1 and x.grad is None
    np.testing.assert_allclose(out[0].numpy(), [2.0, 4.0])


def test_grad_of_unused_input():
    x = mdl.tensor([1.0], requires_grad=True)
    z = mdl.tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        grad(y, [x, z], retain_graph=True)
    gx, gz = grad(y, [x, z], allow_unused=True, retain_graph=True)
    assert gz is None and gx.item() == 2.0
    gx, gz = grad(y, [x, z], materialize_grads=True)
    assert gz.numpy().tolist() == [0.0]


def test_grad_with_respect_to_an_intermediate_and_several_outputs():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y1, y2 = (h * h).sum(), h.sum()
    gh, gx = grad([y1, y2], [h, x])
    np.testing.assert_allclose(gh.numpy(), 2 * h.numpy() + 1)
    np.testing.assert_allclose(gx.numpy(), 3 * (2 * h.numpy() + 1))


def test_backward_inputs_restricts_accumulation():
    x = mdl.tensor([1.0], requires_grad=True)
    w = mdl.tensor([2.0], requires_grad=True)
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None and w.grad.item() == 1.0


def test_gradient_penalty_trains_through_a_small_convnet(rng):
    """WGAN-GP style: the penalty's gradient w.r.t. the weights goes through conv2d's double backward."""
    w = mdl.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    x = mdl.tensor(rng.standard_normal((2, 2, 6, 6)), requires_grad=True)

    def penalty(weight):
        out = F.relu(F.conv2d(x, weight, None, 1, 1)).sum()
        gx, = grad(out, x, create_graph=True)
        return ((gx * gx).sum() - 1) ** 2
    p = penalty(w)
    gw, = grad(p, w)
    # check against finite differences along a random direction
    d = rng.standard_normal(w.shape)
    eps = 1e-6
    plus = penalty(mdl.tensor(w.numpy() + eps * d, requires_grad=True)).item()
    minus = penalty(mdl.tensor(w.numpy() - eps * d, requires_grad=True)).item()
    assert (gw.numpy() * d).sum() == pytest.approx((plus - minus) / (2 * eps), rel=1e-5)


def test_a_graph_of_raw_ops_under_create_graph_stays_float32():
    x = mdl.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    g, = grad((x.exp() * x).sum(), x, create_graph=True)
    assert g.dtype == np.float32


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "global_avg_pool", "getitem",
                                  "sum", "softmax", "cross_entropy", "batch_norm", "linear"])
def test_third_order(rng, name):
    """The ops that only the gradients use (scatter/gather, pooling adjoints, broadcasts) are differentiable
    too: gradgradcheck of a first derivative checks third derivatives."""
    fn = {"max_pool2d": lambda a: F.max_pool2d(a, 2, 1) ** 3,
          "avg_pool2d": lambda a: F.avg_pool2d(a, 3, 2, 1) ** 3,
          "adaptive_avg_pool2d": lambda a: F.adaptive_avg_pool2d(a, (3, 2)) ** 3,
          "global_avg_pool": lambda a: F.adaptive_avg_pool2d(a, 1) ** 3,
          "getitem": lambda a: a[:, [1, 0, 1]] ** 3,
          "sum": lambda a: a.sum(axis=1) ** 3,
          "softmax": lambda a: F.softmax(a.reshape(2, -1), 1),
          "cross_entropy": lambda a: F.cross_entropy(a.reshape(2, -1), np.array([1, 4])),
          "batch_norm": lambda a: F.batch_norm(a, None, None, training=True) ** 2,
          "linear": lambda a: F.linear(a.reshape(2, -1), a.reshape(-1, 15)[:, :15]) ** 2}[name]
    x = t(rng, 1, 2, 5, 3)

    def first(a):
        g, = grad(fn(a).sum(), a, create_graph=True)
        return g
    assert gradgradcheck(first, (x,))


def test_fast_path_never_builds_a_differentiable_backward(monkeypatch):
    """Without create_graph the array backward alone runs: no backward_graph, no Tensor per gradient."""
    from minidl.autograd.function import Function

    def refuse(self, g):
        raise AssertionError(f"{type(self).__name__}.backward_graph ran on the fast path")
    import minidl.ops.activation as act
    import minidl.ops.conv as conv
    import minidl.ops.math as math_ops
    for cls in (math_ops.Mul, math_ops.Add, conv.Conv2d, conv.Linear, act.ReLU, Function):
        monkeypatch.setattr(cls, "backward_graph", refuse)
    x = mdl.randn(2, 3, 6, 6, requires_grad=True)
    w = mdl.randn(4, 3, 3, 3, requires_grad=True)
    y = F.relu(F.conv2d(x, w, None, 1, 1)).reshape(2, -1)
    loss = (F.linear(y, mdl.randn(5, 144, requires_grad=True)) * 2 + 1).sum()
    loss.backward()
    assert x.grad is not None and w.grad is not None


def test_double_backprop_through_nn_layers(rng):
    """A gradient penalty on a small CNN built from nn layers (conv, batch norm, pooling, dropout, linear)."""
    import minidl.nn as nn
    mdl.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Dropout(0.3), nn.Flatten(), nn.Linear(12, 2), nn.Tanh()).double()
    x = mdl.tensor(rng.standard_normal((3, 2, 4, 4)), requires_grad=True)
    params = list(model.parameters())

    def penalty():
        mdl.manual_seed(1)                     # the same dropout mask each time
        out = model(x).sum()
        gx, = grad(out, x, create_graph=True)
        return (gx * gx).sum()
    p = penalty()
    grads = grad(p, params)
    direction = [rng.standard_normal(q.shape) for q in params]
    analytic = sum(float((g.numpy() * d).sum()) for g, d in zip(grads, direction))
    eps = 1e-6
    values = []
    for sign in (1, -1):
        with mdl.no_grad():
            for q, d in zip(params, direction):
                q.data += sign * eps * d
        values.append(penalty().item())
        with mdl.no_grad():
            for q, d in zip(params, direction):
                q.data -= sign * eps * d
    assert analytic == pytest.approx((values[0] - values[1]) / (2 * eps), rel=1e-5, abs=1e-8)
