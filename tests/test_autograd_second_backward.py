"""A second backward pass without ``retain_graph``, as in PyTorch 2.13: it runs through nodes that saved
no tensors (add, sum, view, cat, basic indexing, ...) and raises PyTorch's RuntimeError ("Trying to backward
through the graph a second time ...") as soon as it needs a node whose saved values the first pass freed
(mul, exp, relu, matmul, advanced indexing, ...). Which op is which was read from torch 2.13 CPU by running
each expression's ``.sum().backward()`` twice; the first pass still frees the saved values."""
import gc
import weakref

import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F

FREED = r"^Trying to backward through the graph a second time \(or directly access saved tensors"

# expression of x (3, 4) and y (3, 4) -> whether torch 2.13 runs a second backward through it
CASES = {
    "add": (lambda x, y: x + y, True), "add_scalar": (lambda x, y: x + 1, True), "rsub": (lambda x, y: 1 - x, True),
    "sub": (lambda x, y: x - y, True), "neg": (lambda x, y: -x, True), "sum": (lambda x, y: x.sum(), True),
    "sum_dim": (lambda x, y: x.sum(1), True), "mean": (lambda x, y: x.mean(), True),
    "mean_dim": (lambda x, y: x.mean(0, keepdim=True), True), "reshape": (lambda x, y: x.reshape(12), True),
    "view": (lambda x, y: x.view(2, 6), True), "transpose": (lambda x, y: x.transpose(0, 1), True),
    "T": (lambda x, y: x.T, True), "permute": (lambda x, y: x.permute(1, 0), True),
    "expand": (lambda x, y: x[:1].expand(5, 4), True), "cat": (lambda x, y: mdl.cat([x, y]), True),
    "stack": (lambda x, y: mdl.stack([x, y]), True), "select": (lambda x, y: x[0], True),
    "slice": (lambda x, y: x[1:3], True), "unsqueeze": (lambda x, y: x.unsqueeze(0), True),
    "squeeze": (lambda x, y: x[None].squeeze(0), True), "flatten": (lambda x, y: x.flatten(), True),
    "clone": (lambda x, y: x.clone(), True), "contiguous": (lambda x, y: x.t().contiguous(), True),
    "double": (lambda x, y: x.double(), True), "narrow": (lambda x, y: x.narrow(1, 0, 2), True),
    "repeat": (lambda x, y: x.repeat(2, 1), True), "split": (lambda x, y: x.split(2)[0], True),
    "chunk": (lambda x, y: x.chunk(2, 1)[1], True), "unbind": (lambda x, y: x.unbind(0)[1], True),
    "pad": (lambda x, y: F.pad(x, (1, 1)), True), "flip": (lambda x, y: x.flip(0), True),
    "roll": (lambda x, y: x.roll(1, 0), True), "diagonal": (lambda x, y: mdl.diagonal(x), True),
    "unfold": (lambda x, y: x.unfold(1, 2, 1), True), "movedim": (lambda x, y: x.movedim(0, 1), True),
    "cumsum": (lambda x, y: x.cumsum(1), True), "trace": (lambda x, y: x[:, :3].trace(), True),
    "tril": (lambda x, y: x.tril(), True), "triu": (lambda x, y: x.triu(), True),
    "sign": (lambda x, y: x.sign(), True), "floor": (lambda x, y: x.floor(), True),
    "mul_scalar": (lambda x, y: x * 2, False), "div_scalar": (lambda x, y: x / 2, False),
    "mul": (lambda x, y: x * y, False), "div": (lambda x, y: x / y, False), "exp": (lambda x, y: x.exp(), False),
    "relu": (lambda x, y: x.relu(), False), "matmul": (lambda x, y: x @ y.t(), False),
    "pow": (lambda x, y: x ** 2, False), "index_tensor": (lambda x, y: x[mdl.tensor([0, 2])], False),
    "index_bool": (lambda x, y: x[x > 0], False), "index_select": (lambda x, y: x.index_select(0, mdl.tensor([0, 2])),
                                                                   False),
    "sigmoid": (lambda x, y: x.sigmoid(), False), "abs": (lambda x, y: x.abs(), False),
    "max": (lambda x, y: x.max(), False), "linear": (lambda x, y: F.linear(x, y), False),
    "softmax": (lambda x, y: x.softmax(1), False), "mse": (lambda x, y: F.mse_loss(x, y), False),
    "where": (lambda x, y: mdl.where(x > 0, x, y), False), "masked_fill": (
        lambda x, y: x.masked_fill(mdl.tensor([[True, False, False, True]]), 0.0), False),
    "var": (lambda x, y: x.var(), False), "clamp": (lambda x, y: x.clamp(0, 1), False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_second_backward_as_pytorch(name):
    fn, runs_twice = CASES[name]
    mdl.manual_seed(0)
    x = mdl.randn(3, 4, requires_grad=True)
    y = mdl.randn(3, 4, requires_grad=True)
    out = fn(x, y)
    total = out.sum() if out.ndim else out
    total.backward()
    first = x.grad.numpy().copy()
    if runs_twice:
        total.backward()
        np.testing.assert_allclose(x.grad.numpy(), 2 * first, rtol=1e-6)
    else:
        with pytest.raises(RuntimeError, match=FREED):
            total.backward()


def test_a_freed_node_below_a_reusable_one_still_raises_and_retain_graph_still_works():
    x = mdl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = x.exp()
    b = (a + 1).sum()
    b.backward()
    with pytest.raises(RuntimeError, match=FREED + r".*ExpBackward0"):
        b.backward()
    c = (x * x).sum()
    c.backward(retain_graph=True)
    c.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1, 2, 3]) + 4 * np.array([1, 2, 3]), rtol=1e-6)


def test_second_pass_through_grad_and_non_leaf_targets():
    x = mdl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x + 1
    z = y.reshape(3, 1).expand(3, 2).sum()
    for _ in range(2):
        (gy,) = mdl.autograd.grad(z, y)
        np.testing.assert_array_equal(gy.numpy(), [2.0, 2.0, 2.0])
    z.backward()
    z.backward(inputs=[x])
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0, 4.0])
    h = x + 0
    h.retain_grad()
    s = h.view(3).sum()
    s.backward()
    s.backward()
    np.testing.assert_array_equal(h.grad.numpy(), [2.0, 2.0, 2.0])
    assert y.grad_fn.name() == "AddBackward0" and y.grad_fn.next_functions[1] == (None, 0)


def test_custom_function_raises_only_when_backward_reads_freed_saved_tensors():
    class Twice(mdl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)    # saved but never read: a second pass is fine in PyTorch
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Square(mdl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = mdl.tensor([1.0, 3.0], requires_grad=True)
    out = Twice.apply(x).sum()
    out.backward()
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0])
    out = Square.apply(x).sum()
    out.backward()
    with pytest.raises(RuntimeError, match=FREED + r".*SquareBackward"):
        out.backward()


def test_the_first_pass_still_frees_activations():
    x = mdl.randn(50, 50, requires_grad=True)
    a = x.exp()
    ref = weakref.ref(a.array)
    total = (a.reshape(-1) + 1).sum()     # exp's output is saved by Exp and held as Add's input
    del a
    gc.collect()
    assert ref() is not None
    total.backward()
    gc.collect()
    assert ref() is None                  # the reshape/add nodes keep only shape-only stand-ins
    node = total.grad_fn.next_functions[0][0]
    assert node.name() == "AddBackward0" and type(node.inputs[0].array).__name__ == "ShapeOnly"
    assert node.inputs[0].shape == (2500,) and node.inputs[0].dtype == mdl.float32
