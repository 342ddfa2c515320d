"""Operators, comparisons, elementwise functions and PyTorch's dtype promotion (values by hand)."""
import math

import numpy as np
import pytest

import minidl as mdl


def vals(t):
    return t.dtype, t.tolist()


def test_promotion_with_python_scalars_and_tensors():
    assert vals(mdl.tensor([1, 2]) + 1.5) == (mdl.float32, [2.5, 3.5])         # int + float scalar -> float32
    assert vals(mdl.tensor([1, 2]) * 2) == (mdl.int64, [2, 4])
    assert vals(mdl.tensor([1, 2]) / mdl.tensor([2, 2])) == (mdl.float32, [0.5, 1.0])   # true division
    assert vals(mdl.tensor([1, 2]) / 2) == (mdl.float32, [0.5, 1.0])
    assert (mdl.tensor([1.0, 2.0]) * mdl.tensor(1.5, dtype=mdl.float64)).dtype == mdl.float32  # 0-d: same category
    assert (mdl.tensor([1, 2]) * mdl.tensor(1.5, dtype=mdl.float64)).dtype == mdl.float64      # 0-d: higher one
    assert (mdl.tensor([1.0], dtype=mdl.float64) * mdl.tensor([1.5])).dtype == mdl.float64
    assert (mdl.tensor([1, 2], dtype=mdl.int32) + mdl.tensor([1, 2])).dtype == mdl.int64
    assert (mdl.tensor([1, 2], dtype=mdl.int32) + 1).dtype == mdl.int32
    assert (mdl.tensor([1, 2], dtype=mdl.uint8) + 1).dtype == mdl.uint8
    assert vals(mdl.tensor([True, False]) + 1) == (mdl.int64, [2, 1])
    assert (mdl.tensor([1, 2]) + mdl.ones(2)).dtype == mdl.float32        # int64 with float32: float32
    assert (mdl.ones(2) * 0.5).dtype == mdl.float32
    assert (np.float64(2.0) * mdl.ones(2)).dtype == mdl.float32


