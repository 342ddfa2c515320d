"""In-place ops on views inside the autograd graph write through to the base, as PyTorch's CopySlices does.

Expected values were printed by PyTorch 2.13 for the same expressions (``minidl`` written as ``torch``)."""
from __future__ import annotations

import numpy as np
import pytest

import minidl as T
from minidl.autograd import gradcheck, gradgradcheck


def _l(*tensors):
    return [t.tolist() for t in tensors]


def test_inplace_on_a_slice_updates_the_base_and_its_gradient():
    x = T.ones(4, requires_grad=True)
    y = x * 2
    z = y[1:]
    z.mul_(3)
    y.sum().backward()
    assert _l(y, z, x.grad) == [[2.0, 6.0, 6.0, 6.0], [6.0, 6.0, 6.0], [2.0, 6.0, 6.0, 6.0]]
    assert y.grad_fn.name() == "torch::autograd::CopySlices" and z.grad_fn.name() == "AsStridedBackward0"


def test_transposed_diagonal_strided_and_chained_views():
    x = T.ones(2, 3, requires_grad=True)
    y = x * 2
    y.t()[1].add_(5)
    (y * T.arange(6.0).view(2, 3)).sum().backward()
    assert _l(y, x.grad) == [[[2.0, 7.0, 2.0], [2.0, 7.0, 2.0]], [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]]]
    x = T.ones(2, 2, requires_grad=True)
    y = x * 2
    y.diagonal().mul_(5)
    (y * T.arange(4.0).view(2, 2)).sum().backward()
    assert _l(y, x.grad) == [[[10.0, 2.0], [2.0, 10.0]], [[0.0, 2.0], [4.0, 30.0]]]
    x = T.ones(2, 4, requires_grad=True)
    y = x * 2
    y.view(8)[2:6].view(2, 2)[1].mul_(3)
    (y * T.arange(8.0).view(2, 4)).sum().backward()
    assert _l(y, x.grad) == [[[2.0, 2.0, 2.0, 2.0], [6.0, 6.0, 2.0, 2.0]],
                             [[0.0, 2.0, 4.0, 6.0], [24.0, 30.0, 12.0, 14.0]]]
    x = T.ones(4, requires_grad=True)
    y = x * 2
    y[::2].mul_(3)
    (y * T.arange(4.0)).sum().backward()
    assert _l(y, x.grad) == [[6.0, 2.0, 6.0, 2.0], [0.0, 2.0, 12.0, 6.0]]


def test_copy_into_rows_of_a_buffer_that_did_not_require_grad():
    x = T.ones(3, requires_grad=True)
    buf = T.zeros(2, 3)
    buf[0].copy_(x * 2)
    buf[1].copy_(x * 3)
    (buf * T.tensor([[1.0], [2.0]])).sum().backward()
    assert _l(buf, x.grad) == [[[2.0, 2.0, 2.0], [3.0, 3.0, 3.0]], [8.0, 8.0, 8.0]]
    assert buf.requires_grad and buf.grad_fn.name() == "torch::autograd::CopySlices"


def test_two_inplace_ops_on_one_view_and_an_earlier_use_of_it():
    x = T.ones(4, requires_grad=True)
    y = x * 2
    z = y[1:]
    z.mul_(3)
    z2 = z * 1          # uses z before the second in-place op: keeps the value 6
    z.add_(1)
    (z2.sum() + y.sum()).backward()
    assert _l(y, x.grad) == [[2.0, 7.0, 7.0, 7.0], [2.0, 12.0, 12.0, 12.0]]


def test_second_order_through_copy_slices():
    x = T.ones(4, requires_grad=True)
    y = x * 2
    y[1:].mul_(3)
    g, = T.autograd.grad(y.pow(2).sum(), x, create_graph=True)
    g.sum().backward()
    assert _l(g, x.grad) == [[8.0, 72.0, 72.0, 72.0], [8.0, 72.0, 72.0, 72.0]]


def _slice_then_scale(t):
    y = t * 1.5
    y[1:, ::2].mul_(t[:2, ::2])
    y.t()[0].add_(t[:, 1])
    return y.sin()


def test_gradcheck_float64():
    x = T.randn(3, 4, dtype=T.float64, requires_grad=True)
    assert gradcheck(_slice_then_scale, (x,))
    assert gradgradcheck(_slice_then_scale, (x,))


def test_views_report_their_base():
    y = T.ones(3, requires_grad=True) * 2
    v = y[1:].view(2)
    assert v._base is y and v._is_view() and not y._is_view() and y._base is None


def test_errors_match_pytorch():
    x = T.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an in-place"):
        x[:2].add_(1)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        T.ones(3, requires_grad=True).exp().expand(2, 3).mul_(2)


def test_outside_the_graph_views_still_write_into_shared_memory():
    x = T.ones(3, 4)
    x[1].add_(1)
    np.testing.assert_array_equal(x.numpy()[1], 2.0)
    with T.no_grad():
        w = T.ones(3, requires_grad=True)
        w[:2].mul_(5)
    assert w.tolist() == [5.0, 5.0, 1.0]
