"""PyTorch's "modified by an inplace operation" error: its exact text (tensor type and shape, the node
that made the tensor, the versions), views, detach(), .data, saved_tensors_hooks, retain_graph and
create_graph, and training loops whose optimizer steps come after backward (never refused).

The expected texts were read off PyTorch 2.13 (CPU) running this same file with ``import torch`` (PyTorch
is not a dependency of these tests); it passes under both libraries with only the import switched.
"""
import math
import re

import pytest

import minidl as torch

F = torch.nn.functional


def _text(body):
    return re.escape("one of the variables needed for gradient computation has been modified by an inplace "
                     f"operation: {body} Hint: enable anomaly detection to find the operation that failed to "
                     "compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")


def _h(*shape):
    return torch.ones(*shape, requires_grad=True) * 1   # a non-leaf: in-place ops on it are recorded


def _raises(body, y):
    with pytest.raises(RuntimeError, match="^" + _text(body) + "$"):
        (y.sum() if y.dim() else y).backward()


def test_recorded_setitem_and_zero_name_copyslices_and_zero():
    h = _h(3, 4)
    y = h.log()
    h[0] = 0
    _raises("[torch.FloatTensor [3, 4]], which is output 0 of torch::autograd::CopySlices, is at version 1; "
            "expected version 0 instead.", y)
    h = _h(3, 4)
    y = h.log()
    h.zero_()
    _raises("[torch.FloatTensor [3, 4]], which is output 0 of Zero, is at version 1; expected version 0 instead.", y)


def test_saved_results_name_their_node():
    x, e = _h(3, 4), torch.full((3, 4), 2.0, requires_grad=True) * 1
    y = x ** e
    with torch.no_grad():
        y.add_(1)
    _raises("[torch.FloatTensor [3, 4]], which is output 0 of Pow1, is at version 1; expected version 0 instead.", y)
    y = _h(3, 4).max()
    y.add_(1)
    _raises("[torch.FloatTensor []], which is output 0 of Max1, is at version 1; expected version 0 instead.", y)
    y = _h(3, 4).rsqrt()
    y.mul_(2)
    _raises("[torch.FloatTensor [3, 4]], which is output 0 of Rsqrt, is at version 1; expected version 0 instead.", y)


def test_inputs_saved_whatever_requires_grad():
    x, w, b = _h(3, 4), torch.ones(4, requires_grad=True), torch.zeros(4)
    y = F.layer_norm(x, (4,), w, b)
    with torch.no_grad():
        b.add_(1)   # PyTorch's layer_norm node saves the bias too
    _raises("[torch.FloatTensor [4]] is at version 1; expected version 0 instead.", y)
    x = torch.ones(3, 4)
    d = _h(3, 4)
    y = x / d   # the divisor is saved even when only it requires grad
    with torch.no_grad():
        d.add_(1)
    _raises("[torch.FloatTensor [3, 4]], which is output 0 of Mul, is at version 1; expected version 0 instead.", y)


@pytest.mark.parametrize("loss", ["nll", "embedding"])
def test_integer_index_tensors_are_saved(loss):
    idx = torch.tensor([0, 1, 2])
    if loss == "nll":
        y = F.nll_loss(_h(3, 4), idx)
    else:
        y = F.embedding(idx, torch.ones(5, 4, requires_grad=True))
    idx.add_(0)
    _raises("[torch.LongTensor [3]] is at version 1; expected version 0 instead.", y)


def test_views_detach_and_data_share_or_not_the_version():
    x = torch.ones(3, 4)
    v, d = x[0], x.detach()
    x.add_(1)
    v.mul_(2)
    d.zero_()
    with torch.no_grad():
        x.add_(1)
    x.data.add_(1)
    assert (x._version, v._version, d._version, x.data._version) == (4, 4, 4, 0)
    h = _h(4, 3)
    y = h * h
    h.view(12)[:2].mul_(3)   # through a view of the saved tensor
    _raises("[torch.FloatTensor [4, 3]], which is output 0 of torch::autograd::CopySlices, is at version 1; "
            "expected version 0 instead.", y)
    y = _h(3).exp()
    y.detach().zero_()   # detach() shares the counter
    _raises("[torch.FloatTensor [3]], which is output 0 of Exp, is at version 1; expected version 0 instead.", y)
    a = torch.ones(3, requires_grad=True)
    y = (a * 1).exp()
    y.data.zero_()   # .data does not: PyTorch's backward then reads the zeros
    y.sum().backward()
    assert a.grad.tolist() == [0.0, 0.0, 0.0]


