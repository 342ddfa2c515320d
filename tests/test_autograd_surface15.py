"""PyTorch's rules for ``.grad`` assignment and reads, ``grad_dtype``, inference tensors, ``mark_dirty`` and
``autograd.grad(is_grads_batched=True)``.

Messages and results were read off PyTorch 2.13 (CPU) running these tests with ``import torch as mdl``
(a separate venv; PyTorch is not a dependency of these tests): they pass there unchanged.
"""
import warnings

import numpy as np
import pytest

import minidl as mdl


def test_reading_grad_of_a_non_leaf_warns_unless_retained():
    x = mdl.ones(3, requires_grad=True)
    y = x * 2
    with pytest.warns(UserWarning, match="The .grad attribute of a Tensor that is not a leaf Tensor is being "
                                         "accessed"):
        assert y.grad is None
    y.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad is None and x.grad is None
        y.sum().backward()
        assert y.grad.tolist() == [1.0, 1.0, 1.0] and x.grad.tolist() == [2.0, 2.0, 2.0]


def test_assigning_grad_checks_type_shape_and_dtype():
    x = mdl.ones(3, requires_grad=True)
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None but got grad of type list"):
        x.grad = [1, 2, 3]
    with pytest.raises(RuntimeError, match=r"attempting to assign a gradient of size '\[4\]' to a tensor of size "
                                           r"'\[3\]'"):
        x.grad = mdl.ones(4)
    with pytest.raises(RuntimeError, match="attempting to assign a gradient with dtype 'double' to a tensor with "
                                           "grad_dtype 'Float'"):
        x.grad = mdl.ones(3, dtype=mdl.float64)
    with pytest.raises(RuntimeError, match="dtype 'int' to a tensor with grad_dtype 'Float'"):
        x.grad = mdl.ones(3).int()
    x.grad = mdl.full((3,), 2.0)
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    x.grad = None
    assert x.grad is None
    ints = mdl.ones(3, dtype=mdl.int64)
    ints.grad = mdl.ones(3, dtype=mdl.int64)
    assert ints.grad.dtype == mdl.int64


def test_grad_dtype_none_allows_any_dtype_and_only_on_leaves():
    x = mdl.ones(3, requires_grad=True)
    assert x.grad_dtype == mdl.float32
    x.grad_dtype = None
    x.grad = mdl.ones(3, dtype=mdl.float64)
    assert x.grad.dtype == mdl.float64
    with pytest.raises(RuntimeError, match="Cannot set grad_dtype to 'Long' because there is already a gradient "
                                           "with dtype 'double'"):
        x.grad_dtype = mdl.int64
    with pytest.raises(RuntimeError, match="grad_dtype can only be set on leaf tensors."):
        (x * 2).grad_dtype = None


def test_backward_still_accumulates_after_the_checks():
    x = mdl.ones(2, 3, requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 6.0))


def test_inference_tensors_refuse_autograd_and_in_place_outside_the_mode():
    with mdl.inference_mode():
        x = mdl.ones(3)
    assert x.is_inference() and x.view(3).is_inference() and x.detach().is_inference()
    assert not x.clone().is_inference() and not (x * 2).is_inference()
    w = mdl.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        (x * w).sum()
    (x + w).sum().backward()   # addition saves nothing: allowed, as in PyTorch
    assert w.grad.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(RuntimeError, match="Setting requires_grad=True on inference tensor outside InferenceMode"):
        x.requires_grad_()
    for write in (lambda: x.add_(1), lambda: x.__setitem__(0, 2.0), lambda: x.copy_(mdl.zeros(3)),
                  lambda: x.view(3).zero_()):
        with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode"):
            write()
    before = x.numpy().copy()   # (PyTorch writes before it raises; minidl refuses before writing)
    with mdl.inference_mode():
        x.add_(1)
    np.testing.assert_allclose(x.numpy(), before + 1)
    (x.clone() * w).sum().backward()


class _ScaleInPlace(mdl.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        x.mul_(k)
        ctx.mark_dirty(x)
        ctx.save_for_backward(x)
        ctx.k = k
        return x

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors
        return g * ctx.k, None


def test_mark_dirty_returns_the_input_itself_as_the_output():
    x = mdl.ones(3, requires_grad=True)
    y = x * 1
    u = y * 3   # an earlier user of y keeps y's old graph position
    z = _ScaleInPlace.apply(y, 2)
    assert z is y and type(y.grad_fn).__name__ == "_ScaleInPlaceBackward" and y._version == 2
    (z.sum() + u.sum()).backward()
    assert x.grad.tolist() == [5.0, 5.0, 5.0]
    plain = mdl.ones(3)
    assert _ScaleInPlace.apply(plain, 2) is plain and plain.tolist() == [2.0, 2.0, 2.0]


def test_mark_dirty_on_a_leaf_that_requires_grad_raises():
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been used in an in-place "
                                           "operation."):
        _ScaleInPlace.apply(mdl.ones(3, requires_grad=True), 2)


