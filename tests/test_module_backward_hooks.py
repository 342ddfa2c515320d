"""nn.Module.register_full_backward_hook / register_full_backward_pre_hook / register_backward_hook."""
import numpy as np

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
    lin.register_backward_hook(lambda m, gi, go: calls.append((gi, tuple(go[0].shape))))
    lin(minidl.randn(4, 3)).sum().backward()
    assert calls == [((None,), (4, 2))]


def test_pre_hook_replaces_grad_output_in_order():
    lin, x = _setup()
    order = []
    lin.register_full_backward_pre_hook(lambda m, go: order.append("pre") or (go[0] * 0,))
    lin.register_full_backward_hook(lambda m, gi, go: order.append("hook"))
    lin(x).sum().backward()
    assert order == ["pre", "hook"]
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((4, 3), np.float32))
    np.testing.assert_array_equal(lin.weight.grad.numpy(), np.zeros((2, 3), np.float32))
