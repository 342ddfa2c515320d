"""Graph nodes keep what their backward needs and no more (session 18): ops whose backward never reads their
inputs' values (ReLU, pooling, dropout, additions, views: ``Function._input_values_unused`` / ``_reusable``)
hold stand-ins for their inputs, and batch norm keeps its input instead of a second x_hat array, so an
intermediate activation is freed once nothing else needs it, as in PyTorch. Gradients, second-order gradients
and in-place semantics stay as before."""
import gc
import weakref

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.autograd import gradcheck, gradgradcheck


def _freed(array_ref):
    gc.collect()
    return array_ref() is None


@pytest.mark.parametrize("op", ["relu", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "dropout", "add"])
def test_an_input_only_this_op_used_is_freed(op):
    rng = np.random.default_rng(0)
    x = mdl.tensor(rng.standard_normal((2, 3, 6, 6)), requires_grad=True)
    mid = x * 2.0                                   # an intermediate: only the op below uses it
    ref = weakref.ref(mid.array)
    ops = {"relu": F.relu, "max_pool2d": lambda t: F.max_pool2d(t, 2), "avg_pool2d": lambda t: F.avg_pool2d(t, 2),
           "adaptive_avg_pool2d": lambda t: F.adaptive_avg_pool2d(t, 1), "dropout": lambda t: F.dropout(t, 0.5),
           "add": lambda t: t + 1.0}
    mdl.manual_seed(3)
    out = ops[op](mid)
    del mid
    assert _freed(ref), f"{op} kept its input's array alive"
    out.sum().backward()
    mdl.manual_seed(3)
    kept = x.detach().requires_grad_(True)
    (ops[op](kept * 2.0)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), kept.grad.numpy())


def test_conv_bn_relu_block_frees_the_bn_output_and_keeps_grads():
    mdl.manual_seed(0)
    block = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4))
    x = mdl.randn(2, 3, 5, 5, requires_grad=True)
    z = block(x)
    ref = weakref.ref(z.array)
    out = F.relu(z)
    del z
    assert _freed(ref)              # the batch-norm output: only ReLU used it, and ReLU keeps its own output
    out.square().sum().backward()
    got = [p.grad.numpy().copy() for p in block.parameters()] + [x.grad.numpy().copy()]
    for p in list(block.parameters()) + [x]:
        p.grad = None
    z = block(x)
    keep = [z]                      # the same graph with the intermediate kept alive
    F.relu(keep[0]).square().sum().backward()
    want = [p.grad.numpy() for p in block.parameters()] + [x.grad.numpy()]
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


def test_second_order_through_stand_in_nodes_and_batch_norm():
    rng = np.random.default_rng(1)
    x = mdl.tensor(rng.standard_normal((3, 2, 4, 4)), requires_grad=True)
    w = mdl.tensor(rng.standard_normal(2) + 1.5, requires_grad=True)

    def f(x, w):
        h = F.batch_norm(x * 1.5 + 0.25, None, None, weight=w, training=True)
        return F.max_pool2d(F.relu(h) + h * 0.5, 2).sum(dim=(2, 3))

    assert gradcheck(f, (x, w))
    assert gradgradcheck(f, (x, w))


def test_in_place_on_an_input_after_a_stand_in_node_used_it():
    # PyTorch: relu saves its result, not its input, so changing the input in place later is allowed and
    # the gradient still reaches the input's old value
    x = mdl.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    a = x * 2.0
    b = a.relu()
    a.add_(10.0)
    (b.sum() + a.sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 4.0])


def test_hook_on_an_intermediate_runs_after_the_tensor_object_is_gone():
    # PyTorch keeps tensor hooks on the graph node: they run although only a stand-in holds the edge
    x = mdl.tensor([1.0, -2.0, 3.0], requires_grad=True)
    seen = []
    y = x * 2.0
    y.retain_grad()
    y.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 10.0)
    loss = y.sum()
    del y
    gc.collect()
    loss.backward()
    np.testing.assert_array_equal(seen[0], [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [20.0, 20.0, 20.0])
