"""nn.Module.register_full_backward_hook / register_full_backward_pre_hook / register_backward_hook."""
import numpy as np
import pytest

import minidl
import minidl.nn as nn


def _setup():
    minidl.manual_seed(0)
    return nn.Linear(3, 2), minidl.randn(4, 3, requires_grad=True)


def test_hook_sees_grad_input_and_grad_output_and_can_replace():
    lin, x = _setup()
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append((module, [tuple(g.shape) for g in grad_input], [tuple(g.shape) for g in grad_output]))
        return (grad_input[0] * 2,)

    handle = lin.register_full_backward_hook(hook)
    y = lin(x)
    (y ** 2).sum().backward()
    assert seen == [(lin, [(4, 3)], [(4, 2)])]
    doubled = x.grad.numpy().copy()
    # reference without the hook: the hook doubled grad_input
    handle.remove()
    x.grad = None
    (lin(x) ** 2).sum().backward()
    np.testing.assert_allclose(doubled, 2 * x.grad.numpy(), rtol=1e-6)
    w = lin.weight.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), (2 * lin(x).detach().numpy()) @ w, rtol=1e-5)


def test_hook_fires_when_no_input_requires_grad():
    lin, _ = _setup()
    calls = []
    lin.register_full_backward_hook(lambda m, gi, go: calls.append((gi, tuple(go[0].shape))))
    with pytest.warns(UserWarning, match="^Full backward hook is firing when gradients are computed with respect "
                                         "to module outputs since no inputs require gradients"):
        lin(minidl.randn(4, 3)).sum().backward()
    assert calls == [((None,), (4, 2))]


def _shapes(grads):
    return tuple(None if g is None else tuple(g.shape) for g in grads)


def test_deprecated_backward_hook_sees_the_output_nodes_gradients_as_pytorch():
    """``register_backward_hook`` (non-full) hooks the grad_fn of the module's output, as torch 2.13: a Linear's
    hook sees AddmmBackward0's (bias, input, weight.t()) gradients, a Conv2d's (input, weight, bias); what it
    returns replaces them; it warns (FutureWarning) that the forward has more than one node; it cannot be mixed
    with full hooks. The expected shapes and values were printed by torch 2.13 for the same calls."""
    lin, _ = _setup()
    calls = []
    lin.register_backward_hook(lambda m, gi, go: calls.append((_shapes(gi), tuple(go[0].shape))))
    with pytest.warns(FutureWarning, match="forward contains multiple autograd Nodes"):
        lin(minidl.randn(4, 3)).sum().backward()
    lin(minidl.randn(4, 3, requires_grad=True)).sum().backward()
    assert calls == [(((2,), None, (3, 2)), (4, 2)), (((2,), (4, 3), (3, 2)), (4, 2))]
    conv = nn.Conv2d(2, 3, 3)
    conv.register_backward_hook(lambda m, gi, go: calls.append((_shapes(gi), tuple(go[0].shape))))
    calls.clear()
    conv(minidl.randn(1, 2, 5, 5, requires_grad=True)).sum().backward()
    assert calls == [(((1, 2, 5, 5), (3, 2, 3, 3), (3,)), (1, 3, 3, 3))]
    scaled = nn.Conv2d(2, 3, 3)
    scaled.register_backward_hook(lambda m, gi, go: (gi[0] * 0, gi[1], gi[2] * 2))
    inp = minidl.randn(1, 2, 5, 5, requires_grad=True)
    scaled(inp).sum().backward()
    assert inp.grad.abs().sum().item() == 0.0 and scaled.bias.grad.tolist() == [18.0] * 3
    with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and full backward hooks"):
        scaled.register_full_backward_hook(lambda *a: None)
    no_bias = nn.Linear(3, 2, bias=False)
    no_bias.register_backward_hook(lambda m, gi, go: calls.append(_shapes(gi)) or (gi[0], gi[1] * 0))
    calls.clear()
    no_bias(minidl.randn(4, 3, requires_grad=True)).sum().backward()
    assert calls == [((4, 3), (3, 2))] and no_bias.weight.grad.abs().sum().item() == 0.0


def test_grad_fn_hooks_and_prehooks():
    """``grad_fn.register_hook(fn(grad_inputs, grad_outputs))`` and ``register_prehook(fn(grad_outputs))``: the
    pre-hook's replacement flows on (y.grad tripled, torch 2.13's 44.3343), the handles remove them."""
    y = minidl.ones(3, requires_grad=True)
    z = (y * 2).exp()
    seen = []
    h = z.grad_fn.register_hook(lambda gi, go: seen.append((_shapes(gi), _shapes(go))))
    p = z.grad_fn.register_prehook(lambda go: (go[0] * 3,))
    z.sum().backward()
    assert seen == [(((3,),), ((3,),))]
    np.testing.assert_allclose(y.grad.numpy(), [44.3343] * 3, rtol=1e-5)
    h.remove()
    p.remove()
    y.grad = None
    (y * 2).exp().sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [14.7781] * 3, rtol=1e-5)
    w = minidl.ones(2, requires_grad=True)
    out = (w * 3).sum()
    out.grad_fn.register_hook(lambda gi, go: (gi[0] * 10,))
    out.backward()
    assert w.grad.tolist() == [30.0, 30.0]


def test_pre_hook_replaces_grad_output_in_order():
    lin, x = _setup()
    order = []
    lin.register_full_backward_pre_hook(lambda m, go: order.append("pre") or (go[0] * 0,))
    lin.register_full_backward_hook(lambda m, gi, go: order.append("hook"))
    lin(x).sum().backward()
    assert order == ["pre", "hook"]
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((4, 3), np.float32))
    np.testing.assert_array_equal(lin.weight.grad.numpy(), np.zeros((2, 3), np.float32))
