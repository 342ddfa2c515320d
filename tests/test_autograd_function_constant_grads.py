"""A custom Function's backward recorded under ``create_graph=True`` gives PyTorch's ``requires_grad``: a gradient
computed from nothing that requires grad (the double-backward tutorial's "what NOT to do" Sinh, which keeps its
intermediates on ``ctx``; a linear function's backward of a constant incoming gradient) is a constant, as in
torch 2.13 (checked there by hand: ``grad_x.requires_grad`` False, ``grad_fn`` None), while a backward that
reads its input stays differentiable and one that leaves the graph through NumPy is still refused."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import Function, grad


class SinhOnCtx(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.expx, ctx.expnegx = mdl.exp(x), mdl.exp(-x)
        return (ctx.expx - ctx.expnegx) / 2

    @staticmethod
    def backward(ctx, grad_out):
        return grad_out * (ctx.expx + ctx.expnegx) / 2


class Double(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad_out):
        return grad_out * 2


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, grad_out):
        x, = ctx.saved_tensors
        return grad_out * 2 * x


def test_gradient_from_intermediates_kept_on_ctx_is_a_constant():
    x = mdl.tensor([[0.5, -1.0], [2.0, 0.1]], dtype=mdl.float64, requires_grad=True)
    grad_x, = grad(SinhOnCtx.apply(x).sum(), x, create_graph=True)
    assert not grad_x.requires_grad and grad_x.grad_fn is None
    np.testing.assert_allclose(grad_x.numpy(), np.cosh(x.detach().numpy()))
    with pytest.raises(RuntimeError):
        grad(grad_x.sum(), x)  # as PyTorch: nothing to differentiate


def test_linear_backward_of_a_constant_gradient_is_a_constant():
    x = mdl.tensor([1.0, 3.0], dtype=mdl.float64, requires_grad=True)
    g, = grad(Double.apply(x).sum(), x, create_graph=True)
    assert not g.requires_grad and g.tolist() == [2.0, 2.0]
    # an incoming gradient that requires grad keeps the result in the graph
    g, = grad(Double.apply(x).pow(2).sum(), x, create_graph=True)  # d/dx (2x)^2 = 8x
    assert g.requires_grad and g.tolist() == [8.0, 24.0]
    h, = grad(g.sum(), x)
    assert h.tolist() == [8.0, 8.0]


def test_backward_reading_its_input_stays_twice_differentiable():
    x = mdl.tensor([1.5, -2.0], dtype=mdl.float64, requires_grad=True)
    g, = grad(Square.apply(x).sum(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    h, = grad(g.sum(), x)
    assert h.tolist() == [2.0, 2.0]
