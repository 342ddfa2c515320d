"""In-place ops: object identity, no_grad on leaves, PyTorch's errors, and correct gradients inside graphs."""
import pytest

import minidl as mdl


def test_inplace_arithmetic_keeps_identity():
    x = mdl.zeros(3)
    same = id(x)
    x.add_(1)
    x.add_(mdl.ones(3), alpha=2)
    x.mul_(2).sub_(1).div_(5)
    assert id(x) == same and x.tolist() == [1.0, 1.0, 1.0]
    x += 1
    x -= 0.5
    x *= 4
    x /= 2
    assert id(x) == same and x.tolist() == [3.0, 3.0, 3.0]
    assert x.zero_().tolist() == [0.0] * 3 and x.fill_(5).tolist() == [5.0] * 3
    assert x.fill_(mdl.tensor(2.0)).tolist() == [2.0] * 3
    assert mdl.tensor([1.0, 5.0, -3.0]).clamp_(0, 2).tolist() == [1.0, 2.0, 0.0]
    assert mdl.tensor([1.0, 5.0, -3.0]).clamp_(min=0).tolist() == [1.0, 5.0, 0.0]
    assert id(x) == same


def test_copy_broadcasts_and_casts():
    assert mdl.zeros(2, 2).copy_(mdl.tensor([1.0, 2.0])).tolist() == [[1.0, 2.0], [1.0, 2.0]]
    y = mdl.zeros(2)
    y.copy_(mdl.tensor([1, 2]))
    assert y.dtype == mdl.float32 and y.tolist() == [1.0, 2.0]


def test_inplace_writes_through_views_and_numpy():
    v = mdl.zeros(2, 3)
    v[0].fill_(1)
    assert v.tolist() == [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    arr = v.numpy()
    v.add_(1)
    assert arr[1, 0] == 1.0


def test_random_fills():
    mdl.manual_seed(0)
    x = mdl.empty(1000).uniform_(-2, 3)
    assert -2 <= x.min().item() and x.max().item() < 3
    y = mdl.empty(20000).normal_(1.0, 0.5)
    assert abs(y.mean().item() - 1.0) < 0.02 and abs(y.std().item() - 0.5) < 0.02


def test_hand_written_sgd_step_keeps_the_leaf():
    w = mdl.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    same = id(w)
    with mdl.no_grad():
        w -= 0.1 * w.grad
    assert id(w) == same and w.requires_grad and w.is_leaf
    assert w.tolist() == pytest.approx([0.8, 1.6])
    w.grad.zero_()
    (w * w).sum().backward()
    assert w.grad.tolist() == pytest.approx([1.6, 3.2])


def test_inplace_on_leaf_requiring_grad_raises_outside_no_grad():
    w = mdl.tensor([1.0, 2.0], requires_grad=True)
    msg = "a leaf Variable that requires grad is being used in an in-place operation."
    with pytest.raises(RuntimeError, match=msg):
        w.add_(1)
    with pytest.raises(RuntimeError, match=msg):
        w += 1
    with pytest.raises(RuntimeError, match=msg):
        w[0] = 3.0
    with mdl.no_grad():
        w.zero_()
        w.normal_()
        w.uniform_(-1, 1)
    assert w.requires_grad and w.is_leaf


def test_dtype_and_shape_errors_as_torch():
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        mdl.ones(2, dtype=mdl.long).add_(1.5)
    with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the broadcast shape \[3, 2\]"):
        mdl.ones(2).add_(mdl.ones(3, 2))
    with pytest.raises(RuntimeError, match="expand"):
        mdl.ones(3).expand(2, 3).add_(1)


def test_inplace_on_non_leaf_is_recorded():
    x = mdl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2          # y = 2x
    y += 1             # y = 2x + 1
    y.mul_(x)          # y = 2x^2 + x  -> dy/dx = 4x + 1
    assert not y.is_leaf and y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [5.0, 9.0, 13.0]


def test_inplace_on_a_non_leaf_that_was_already_used():
    # ops recorded before the in-place update keep differentiating the old value
    x = mdl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    z = y * 5 + 1              # dz/dx = 10
    y.add_(1)                  # y = 2x + 1, (y * y)' = 4 (2x + 1)
    (z.sum() + (y * y).sum()).backward()
    assert x.grad.tolist() == [22.0, 30.0, 38.0]


def test_indexed_iadd_and_a_buffer_filled_step_by_step():
    x = mdl.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x * 2
    y[:, 1] += y[:, 0] * 3     # reads y, then writes into it
    (y * mdl.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
    # d/dx of y[:, 0] = 2 (own weight) + 3 * 2 * weight of column 1
    assert x.grad.tolist() == [[2 * 1 + 6 * 2, 4.0, 6.0], [2 * 4 + 6 * 5, 10.0, 12.0]]
    w = mdl.tensor([0.5, -0.3], dtype=mdl.float64, requires_grad=True)

    def unrolled(w):
        h = mdl.zeros(2, 4, dtype=mdl.float64)
        h[:, 0] = w
        for t in range(1, 4):
            h[:, t] = mdl.tanh(h[:, t - 1] * 1.5 + w)
        return (h * h).sum()
    assert mdl.gradcheck(unrolled, (w,))


def test_plain_tensor_updated_with_a_tensor_that_requires_grad():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    buf = mdl.zeros(2)
    buf += x * 3
    assert buf.requires_grad and not buf.is_leaf
    buf.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_recorded_clamp_copy_and_zero():
    x = mdl.tensor([[1.0, -2.0]], requires_grad=True)
    y = x * 1
    y.clamp_(min=0)
    y.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0]]
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    c = mdl.zeros(2)
    c.copy_(x * 2)
    c.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.zero_()
    assert y.requires_grad and not y.is_leaf
    (y + x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    y = x.exp()   # exp's backward needs its result, which zero_ overwrote: PyTorch's RuntimeError
    y.zero_()
    with pytest.raises(RuntimeError, match="output 0 of Exp, is at version 1; expected version 0"):
        y.sum().backward()


def test_setitem():
    a = mdl.zeros(3)
    a[mdl.tensor([0, 2])] = 1.0
    assert a.tolist() == [1.0, 0.0, 1.0]
    b = mdl.arange(6).reshape(2, 3)
    b[b > 2] = 0
    assert b.tolist() == [[0, 1, 2], [0, 0, 0]]
    c = mdl.zeros(2, 2)
    c[:, 1] = mdl.tensor([5.0, 6.0])
    assert c.tolist() == [[0.0, 5.0], [0.0, 6.0]]
    x = mdl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    y[1] = x[0] * 5     # y = (x0, 5 x0, x2)
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 0.0, 1.0]


def test_masked_fill():
    x = mdl.zeros(3)
    assert x.masked_fill(mdl.tensor([True, False, True]), 2.0).tolist() == [2.0, 0.0, 2.0]
    assert x.tolist() == [0.0] * 3
    x.masked_fill_(mdl.tensor([False, True, False]), -1.0)
    assert x.tolist() == [0.0, -1.0, 0.0]