def test_versions_count_every_in_place_op():
    a = torch.ones(3, requires_grad=True)
    h = a * 1
    h.add_(1)
    y = h * torch.ones(3, requires_grad=True)
    h.add_(1)
    h.mul_(3)
    _raises("[torch.FloatTensor [3]], which is output 0 of Mul, is at version 3; expected version 1 instead.", y)


def test_retain_graph_and_create_graph_second_passes_check_again():
    a = torch.ones(3, requires_grad=True)
    h = a * 1
    y = (h * h).sum()
    y.backward(retain_graph=True)
    with torch.no_grad():
        h.add_(1)
    _raises("[torch.FloatTensor [3]], which is output 0 of Mul, is at version 1; expected version 0 instead.", y)
    h = a * 2
    g, = torch.autograd.grad((h ** 3).sum(), a, create_graph=True)
    with torch.no_grad():
        h.add_(1)
    _raises("[torch.FloatTensor [3]], which is output 0 of Mul, is at version 1; expected version 0 instead.", g)


@pytest.mark.parametrize("hooks", ["clone", "identity", "save_on_cpu"])
def test_saved_tensors_hooks_turn_the_check_off(hooks):
    """A saved tensor handed to pack hooks is not version-checked (PyTorch's SavedVariable with hooks)."""
    if hooks == "save_on_cpu":
        ctx = torch.autograd.graph.save_on_cpu()
    else:
        pack = (lambda t: t.clone()) if hooks == "clone" else (lambda t: t)
        ctx = torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t)
    a = torch.ones(3, requires_grad=True)
    b = torch.full((3,), 2.0)
    with ctx:
        y = (a * 1) * b
    with torch.no_grad():
        b.add_(1)
    y.sum().backward()
    assert a.grad.tolist() == ([2.0] * 3 if hooks == "clone" else [3.0] * 3)


def test_shape_only_ops_and_unsaved_inputs_never_raise():
    a = torch.ones(3, 4, requires_grad=True)
    for make in (lambda h: h.view(4, 3) * 2, lambda h: h + 1, lambda h: h.sum(), lambda h: torch.cat([h, h]),
                 lambda h: h * torch.ones(3, 4)):
        h = a * 1
        y = make(h)
        with torch.no_grad():
            h.add_(1)
        y.sum().backward()


def _train(model, opt, steps=3):
    torch.manual_seed(0)
    x = torch.randn(8, 1, 12, 12)
    t = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3])
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), t)
        loss.backward()
        opt.step()
    return float(loss)


@pytest.mark.parametrize("optim", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_training_loops_step_after_backward_without_complaint(optim):
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(100, 16), nn.LayerNorm(16), nn.Tanh(), nn.Dropout(0.1), nn.Linear(16, 4))
    opt = getattr(torch.optim, optim)(model.parameters(), lr=0.01)
    assert math.isfinite(_train(model, opt))


def test_stepping_between_two_backwards_of_one_graph_raises():
    torch.manual_seed(0)
    lin1, lin2 = torch.nn.Linear(3, 2), torch.nn.Linear(2, 2)
    out = lin2(lin1(torch.ones(4, 3))).sum()
    out.backward(retain_graph=True)
    assert lin2.weight._version == 1   # nn.init's in-place fill counts
    torch.optim.SGD(lin2.parameters(), lr=0.1).step()   # lin2's weight was saved for lin1's output gradient
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[2, 2\]\].* is at version 2; expected version 1 "):
        out.backward()


class _SaveIn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x * w

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g * w, g * x


class _SaveOut(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y


def test_custom_function_saved_output_is_named_by_the_function():
    y = _SaveOut.apply(_h(3))
    y.add_(1)
    _raises("[torch.FloatTensor [3]], which is output 0 of _SaveOut, is at version 1; expected version 0 instead.", y)


def test_custom_function_input_changed_through_a_one_element_view():
    h = _h(3)
    y = _SaveIn.apply(h, torch.ones(3))
    assert h[0]._base is h   # a single element is a 0-d view, as PyTorch's select
    h[0].add_(1)
    _raises("[torch.FloatTensor [3]], which is output 0 of torch::autograd::CopySlices, is at version 1; "
            "expected version 0 instead.", y)