def test_floor_division_remainder_power():
    assert vals(mdl.tensor([7, -7]) // 2) == (mdl.int64, [3, -4])             # floors, as Python
    assert mdl.tensor([-3.0, 2.0]).__floordiv__(2).tolist() == [-2.0, 1.0]
    assert vals(mdl.tensor([-3, 2]) % 2) == (mdl.int64, [1, 0])               # sign of the divisor
    assert mdl.tensor([-3.0, 2.5]).remainder(2).tolist() == [1.0, 0.5]
    assert (7 // mdl.tensor([2, 3])).tolist() == [3, 2] and (7 % mdl.tensor([2, 3])).tolist() == [1, 1]
    assert vals(mdl.tensor([1, 2]) ** 2) == (mdl.int64, [1, 4])
    assert mdl.tensor([1, 4]).pow(0.5).tolist() == [1.0, 2.0] and mdl.tensor([1, 4]).pow(0.5).dtype == mdl.float32
    assert vals(2 ** mdl.tensor([1, 2])) == (mdl.int64, [2, 4])
    assert mdl.tensor([1, 2, 3]).div(2, rounding_mode="floor").tolist() == [0, 1, 1]
    assert mdl.tensor([-7, 7]).div(2, rounding_mode="trunc").tolist() == [-3, 3]
    assert vals(1 - mdl.tensor([1, 2])) == (mdl.int64, [0, -1])
    assert vals(1 / mdl.tensor([1, 2])) == (mdl.float32, [1.0, 0.5])


def test_floor_divide_has_no_derivative_like_torch():
    x = mdl.tensor([1.5, 2.5], requires_grad=True)
    with pytest.raises(RuntimeError, match="floor_divide"):
        (x // 1).sum().backward()


def test_comparisons_return_bool_tensors():
    a = mdl.tensor([1.0, 2.0, 3.0])
    for out, want in [(a == 2, [False, True, False]), (a != 2, [True, False, True]), (a < 2, [True, False, False]),
                      (a <= 2, [True, True, False]), (a > 2, [False, False, True]), (a >= 2, [False, True, True]),
                      (2 < a, [False, False, True]), (a.eq(mdl.tensor([1.0, 0.0, 3.0])), [True, False, True]),
                      (a.ne(1), [False, True, True]), (a.lt(3), [True, True, False]), (a.le(1), [True, False, False]),
                      (a.gt(1), [False, True, True]), (a.ge(3), [False, False, True])]:
        assert out.dtype == mdl.bool and out.tolist() == want and not out.requires_grad
    assert (a == None) is False  # noqa: E711  (PyTorch answers False)
    assert ((a > 1) & (a < 3)).tolist() == [False, True, False]
    assert ((a < 2) | (a > 2)).tolist() == [True, False, True] and (~(a > 1)).tolist() == [True, False, False]
    assert mdl.eq(a, 1).tolist() == [True, False, False]
    assert (a == 2).sum().item() == 1 and (a == 2).float().mean().item() == pytest.approx(1 / 3)
    assert a.equal(mdl.tensor([1.0, 2.0, 3.0])) and a.allclose(a + 1e-7)
    assert mdl.tensor([1.0, float("nan")]).isnan().tolist() == [False, True]


def test_elementwise_functions():
    assert mdl.tensor([1, 4]).sqrt().tolist() == [1.0, 2.0]
    assert mdl.tensor([0.0, 1.0]).exp().tolist() == pytest.approx([1.0, math.e])
    assert mdl.tensor([1.0, math.e]).log().tolist() == pytest.approx([0.0, 1.0])
    assert mdl.tensor([0.0, math.pi / 2]).sin().tolist() == pytest.approx([0.0, 1.0])
    assert mdl.tensor([0.0, math.pi]).cos().tolist() == pytest.approx([1.0, -1.0])
    assert mdl.tensor([-1.0, 0.0, 2.0]).sign().tolist() == [-1.0, 0.0, 1.0]
    assert mdl.tensor([0.5, 1.5, 2.5, -0.5]).round().tolist() == [0.0, 2.0, 2.0, -0.0]     # half to even
    assert mdl.tensor([1.2345]).round(decimals=2).tolist() == pytest.approx([1.23])
    assert mdl.tensor([-1.5, 1.5]).floor().tolist() == [-2.0, 1.0]
    assert mdl.tensor([-1.5, 1.5]).ceil().tolist() == [-1.0, 2.0]
    assert mdl.tensor([-1.0, 2.0]).abs().tolist() == [1.0, 2.0] and abs(mdl.tensor([-3])).tolist() == [3]
    assert mdl.tensor([0.0]).sigmoid().tolist() == [0.5] and mdl.tensor([1, 2]).sigmoid().dtype == mdl.float32
    assert mdl.tensor([-1.0, 2.0]).relu().tolist() == [0.0, 2.0]
    assert mdl.tensor([0.0]).tanh().tolist() == [0.0]
    assert mdl.tensor([2.0]).reciprocal().tolist() == [0.5] and mdl.tensor([4.0]).rsqrt().tolist() == [0.5]


def test_clamp():
    assert vals(mdl.tensor([1, 5]).clamp(2, 4)) == (mdl.int64, [2, 4])
    assert vals(mdl.tensor([1, 5]).clamp(2.5)) == (mdl.float32, [2.5, 5.0])
    assert mdl.tensor([1.0, 5.0]).clamp(max=3).tolist() == [1.0, 3.0]
    assert mdl.tensor([1.0, 5.0]).clamp(min=mdl.tensor([2.0, 6.0])).tolist() == [2.0, 6.0]
    assert mdl.clamp(mdl.tensor([1.0, 5.0]), 2, 3).tolist() == [2.0, 3.0]
    assert mdl.tensor([1.0, 5.0]).clip(0, 2).tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="at least one of 'min' or 'max'"):
        mdl.tensor([1.0]).clamp()


def test_where():
    c = mdl.tensor([True, False])
    assert vals(mdl.where(c, 1.0, 0.0)) == (mdl.float32, [1.0, 0.0])
    assert vals(mdl.where(c, 1, 0)) == (mdl.int64, [1, 0])
    assert vals(mdl.where(c, mdl.tensor([1, 2]), 0.5)) == (mdl.float32, [1.0, 0.5])
    assert [t.tolist() for t in mdl.where(mdl.tensor([[1, 0], [0, 1]]) > 0)] == [[0, 1], [0, 1]]
    assert mdl.tensor([1.0, 2.0]).where(c, mdl.tensor(0.0)).tolist() == [1.0, 0.0]


def test_matmul_family():
    a = mdl.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert a.matmul(mdl.tensor([1.0, 1.0])).tolist() == [3.0, 7.0]
    assert (a @ mdl.tensor([[1.0], [1.0]])).tolist() == [[3.0], [7.0]]
    assert mdl.matmul(mdl.ones(2, 3, 4), mdl.ones(4, 5)).shape == (2, 3, 5)
    assert a.mm(a).tolist() == [[7.0, 10.0], [15.0, 22.0]] and mdl.mm(a, a).shape == (2, 2)
    assert mdl.bmm(mdl.ones(2, 2, 3), mdl.ones(2, 3, 1)).tolist() == [[[3.0], [3.0]]] * 2
    assert mdl.tensor([1.0, 2.0]).dot(mdl.tensor([3.0, 4.0])).item() == 11.0


def test_module_level_elementwise_max_min():
    a, b = mdl.tensor([1.0, 5.0]), mdl.tensor([3.0, 2.0])
    assert mdl.max(a, b).tolist() == [3.0, 5.0] and mdl.min(a, b).tolist() == [1.0, 2.0]
    assert a.max(b).tolist() == [3.0, 5.0] and mdl.maximum(a, b).tolist() == [3.0, 5.0]


def test_softmax_family_functions():
    x = mdl.tensor([[1.0, 2.0], [3.0, 5.0]])
    p = mdl.softmax(x, dim=1)
    e = math.exp(1.0)
    assert p.tolist()[0] == pytest.approx([1 / (1 + e), e / (1 + e)])
    assert mdl.log_softmax(x, dim=0).exp().sum(0).tolist() == pytest.approx([1.0, 1.0])
    np.testing.assert_allclose(x.softmax(-1).numpy(), p.numpy())
    np.testing.assert_allclose(mdl.softmax(x, axis=1).numpy(), p.numpy())
    np.testing.assert_allclose(x.log_softmax(1).numpy(), np.log(p.numpy()), rtol=1e-5)
    assert mdl.sigmoid(mdl.tensor([0.0])).tolist() == [0.5] and mdl.relu(mdl.tensor([-1.0])).tolist() == [0.0]
    assert mdl.tanh(mdl.tensor([0.0])).tolist() == [0.0]


def test_broadcasting_errors_are_clear():
    with pytest.raises(ValueError, match=r"add: shapes \(2,\) and \(3,\) cannot be broadcast"):
        mdl.ones(2) + mdl.ones(3)


def test_tie_gradients_as_torch():
    # torch.maximum / minimum / max(a, b) split the gradient of a tie in half ...
    a = mdl.tensor([1.0, 1.0, 3.0], requires_grad=True)
    b = mdl.tensor([1.0, 0.0, 3.0], requires_grad=True)
    mdl.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 1.0, 0.5] and b.grad.tolist() == [0.5, 0.0, 0.5]
    a.grad = b.grad = None
    mdl.min(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0, 0.5] and b.grad.tolist() == [0.5, 1.0, 0.5]
    # ... while clamp with tensor bounds counts a tie as not clamped
    a.grad = b.grad = None
    a.clamp(min=b).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0, 1.0] and b.grad.tolist() == [0.0, 0.0, 0.0]
