"""PyTorch-style custom Functions: the tutorial examples unchanged (but for imports), ctx features,
several outputs, non-Tensor arguments, higher-order gradients, and the errors of a wrong backward."""
import math

import numpy as np
import pytest

import minidl as mdl
import minidl as torch  # the PyTorch tutorials below run with only this import changed
from minidl.autograd import Function, grad, gradcheck, gradgradcheck


# --- from the PyTorch tutorial "Learning PyTorch with Examples" (polynomial_custom_function.py) ---
class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


def _needs(*names):
    missing = [m for m in names if not hasattr(mdl.Tensor, m) and not hasattr(mdl, m)]
    return pytest.mark.skipif(bool(missing), reason=f"needs Tensor API from the torch-tensor branch: {missing}")


@_needs("float", "linspace", "sin", "full", "pow", "__isub__")
def test_legendre_tutorial_trains():
    dtype = torch.float
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)
    learning_rate = 5e-6
    for _ in range(2000):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    assert loss.item() < 20.0      # the tutorial reaches about 8.8


def test_legendre_function_fits_with_this_branch_api():
    """The same Function and loop, written with the Tensor API available on every branch."""
    x = mdl.tensor(np.linspace(-math.pi, math.pi, 2000))
    y = mdl.tensor(np.sin(x.numpy()))
    params = [mdl.tensor(v, dtype=mdl.float64, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3)]
    for _ in range(2000):
        a, b, c, d = params
        loss = ((a + b * LegendrePolynomial3.apply(c + d * x) - y) ** 2).sum()
        loss.backward()
        with mdl.no_grad():
            for p in params:
                p.data -= 5e-6 * p.grad.data
                p.grad = None
    assert loss.item() < 20.0
    assert gradgradcheck(LegendrePolynomial3.apply, (mdl.tensor([0.3, -0.7], dtype=mdl.float64,
                                                                 requires_grad=True),))


# --- from "Learning PyTorch with Examples" (two_layer_net_custom_function.py) ---
class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


# --- from the torch.autograd.Function docs: saving the output ---
class Exp(Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        result, = ctx.saved_tensors
        return grad_output * result


@_needs("clamp", "clone", "__setitem__")
def test_myrelu_tutorial():
    x = torch.randn(8, 3, dtype=torch.float64, requires_grad=True)
    y = MyReLU.apply(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (x.numpy() >= 0).astype(float))
    assert gradcheck(MyReLU.apply, (x,))


def test_exp_saving_its_output_has_all_derivatives():
    x = mdl.tensor([0.5, -1.0, 2.0], dtype=mdl.float64, requires_grad=True)
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward"
    assert "ExpBackward" in repr(y.grad_fn)
    g1, = grad(y.sum(), x, create_graph=True)
    g2, = grad(g1.sum(), x, create_graph=True)
    g3, = grad(g2.sum(), x)
    for g in (g1, g2, g3):
        np.testing.assert_allclose(g.numpy(), np.exp(x.numpy()))
    assert gradcheck(Exp.apply, (x,)) and gradgradcheck(Exp.apply, (x,))


class ScaleShift(Function):
    """Non-Tensor arguments, two outputs, one of them non-differentiable."""

    @staticmethod
    def forward(ctx, x, scale, shift, *, tag="s"):
        ctx.scale = scale
        ctx.tag = tag
        ctx.save_for_backward(x, shift)
        y = x * scale + shift
        positive = mdl.tensor((y.numpy() > 0).astype(np.float64))
        ctx.mark_non_differentiable(positive)
        return y, y * y, positive

    @staticmethod
    def backward(ctx, g_y, g_sq, g_pos):
        x, shift = ctx.saved_tensors
        assert ctx.tag == "t"
        y = x * ctx.scale + shift
        g = g_y + g_sq * 2 * y
        gx = g * ctx.scale if ctx.needs_input_grad[0] else None
        gshift = g if ctx.needs_input_grad[2] else None
        return gx, None, gshift


def test_several_outputs_and_non_tensor_arguments():
    rng = np.random.default_rng(0)
    x = mdl.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    s = mdl.tensor(rng.standard_normal(2), requires_grad=True)
    y, sq, pos = ScaleShift.apply(x, 1.5, s, tag="t")
    assert not pos.requires_grad and y.requires_grad and sq.requires_grad
    assert y.grad_fn is sq.grad_fn and y.grad_fn.next_functions[1] == (None, 0)
    assert gradcheck(lambda a, b: ScaleShift.apply(a, 1.5, b, tag="t")[:2], (x, s))
    assert gradgradcheck(lambda a, b: ScaleShift.apply(a, 1.5, b, tag="t")[:2], (x, s))
    # only one output used: the other gets a zero gradient
    (y.sum() * 2).backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((3, 2), 3.0))
    np.testing.assert_allclose(s.grad.numpy(), [6.0, 6.0])


