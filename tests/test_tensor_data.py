"""``Tensor.data`` has PyTorch's meaning: a Tensor on the same array, outside the graph.

The legacy idioms of PyTorch scripts (DCGAN-style ``m.weight.data.normal_``,
hand-written SGD on ``p.data``, ``x.data.cpu().numpy()``, ``torch.max(out.data, 1)``)
must run unchanged; the backend array itself is ``Tensor.array``.
"""
import numpy as np
import pytest

import minidl as torch
import minidl.nn as nn


def test_data_is_a_detached_tensor_sharing_memory():
    w = nn.Parameter(torch.randn(3, 4))
    d = w.data
    assert type(d) is torch.Tensor and not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert d.array is w.array and np.shares_memory(d.numpy(), w.numpy())
    y = w * 2
    assert y.data.grad_fn is None and not y.data.requires_grad and y.grad_fn is not None
    np.testing.assert_array_equal(y.data.numpy(), 2 * w.detach().numpy())


def test_in_place_init_through_data_changes_the_parameter():
    torch.manual_seed(0)
    conv, bn = nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8)
    conv.weight.data.normal_(0.0, 0.02)
    bn.weight.data.fill_(1.5)
    bn.bias.data.zero_()
    conv.bias.data.copy_(torch.arange(8.0))
    w = conv.weight.detach().numpy()
    assert abs(w.std() - 0.02) < 0.006 and abs(w.mean()) < 0.006
    assert (bn.weight.detach().numpy() == 1.5).all() and (bn.bias.detach().numpy() == 0).all()
    np.testing.assert_array_equal(conv.bias.detach().numpy(), np.arange(8.0))
    assert conv.weight.requires_grad and conv.weight.is_leaf and conv.weight.grad_fn is None


def test_hand_written_sgd_on_data_equals_optim_sgd():
    torch.manual_seed(1)
    net = nn.Linear(5, 2)
    x, t = torch.randn(7, 5), torch.randn(7, 2)
    start = [p.detach().clone() for p in net.parameters()]
    ((net(x) - t) ** 2).mean().backward()
    grads = [p.grad.detach().clone() for p in net.parameters()]
    for p in net.parameters():
        p.data.sub_(p.grad.data * 0.1)           # the 60-minute blitz's update
    for p, p0, g in zip(net.parameters(), start, grads):
        np.testing.assert_allclose(p.detach().numpy(), (p0 - 0.1 * g).numpy(), rtol=1e-6)
    for p in net.parameters():                  # older scripts: p.data -= lr * p.grad.data
        p.data -= 0.1 * p.grad.data
    for p, p0, g in zip(net.parameters(), start, grads):
        np.testing.assert_allclose(p.detach().numpy(), (p0 - 0.2 * g).numpy(), rtol=1e-6)
        assert p.requires_grad and p.is_leaf


def test_conversions_and_reductions_through_data():
    out = torch.tensor([[0.1, 0.7, 0.2], [0.9, 0.05, 0.05]], requires_grad=True) * 1.0
    _, predicted = torch.max(out.data, 1)       # the CIFAR-10 tutorial
    assert predicted.tolist() == [1, 0]
    values, idx = out.data.max(1)
    assert idx.tolist() == [1, 0] and values.grad_fn is None
    np.testing.assert_array_equal(out.data.cpu().numpy(), out.detach().numpy())
    assert out.data.size() == (2, 3) and out.data.dim() == 2
    assert (predicted == torch.tensor([1, 1])).sum().item() == 1


def test_setting_data_replaces_the_array():
    w = nn.Parameter(torch.zeros(3))
    w.data = torch.ones(5, dtype=torch.float64)
    assert w.shape == (5,) and w.dtype == torch.float64 and w.requires_grad and isinstance(w, nn.Parameter)
    arr = np.full(2, 3.0, dtype=np.float32)
    w.data = arr                                # a backend array is accepted too
    assert w.array is arr
    with pytest.raises(TypeError, match="Tensor.data must be set to a Tensor, got list"):
        w.data = [1.0, 2.0]


def test_changes_through_data_are_not_recorded():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.data.mul_(0)                              # allowed: .data is outside the graph
    assert y.grad_fn is not None and y.tolist() == [0.0, 0.0]
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
