"""Tensor's added in-place methods (``eq_``, ``sin_``, ``cumsum_``, ...), the shift functions and operators
(``<<``, ``>>``) and the in-place operators ``&= |= ^= //= %= **= <<= >>=``: values against NumPy, dtypes kept,
PyTorch's in-place rules, and gradients through the recorded in-place ops (float64 gradcheck/gradgradcheck)."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 5))
B = RNG.standard_normal((3, 5))

COMPARISONS = {"eq_": np.equal, "ne_": np.not_equal, "ge_": np.greater_equal, "gt_": np.greater,
               "le_": np.less_equal, "lt_": np.less}


@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_comparisons_in_place_write_ones_and_zeros_in_the_own_dtype(name):
    a, b = A.round(0), B.round(0)
    x = mdl.tensor(a)
    out = getattr(x, name)(mdl.tensor(b))
    assert out is x and x.dtype == mdl.float64
    np.testing.assert_array_equal(x.numpy(), COMPARISONS[name](a, b).astype(np.float64))
    y = mdl.tensor(a.astype(np.int64))
    getattr(y, name)(0)
    assert y.dtype == mdl.int64
    np.testing.assert_array_equal(y.numpy(), COMPARISONS[name](a, 0).astype(np.int64))


UNARY = {"sin_": np.sin, "cos_": np.cos, "floor_": np.floor, "ceil_": np.ceil, "round_": np.round,
         "sign_": np.sign, "square_": np.square, "arcsinh_": np.arcsinh}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_in_place_values(name):
    x = mdl.tensor(A * 3)
    assert getattr(x, name)() is x
    np.testing.assert_allclose(x.numpy(), UNARY[name](A * 3), rtol=1e-12)


def test_in_place_with_arguments():
    x = mdl.tensor(A)
    x.cumsum_(1)
    np.testing.assert_allclose(x.numpy(), np.cumsum(A, 1))
    x = mdl.tensor(A)
    x.remainder_(0.7)
    np.testing.assert_allclose(x.numpy(), np.mod(A, 0.7))
    x = mdl.tensor(A)
    x.divide_(mdl.tensor(B), rounding_mode="floor")
    np.testing.assert_allclose(x.numpy(), np.floor(A / B))
    x = mdl.tensor(A)
    x.floor_divide_(0.5)
    np.testing.assert_allclose(x.numpy(), np.floor_divide(A, 0.5))
    x = mdl.tensor(A.round(0))
    x.heaviside_(mdl.tensor(0.5, dtype=mdl.float64))
    np.testing.assert_array_equal(x.numpy(), np.heaviside(A.round(0), 0.5))
    x = mdl.tensor(A)
    x.round_(decimals=2)
    np.testing.assert_allclose(x.numpy(), np.round(A, 2))
    assert mdl.tensor([1.0, 2.0]).divide(2).tolist() == [0.5, 1.0]


def test_in_place_refuses_a_leaf_requiring_grad_and_a_wider_result():
    x = mdl.tensor(A, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.sin_()
    with pytest.raises(RuntimeError, match="can't be cast"):
        mdl.tensor([1, 2]).sin_()


@pytest.mark.parametrize("name,args", [("sin_", ()), ("cos_", ()), ("square_", ()), ("cumsum_", (1,)),
                                       ("remainder_", (0.7,)), ("divide_", (1.7,)), ("arcsinh_", ()),
                                       ("floor_", ()), ("ceil_", ()), ("round_", ()), ("sign_", ()),
                                       ("heaviside_", (mdl.tensor(0.5, dtype=mdl.float64),))])
def test_recorded_in_place_ops_differentiate(name, args):
    a = mdl.tensor(A, requires_grad=True)

    def fn(t):
        u = t * 1.0
        getattr(u, name)(*args)
        return u

    assert gradcheck(fn, (a,))
    assert gradgradcheck(fn, (a,))


def test_floor_divide_in_place_has_no_derivative_as_in_pytorch():
    a = mdl.tensor(A, requires_grad=True)
    u = a * 1.0
    u.floor_divide_(0.3)
    with pytest.raises(RuntimeError, match="derivative for 'floor_divide' is not implemented"):
        u.sum().backward()


def test_in_place_on_a_non_leaf_keeps_the_earlier_use_right():
    a = mdl.tensor(A, requires_grad=True)
    u = a * 2
    v = u.exp()
    u.sin_()
    (v.sum() + u.sum()).backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * np.exp(2 * A) + 2 * np.cos(2 * A), rtol=1e-12)


SHIFT_X = np.array([1, 2, -8, 100, -1], dtype=np.int32)
SHIFT_S = np.array([0, 3, 1, 31, 40], dtype=np.int32)


def shift_ref(x, s, left):
    bits = x.dtype.itemsize * 8
    out = []
    for v, k in zip(x.tolist(), s.tolist()):
        if 0 <= k < bits:
            r = v << k if left else v >> k
        else:
            r = 0 if left else (-1 if v < 0 else 0)
        out.append(r)
    return np.array(out, dtype=np.int64).astype(x.dtype)   # wraps as C integer arithmetic does


def test_shifts_match_a_reference_including_out_of_range_amounts():
    x, s = mdl.tensor(SHIFT_X), mdl.tensor(SHIFT_S)
    np.testing.assert_array_equal(mdl.bitwise_left_shift(x, s).numpy(), shift_ref(SHIFT_X, SHIFT_S, True))
    np.testing.assert_array_equal(mdl.bitwise_right_shift(x, s).numpy(), shift_ref(SHIFT_X, SHIFT_S, False))
    np.testing.assert_array_equal((x >> -1).numpy(), [0, 0, -1, 0, -1])
    assert (x << 2).dtype == mdl.int32 and (x << 2).tolist() == [4, 8, -32, 400, -4]
    assert (2 << mdl.tensor([1, 3])).tolist() == [4, 16]
    assert (64 >> mdl.tensor([1, 3])).tolist() == [32, 8]
    assert mdl.bitwise_left_shift(mdl.tensor([3], dtype=mdl.uint8), 7).tolist() == [128]
    assert x.bitwise_left_shift(1).tolist() == [2, 4, -16, 200, -2]


def test_shift_errors():
    with pytest.raises(NotImplementedError, match="\"lshift_cpu\" not implemented for 'Float'"):   # PyTorch's
        mdl.bitwise_left_shift(mdl.tensor([1.5]), 1)
    with pytest.raises(TypeError, match="input"):
        mdl.bitwise_left_shift(1, 2)


def test_in_place_operators_keep_the_object():
    x = mdl.tensor([12, 5, 7])
    ident = id(x)
    x <<= 1
    x >>= mdl.tensor([0, 1, 2])
    x &= 7
    x |= 8
    x ^= 1
    assert id(x) == ident and x.tolist() == [(24 & 7 | 8) ^ 1, (5 & 7 | 8) ^ 1, (3 & 7 | 8) ^ 1]
    y = mdl.tensor([7.0, -7.0])
    view = y[:]
    y //= 2
    y %= 3
    y **= 2
    assert view.tolist() == [0.0, 4.0]   # 7 // 2 % 3 ** 2 and -7 // 2 = -4, -4 % 3 = 2 (Python's rules, as PyTorch)
    assert reversed(mdl.tensor([1, 2, 3])).tolist() == [3, 2, 1]
    x.bitwise_left_shift_(1)
    assert x.tolist()[0] == ((24 & 7 | 8) ^ 1) << 1
