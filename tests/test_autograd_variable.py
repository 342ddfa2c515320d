"""``minidl.autograd.Variable``: PyTorch 2's legacy Variable, which returns a plain Tensor."""
import sys
import warnings

import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import Variable


def test_variable_returns_leaf_tensor_sharing_memory():
    t = mdl.ones(3)
    v = Variable(t, requires_grad=True)
    assert type(v) is mdl.Tensor and v is not t
    assert v.requires_grad and v.is_leaf and not t.requires_grad
    assert np.shares_memory(v.array, t.array)
    (v * v).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), [2.0, 2.0, 2.0])


def test_variable_of_graph_tensor_is_detached():
    x = mdl.ones(2, requires_grad=True)
    y = x * 2
    vy = Variable(y)
    assert not vy.requires_grad and vy.grad_fn is None
    leaf = Variable(y, requires_grad=True)
    assert leaf.requires_grad and leaf.is_leaf and leaf.grad_fn is None
    np.testing.assert_allclose(leaf.detach().numpy(), [2.0, 2.0])


def test_positional_arguments_and_defaults():
    t = mdl.zeros(2, 2)
    assert not Variable(t).requires_grad
    assert Variable(t, True).requires_grad
    empty = Variable()
    assert tuple(empty.shape) == (0,) and empty.dtype == mdl.float32


def test_isinstance_every_tensor():
    assert isinstance(mdl.zeros(1), Variable)
    assert isinstance(mdl.nn.Parameter(mdl.zeros(1)), Variable)
    assert not isinstance(3.0, Variable) and not isinstance(np.zeros(2), Variable)
    assert not issubclass(mdl.Tensor, Variable)  # as in PyTorch: only isinstance is widened


def test_volatile_warns_and_is_ignored():
    t = mdl.ones(2)
    with pytest.warns(UserWarning, match="volatile was removed and now has no effect"):
        v = Variable(t, volatile=True)
    assert not v.requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="volatile and require_grad"):
            Variable(t, requires_grad=True, volatile=True)


def test_bad_inputs():
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        Variable([1.0, 2.0])
    with pytest.raises(TypeError):
        Variable(mdl.ones(1), foo=1)
    with pytest.raises(RuntimeError, match="floating point"):
        Variable(mdl.tensor([1, 2]), requires_grad=True)


def test_module_paths():
    from minidl.autograd.variable import Variable as V2
    assert V2 is Variable
    assert "minidl.autograd.variable" in sys.modules
    with pytest.raises(RuntimeError, match="deprecated, use torch.tensor"):
        mdl.autograd.variable(1)


def test_old_style_training_step():
    """The 2017 idiom: wrap inputs and targets in Variables, train, read loss.data."""
    mdl.manual_seed(0)
    net = mdl.nn.Linear(3, 1)
    x = Variable(mdl.randn(8, 3))
    y = Variable(mdl.randn(8, 1), requires_grad=False)
    loss = ((net(x) - y) ** 2).mean()
    loss.backward()
    assert net.weight.grad is not None and isinstance(loss.data, Variable)