def test_dirty_output_changed_again_refuses_the_first_backward():
    x = mdl.ones(3, requires_grad=True)
    y = x * 1
    z = _ScaleInPlace.apply(y, 2)
    w = _ScaleInPlace.apply(z, 3)
    assert w is y
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.sum().backward()


def test_is_grads_batched_matches_one_grad_per_vector():
    x = mdl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = mdl.stack([x * x, x.sum().expand(3)])
    v = mdl.tensor(np.arange(24, dtype=np.float32).reshape(4, 2, 3))
    g, = mdl.autograd.grad(y, x, v, is_grads_batched=True, retain_graph=True)
    assert tuple(g.shape) == (4, 3)
    for b in range(4):
        one, = mdl.autograd.grad(y, x, v[b], retain_graph=True)
        np.testing.assert_allclose(g[b].numpy(), one.numpy())
    h, = mdl.autograd.grad(y, x, v, is_grads_batched=True, create_graph=True)
    assert h.requires_grad
    eye, = mdl.autograd.grad(x * mdl.tensor([1.0, 2.0, 3.0]), x, mdl.eye(3), is_grads_batched=True)
    np.testing.assert_allclose(eye.numpy(), np.diag([1.0, 2.0, 3.0]))


def test_gradcheck_on_float32_warns_and_runs():
    x = mdl.ones(3, requires_grad=True)
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double precision floating point"):
        assert mdl.autograd.gradcheck(lambda t: t * 2, (x,), eps=1e-3, atol=1e-2)


class _SquareOnce(mdl.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    @mdl.autograd.function.once_differentiable
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return 2 * x * g


def test_once_differentiable_results_are_constants_unless_the_incoming_grad_requires_grad():
    x = mdl.ones(3, requires_grad=True)
    g, = mdl.autograd.grad(_SquareOnce.apply(x).sum(), x, create_graph=True)
    assert not g.requires_grad and g.grad_fn is None and g.tolist() == [2.0, 2.0, 2.0]
    v = mdl.ones(3, requires_grad=True)
    g, = mdl.autograd.grad(_SquareOnce.apply(x), x, v, create_graph=True)
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked with "
                                           "@once_differentiable"):
        g.sum().backward()


def test_jacobian_and_hessian_strategy_arguments():
    jacobian, hessian = mdl.autograd.functional.jacobian, mdl.autograd.functional.hessian
    x = mdl.tensor([1.0, 2.0])
    with pytest.raises(AssertionError, match='Expected strategy to be either "forward-mode" or "reverse-mode"'):
        jacobian(lambda t: t ** 2, x, strategy="bad")
    with pytest.raises(NotImplementedError, match="only implemented for `vectorize=True`"):
        jacobian(lambda t: t ** 2, x, strategy="forward-mode")
    with pytest.raises(NotImplementedError, match="`create_graph=True` and `strategy=\"forward-mode\"`"):
        jacobian(lambda t: t ** 2, x, strategy="forward-mode", vectorize=True, create_graph=True)
    with pytest.raises(RuntimeError, match="`strict=True` and `strategy=\"forward-mode\"`"):
        jacobian(lambda t: t ** 2, x, strategy="forward-mode", vectorize=True, strict=True)
    np.testing.assert_allclose(jacobian(lambda t: t ** 2, x, strategy="forward-mode", vectorize=True).numpy(),
                               np.diag([2.0, 4.0]))
    with pytest.raises(AssertionError, match="Expected strategy"):
        hessian(lambda t: (t ** 3).sum(), x, outer_jacobian_strategy="bad")
    with pytest.raises(NotImplementedError, match="vectorize=True"):
        hessian(lambda t: (t ** 3).sum(), x, outer_jacobian_strategy="forward-mode")
    np.testing.assert_allclose(hessian(lambda t: (t ** 3).sum(), x, outer_jacobian_strategy="forward-mode",
                                       vectorize=True).detach().numpy(), np.diag([6.0, 12.0]))
