"""``inplace=True`` activations and dropouts on tensors inside the graph modify the tensor itself, as PyTorch's.

Read off PyTorch 2.13 running these statements with ``import torch`` (a separate venv; the tests pass there
unchanged, the node name asked for through ``grad_fn.name()``).
"""
import pytest

import minidl as torch

F = torch.nn.functional
MODIFIED = "modified by an inplace operation"


def test_relu_inplace_on_a_graph_tensor_returns_it_rebound():
    x = torch.tensor([-1.0, 2.0], requires_grad=True)
    h = x * 2
    u = h + 1   # an earlier user keeps h's old value
    y = F.relu(h, inplace=True)
    assert y is h and h.grad_fn.name() == "ReluBackward0" and h._version == 1
    (u.sum() + h.sum()).backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_leaf_and_plain_tensors():
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        F.relu(torch.tensor([-1.0, 2.0], requires_grad=True), inplace=True)
    x = torch.tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True) is x and x.tolist() == [0.0, 2.0] and x._version == 1


def test_writing_a_saved_tensor_in_place_is_refused():
    w = torch.ones(2, requires_grad=True)
    x = torch.tensor([-1.0, 2.0])
    h = (w * x).sum()   # x is kept for w's gradient
    F.relu(x, inplace=True)
    with pytest.raises(RuntimeError, match=MODIFIED):
        h.backward()
    x = torch.tensor([-1.0, 2.0], requires_grad=True)
    e = x.exp()   # exp keeps its result
    F.relu(e, inplace=True)
    with pytest.raises(RuntimeError, match=MODIFIED):
        e.sum().backward()


@pytest.mark.parametrize("fn", [lambda t: F.leaky_relu(t, 0.1, inplace=True), lambda t: F.elu(t, inplace=True),
                                lambda t: F.hardtanh(t, inplace=True), lambda t: F.silu(t, inplace=True),
                                lambda t: F.relu6(t, inplace=True), lambda t: F.threshold(t, 0.6, 9.0, inplace=True),
                                lambda t: F.selu(t, inplace=True), lambda t: F.celu(t, inplace=True),
                                lambda t: F.hardswish(t, inplace=True), lambda t: F.hardsigmoid(t, inplace=True),
                                lambda t: F.mish(t, inplace=True), lambda t: F.dropout(t, 0.0, inplace=True),
                                lambda t: F.alpha_dropout(t, 0.5, training=False, inplace=True)])
def test_every_inplace_function_returns_its_input(fn):
    x = torch.tensor([-1.0, 2.0, 0.5], requires_grad=True)
    h = x * 1
    assert fn(h) is h


def test_modules_with_inplace_train():
    x = torch.tensor([-1.0, 2.0], requires_grad=True)
    h = x * 3
    y = torch.nn.ReLU(inplace=True)(h)
    z = torch.nn.Dropout(0.0, inplace=True)(y)
    z.sum().backward()
    assert x.grad.tolist() == [0.0, 3.0] and y is h
    x = torch.tensor([-1.0, 2.0, 0.5], requires_grad=True)
    h = x * 1
    F.leaky_relu(h, 0.1, inplace=True)
    h.sum().backward()
    assert [round(v, 4) for v in x.grad.tolist()] == [0.1, 1.0, 1.0]
    torch.manual_seed(0)
    x = torch.randn(2, 3, 4, 4, requires_grad=True)
    h = x * 1
    assert F.dropout2d(h, 0.5, training=True, inplace=True) is h