def test_needs_input_grad_and_no_graph_when_nothing_requires_grad():
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b):
            seen.append(ctx.needs_input_grad)
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g, g

    a = mdl.tensor([1.0], requires_grad=True)
    b = mdl.tensor([2.0])
    assert Probe.apply(a, b).requires_grad
    assert not Probe.apply(b, b).requires_grad
    with mdl.no_grad():
        assert not Probe.apply(a, b).requires_grad
    assert seen[0] == (True, False)


def test_set_materialize_grads():
    received = []

    class TwoOut(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            received.append((g1 is None, g2 is None))
            return (g1 * 2 if g1 is not None else 0) + (g2 * 3 if g2 is not None else 0)

    x = mdl.tensor([1.0], requires_grad=True)
    a, _ = TwoOut.apply(x)
    a.sum().backward()
    assert received == [(False, True)] and x.grad.item() == 2.0


def test_identity_forward_returns_a_new_tensor():
    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = Identity.apply(x)
    assert y is not x and x.is_leaf and not y.is_leaf
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_setup_context_style():
    class Cube(Function):
        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x ** 2

    x = mdl.tensor([1.0, -2.0], dtype=mdl.float64, requires_grad=True)
    assert gradgradcheck(Cube.apply, (x,))


# --- errors -----------------------------------------------------------------------------------


class WrongCount(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g, g


class WrongShape(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g[:1]


def test_wrong_number_of_gradients_names_the_function():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"WrongCountBackward returned an incorrect number of gradients "
                                           r"\(expected 1, got 2\)"):
        WrongCount.apply(x).sum().backward()


def test_wrong_gradient_shape_names_the_function():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"WrongShapeBackward returned an invalid gradient at index 0.*\(1,\).*"
                                           r"\(2,\)"):
        WrongShape.apply(x).sum().backward()


def test_gradient_for_a_non_tensor_argument_is_an_error():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * 2, g

    with pytest.raises(RuntimeError, match="argument 1, which is not a Tensor"):
        Bad.apply(mdl.tensor([1.0], requires_grad=True), 2.0).sum().backward()


def test_saved_tensors_after_free():
    x = mdl.tensor([1.0], requires_grad=True)
    y = Exp.apply(x)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.grad_fn.saved_tensors
    with pytest.raises(RuntimeError, match="retain_graph=True.*ExpBackward"):
        (y * 2).sum().backward()


def test_numpy_backward_is_refused_for_a_second_derivative_not_silently_wrong():
    class NumpySquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return mdl.tensor(2 * x.numpy() * g.numpy())     # leaves the graph

    x = mdl.tensor([1.0, 3.0], dtype=mdl.float64, requires_grad=True)
    g, = grad(NumpySquare.apply(x).sum(), x, create_graph=True)   # first order still works
    np.testing.assert_allclose(g.numpy(), [2.0, 6.0])
    with pytest.raises(RuntimeError, match="NumpySquareBackward.*not differentiable.*NumpySquare.backward"):
        grad(g.sum(), x)


def test_once_differentiable():
    from minidl.autograd.function import once_differentiable

    class Sq(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    x = mdl.tensor([2.0], requires_grad=True)
    Sq.apply(x).sum().backward()
    assert x.grad.item() == 4.0
    g, = grad(Sq.apply(x).sum(), x, create_graph=True)   # the incoming gradient is a constant: so is g (PyTorch)
    assert not g.requires_grad and g.item() == 4.0
    g, = grad(Sq.apply(x), x, mdl.ones(1, requires_grad=True), create_graph=True)
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked with "
                                           "@once_differentiable"):
        g.sum().backward()


def test_array_style_op_without_backward_graph_refuses_a_second_derivative():
    """minidl's own (array-style) ops: one without backward_graph still works once, then errors clearly."""
    class Cube(Function):
        def forward(self, a):
            self.a = a
            return a ** 3

        def backward(self, g):
            return g * 3 * self.a ** 2

    x = mdl.tensor([2.0], dtype=mdl.float64, requires_grad=True)
    assert gradcheck(lambda a: Cube.apply(a), (x,))
    g, = grad(Cube.apply(x).sum(), x, create_graph=True)
    assert g.item() == 12.0
    with pytest.raises(RuntimeError, match="CubeBackward0.*backward_graph"):
        grad(g.sum(), x)


def test_forgotten_staticmethod_is_named_at_class_creation():
    with pytest.raises(TypeError, match="Forgot.forward takes ctx but is not a @staticmethod"):
        class Forgot(Function):
            def forward(ctx, x):
                return x

            def backward(ctx, g):
                return g


def test_autograd_gradcheck_is_also_a_module():
    """``from torch.autograd.gradcheck import gradcheck`` (the numpy-extensions tutorial) imports the module PyTorch
    defines the checks in, while ``torch.autograd.gradcheck`` itself stays the function."""
    from minidl.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck

    assert mdl.autograd.gradcheck is gradcheck and callable(mdl.autograd.gradcheck)
    assert mdl.autograd.gradgradcheck is gradgradcheck and issubclass(GradcheckError, RuntimeError)
    x = mdl.randn(3, dtype=mdl.float64, requires_grad=True)
    assert mdl.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
