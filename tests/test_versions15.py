"""Version counters (``Tensor._version``) and PyTorch's "modified by an inplace operation" error.

The expected versions and which cases raise were read off PyTorch 2.13 (CPU) running the same
statements with ``import torch`` (a separate venv; PyTorch is not a dependency of these tests).
"""
import numpy as np
import pytest

import minidl as mdl

MODIFIED = "modified by an inplace operation"


def test_versions_shared_by_views_and_detach_but_not_data():
    x = mdl.ones(3)
    v, d, dd = x[:2], x.detach(), x.data
    assert (x._version, v._version) == (0, 0)
    x.add_(1)
    assert (x._version, v._version, d._version, dd._version) == (1, 1, 1, 0)
    v.mul_(2)
    assert (x._version, v._version) == (2, 2)
    dd.add_(1)
    assert (x._version, dd._version) == (2, 1)
    x[0] = 5
    assert x._version == 3
    x.copy_(mdl.zeros(3))
    assert x._version == 4
    assert x.tolist() == [0.0, 0.0, 0.0] and dd.tolist() == [0.0, 0.0, 0.0]


def test_versions_of_recorded_inplace_ops_and_views():
    a = mdl.ones(3, requires_grad=True)
    b = a * 2
    assert b._version == 0
    b.add_(1)
    assert b._version == 1
    b[0] = 3
    assert b._version == 2
    v = b[1:]
    v.mul_(2)
    assert (b._version, v._version) == (3, 3)
    b.sum().backward()
    assert a.grad.tolist() == [0.0, 4.0, 4.0]


def test_writing_an_input_another_gradient_needs_raises():
    x = mdl.ones(3)
    w = mdl.ones(3, requires_grad=True)
    y = (x * w).sum()
    x.add_(1)
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[3\]\] is at version 1; expected version 0"):
        y.backward()


def test_matmul_operand_written_under_no_grad_raises():
    a = mdl.ones(2, 3, requires_grad=True)
    w = mdl.ones(3, 4)
    y = a @ w
    w.add_(1)
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[3, 4\]\] is at version 1"):
        y.sum().backward()


def test_writing_an_input_no_gradient_needs_is_allowed():
    w = mdl.ones(3, requires_grad=True)
    x = mdl.ones(3)
    y = (w * x).sum()
    with mdl.no_grad():
        w.mul_(2)   # w's own gradient needs x, not w
    y.backward()
    assert w.grad.tolist() == [1.0, 1.0, 1.0]
    x2 = mdl.ones(3, requires_grad=True)
    y = (w * x2).sum()
    with mdl.no_grad():
        w.mul_(2)   # now x2's gradient needs w
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


@pytest.mark.parametrize("op, node", [("exp", "Exp"), ("sigmoid", "Sigmoid"), ("tanh", "Tanh"), ("relu", "Relu"),
                                      ("sqrt", "Sqrt")])
def test_changing_a_saved_result_in_place_raises(op, node):
    x = mdl.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = getattr(x, op)()
    y.mul_(2)
    with pytest.raises(RuntimeError, match=f"output 0 of {node}, is at version 1; expected version 0"):
        y.sum().backward()


def test_softmax_result_changed_in_place_raises_but_a_product_does_not():
    x = mdl.randn(2, 3, requires_grad=True)
    p = mdl.softmax(x, dim=1)
    p.add_(1)
    with pytest.raises(RuntimeError, match=MODIFIED):
        p.sum().backward()
    y = x * 3   # the product keeps nothing of its output: the in-place op is recorded and differentiated
    y.add_(1)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 3.0))


def test_data_writes_go_unnoticed_as_in_pytorch():
    x = mdl.ones(3, requires_grad=True)
    y = x.relu()
    y.data.mul_(2)
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_optimizer_step_between_forward_and_backward():
    w = mdl.nn.Parameter(mdl.ones(3))
    opt = mdl.optim.SGD([w], lr=0.1)
    y = (w * w).sum()
    y.backward(retain_graph=True)
    assert w._version == 0
    opt.step()
    assert w._version == 1
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_first_layer_weights_stepped_before_a_second_backward_are_fine():
    """linear(x, W, b) keeps W only for x's gradient: with a data input, stepping W is harmless (PyTorch too)."""
    mdl.manual_seed(0)
    lin = mdl.nn.Linear(3, 2)
    opt = mdl.optim.Adam(lin.parameters())
    out = lin(mdl.ones(4, 3)).sum()
    out.backward(retain_graph=True)
    opt.step()
    out.backward()
    hidden = mdl.nn.Linear(2, 2)
    out = hidden(lin(mdl.ones(4, 3))).sum()
    out.backward(retain_graph=True)
    mdl.optim.SGD(hidden.parameters(), lr=0.1).step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        out.backward()


def _square_saving():
    class Square(mdl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g
    return Square


def test_custom_function_saved_tensor_changed_raises():
    Square = _square_saving()
    x = mdl.ones(3, requires_grad=True)
    y = x * 1
    z = Square.apply(y)
    y.add_(1)   # recorded in place: PyTorch refuses the saved tensor all the same
    with pytest.raises(RuntimeError, match="output 0 of Add, is at version 1; expected version 0"):
        z.sum().backward()
    x = mdl.ones(3, requires_grad=True)
    z = Square.apply(x)
    z.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_mark_dirty_counts_one_more_version():
    class Double(mdl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = mdl.ones(3, requires_grad=True)
    y = x * 1
    assert y._version == 0
    z = Double.apply(y)
    assert (y._version, z._version) == (2, 2)
    z.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_training_loop_with_inplace_relu_and_residual_add_runs():
    """The in-place ops of ordinary models (ReLU(inplace=True), ``out += identity``) never trip the check."""
    mdl.manual_seed(0)
    conv = mdl.nn.Conv2d(3, 3, 3, padding=1)
    bn = mdl.nn.BatchNorm2d(3)
    relu = mdl.nn.ReLU(inplace=True)
    opt = mdl.optim.SGD([*conv.parameters(), *bn.parameters()], lr=0.1, momentum=0.9)
    x = mdl.randn(2, 3, 5, 5)
    for _ in range(2):
        out = bn(conv(x))
        out += x
        out = relu(out)
        loss = out.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert np.isfinite(loss.item())
