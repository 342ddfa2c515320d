"""Differential checks of Tensor methods against PyTorch 2.13 (the tsweep sweep, session 17).

Written against ``import minidl as torch``; every test also passes under real PyTorch with only that
import changed (``sed 's/^import minidl as torch$/import torch/'``). Expected values were read from
PyTorch 2.13 (CPU).
"""
import math
import warnings

import pytest

import minidl as torch


def _close(a, b, tol=1e-6):
    assert a.shape == b.shape, (a.shape, b.shape)
    assert torch.allclose(a.double(), b.double(), atol=tol, rtol=tol, equal_nan=True), (a, b)


# --- dtype casts keep the graph ---------------------------------------------------------------
@pytest.mark.parametrize("cast", ["float", "double", "half", "bfloat16"])
def test_float_casts_stay_differentiable(cast):
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    y = getattr(x, cast)()
    assert y.requires_grad and (y is x if cast == "float" else y.grad_fn is not None)
    (y.float() * 2).sum().backward()
    assert x.grad.dtype == torch.float32 and x.grad.tolist() == [2., 2., 2.]


def test_to_dtype_differentiable_and_integral_leaves_graph():
    x = torch.tensor([1.5, 2.5], requires_grad=True)
    y = x.to(torch.float64)
    assert y.requires_grad and y.dtype == torch.float64
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3., 3.]
    for target in (x.to(torch.int64), x.long(), x.int(), x.bool(), x.to(dtype=torch.int32)):
        assert not target.requires_grad and target.grad_fn is None
    assert x.long().tolist() == [1, 2]


# --- add/sub alpha ------------------------------------------------------------------------------
def test_add_sub_alpha_with_numbers():
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    y = torch.sub(x, 1, alpha=2)
    assert y.tolist() == [-1., 0., 1.] and y.requires_grad
    assert x.sub(2, alpha=2).tolist() == [-3., -2., -1.]
    i = torch.tensor([1, 2, 3])
    r = torch.add(i, 2, alpha=3)
    assert r.dtype == torch.int64 and r.tolist() == [7, 8, 9]
    assert i.add(1.5, alpha=2).tolist() == [4., 5., 6.]
    assert torch.add(i, i, alpha=2).tolist() == [3, 6, 9]
    j = i.clone()
    j.add_(i, alpha=2)
    assert j.tolist() == [3, 6, 9]


def test_add_bool_alpha_stays_bool():
    b = torch.tensor([True, False])
    r = torch.add(b, b, alpha=2)
    assert r.dtype == torch.bool and r.tolist() == [True, False]
    assert torch.add(b, b, alpha=True).tolist() == [True, False]


@pytest.mark.parametrize("make, alpha, text", [
    (lambda: (torch.tensor([1, 2]), torch.tensor([1, 2])), 2.5, "For integral input tensors, argument alpha must not"),
    (lambda: (torch.tensor([True]), torch.tensor([True])), 2.5, "For integral input tensors"),
    (lambda: (torch.tensor([1, 2]), torch.tensor([1, 2])), True, "Boolean alpha only supported for Boolean results."),
    (lambda: (torch.tensor([1., 2.]), torch.tensor([1., 2.])), True, "Boolean alpha only supported"),
    (lambda: (torch.tensor([1., 2.]), torch.tensor([1., 2.])), 1j, "For non-complex input tensors, argument alpha"),
])
def test_add_alpha_errors(make, alpha, text):
    a, b = make()
    with pytest.raises(RuntimeError, match=text):
        torch.add(a, b, alpha=alpha)


def test_add_complex_alpha_with_complex_operand():
    r = torch.add(torch.tensor([1., 2.]), torch.tensor([1 + 1j]), alpha=1j)
    assert r.dtype == torch.complex64 and r.tolist() == [1j, 1 + 1j]


# --- reductions' dtype= ---------------------------------------------------------------------------
def test_reduction_dtype_keyword():
    i = torch.tensor([1, 2, 3])
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    assert i.sum(dtype=torch.float32).dtype == torch.float32
    assert i.prod(dtype=torch.float64).item() == 6.0
    assert i.mean(dtype=torch.float64).item() == 2.0
    assert i.cumsum(0, dtype=torch.float32).tolist() == [1., 3., 6.]
    y = x.cumprod(0, dtype=torch.float64)
    assert y.dtype == torch.float64 and y.requires_grad
    s = x.softmax(0, dtype=torch.float64)
    assert s.dtype == torch.float64
    s[0].backward()
    assert x.grad.dtype == torch.float32
    _close(x.grad, torch.tensor([0.08192507177591324, -0.022033045068383217, -0.05989202484488487]))
    assert i.softmax(0, dtype=torch.float64).dtype == torch.float64
    with pytest.raises(RuntimeError, match="Input dtype must be either a floating point or complex dtype. Got: Long"):
        i.mean()


# --- integer division by zero ---------------------------------------------------------------------
@pytest.mark.parametrize("op", [
    lambda a, b: a // b, lambda a, b: a % b, lambda a, b: torch.remainder(a, b), lambda a, b: torch.fmod(a, b),
    lambda a, b: torch.floor_divide(a, b), lambda a, b: torch.div(a, b, rounding_mode="floor"),
    lambda a, b: torch.div(a, b, rounding_mode="trunc"),
])
@pytest.mark.parametrize("divisor", [0, "tensor"])
def test_integer_division_by_zero_raises(op, divisor):
    a = torch.tensor([1, 2, 3])
    b = torch.tensor([1, 0, 1]) if divisor == "tensor" else 0
    with pytest.raises(RuntimeError, match="^ZeroDivisionError$"):
        op(a, b)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        op(torch.tensor([1], dtype=torch.uint8), 0)


def test_division_by_zero_float_and_true_div():
    assert torch.div(torch.tensor([1, 2]), 0).tolist() == [math.inf, math.inf]
    x = torch.tensor([1., -1.])
    assert (x // 0).tolist() == [math.inf, -math.inf]
    assert all(math.isnan(v) for v in (x % 0).tolist())


@pytest.mark.parametrize("op, kernel", [
    (lambda a, b: a // b, "div_floor_cpu"), (lambda a, b: a % b, "remainder_cpu"),
    (lambda a, b: torch.fmod(a, b), "fmod_cpu"),
    (lambda a, b: torch.div(a, b, rounding_mode="trunc"), "div_trunc_cpu"),
])
def test_bool_integer_division_not_implemented(op, kernel):
    b = torch.tensor([True, False])
    with pytest.raises(NotImplementedError, match=f'"{kernel}" not implemented for \'Bool\''):
        op(b, b)


# --- bool arithmetic and promotion ------------------------------------------------------------------
def test_bool_subtraction_and_negation_errors():
    b = torch.tensor([True, False])
    with pytest.raises(RuntimeError, match="with two bool tensors is not supported"):
        b - b
    with pytest.raises(RuntimeError, match="with two bool tensors is not supported"):
        b - True
    for expr in (lambda: b - 1, lambda: torch.tensor([1, 2]) - True, lambda: torch.tensor([1.]) - b,
                 lambda: 1.5 - b, lambda: torch.sub(b, torch.tensor([1, 2]), alpha=3)):
        with pytest.raises(RuntimeError, match="with a bool tensor is not supported. If you are trying to invert"):
            expr()
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor is not supported"):
        -b


def test_bool_pow():
    b = torch.tensor([True, False])
    assert (b ** True).dtype == torch.bool and (b ** True).tolist() == [True, False]
    assert (b ** 2).dtype == torch.int64 and (b ** 2).tolist() == [1, 0]
    assert (2 ** b).tolist() == [2, 1]
    assert (b ** 2.0).dtype == torch.float32
    for expr in (lambda: b ** b, lambda: True ** b, lambda: torch.pow(b, b)):
        with pytest.raises(NotImplementedError, match="\"pow\" not implemented for 'Bool'"):
            expr()


def test_integer_negative_powers():
    i = torch.tensor([1, 2])
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed."):
        i ** -1
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed."):
        i.pow(-2)
    assert (i ** torch.tensor([-1, 2])).tolist() == [1, 4]
    assert (torch.tensor([-1, -1, 3, 0]) ** torch.tensor([-1, -2, -1, 2])).tolist() == [-1, 1, 0, 0]
    assert (i ** -1.0).tolist() == [1.0, 0.5]


@pytest.mark.parametrize("a, b, dtype", [
    (lambda: torch.tensor([1, 2]), 2.5, torch.float32),
    (lambda: torch.tensor([1, 2], dtype=torch.int8), 2, torch.int8),
    (lambda: torch.tensor([1, 2], dtype=torch.uint8), True, torch.uint8),
    (lambda: torch.tensor([True, False]), 2, torch.int64),
    (lambda: torch.tensor([True, False]), 2.5, torch.float32),
    (lambda: torch.tensor([1., 2.], dtype=torch.float16), 2.5, torch.float16),
    (lambda: torch.tensor(1., dtype=torch.float64), torch.tensor([1, 2]), torch.float64),
    (lambda: torch.tensor(1, dtype=torch.int32), torch.tensor([1, 2], dtype=torch.int8), torch.int8),
    (lambda: torch.tensor([1, 2], dtype=torch.int8), torch.tensor([1, 2], dtype=torch.uint8), torch.int16),
    (lambda: torch.tensor([1., 2.]), 1j, torch.complex64),
    (lambda: torch.tensor([1., 2.], dtype=torch.float64), 1j, torch.complex128),
])
def test_promotion(a, b, dtype):
    assert (a() + b).dtype == dtype
    assert (b + a()).dtype == dtype


@pytest.mark.parametrize("dtype, other, result", [
    (torch.int64, 1.5, "Float"), (torch.int32, 1.5, "Float"), (torch.bool, 1, "Long"), (torch.bool, 1.5, "Float"),
    (torch.float32, 1j, "ComplexFloat"), (torch.float64, 1j, "ComplexDouble"), (torch.int64, 1j, "ComplexFloat"),
])
@pytest.mark.parametrize("method", ["add_", "mul_"])
def test_inplace_cast_errors(dtype, other, result, method):
    t = torch.ones(2, dtype=dtype)
    with pytest.raises(RuntimeError, match=f"^result type {result} can't be cast to the desired output type"):
        getattr(t, method)(other)


def test_inplace_int_true_division_error():
    with pytest.raises(RuntimeError, match="^result type Float can't be cast to the desired output type Long$"):
        torch.tensor([1, 2]).div_(2)


# --- max/min binary forms ---------------------------------------------------------------------------
def test_max_min_binary_forms():
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    other = torch.tensor([2., 2., 2.])
    assert torch.max(x, other).tolist() == [2., 2., 3.]
    assert x.max(other).tolist() == [2., 2., 3.]
    assert torch.min(x, other).tolist() == [1., 2., 2.]
    assert torch.max(torch.tensor([1, 2, 3]), other).dtype == torch.float32
    r = torch.max(x, torch.tensor([math.nan, 2., 2.]))
    assert math.isnan(r[0].item())
    torch.max(x, other).sum().backward()
    assert x.grad.tolist() == [0., 0.5, 1.]   # a tie splits the gradient
    assert torch.max(torch.ones(2, 1), torch.zeros(3)).shape == (2, 3)


# --- reductions of empty tensors ----------------------------------------------------------------------
def test_amax_amin_empty():
    e = torch.zeros(0, 3)
    assert e.amax(1).shape == (0,) and e.amin(1).shape == (0,)
    assert e.amax(-1, keepdim=True).shape == (0, 1)
    assert torch.zeros(0, 3, dtype=torch.int64).amax(1).dtype == torch.int64
    with pytest.raises(RuntimeError, match="amax\\(\\): Expected reduction dim to be specified for input.numel"):
        e.amax()
    with pytest.raises(IndexError, match="^amax\\(\\): Expected reduction dim 0 to have non-zero size.$"):
        e.amax(0)
    with pytest.raises(IndexError, match="^amin\\(\\): Expected reduction dim -2 to have non-zero size.$"):
        e.amin(-2)
    with pytest.raises(IndexError, match="Expected reduction dim 1 to have non-zero size"):
        torch.zeros(3, 0).amax((0, 1))


def test_argmax_argmin_max_empty():
    e = torch.zeros(0, 3)
    assert e.argmax(1).shape == (0,) and e.argmax(1).dtype == torch.int64
    assert e.argmin(-1, keepdim=True).shape == (0, 1)
    with pytest.raises(IndexError, match="^argmax\\(\\): Expected reduction dim to be specified for input.numel"):
        e.argmax()
    with pytest.raises(IndexError, match="^argmax\\(\\): Expected reduction dim 0 to have non-zero size.$"):
        e.argmax(0)
    with pytest.raises(IndexError, match="^argmin\\(\\): Expected reduction dim 0 to have non-zero size.$"):
        e.argmin(-2)
    with pytest.raises(IndexError, match="^max\\(\\): Expected reduction dim 0 to have non-zero size.$"):
        e.max(0)
    v, i = e.min(1)
    assert v.shape == (0,) and i.dtype == torch.int64


def test_logsumexp_empty_and_int():
    e = torch.zeros(0, 3)
    assert e.logsumexp(0).tolist() == [-math.inf] * 3
    assert e.logsumexp(1).shape == (0,)
    r = e.logsumexp((0, 1))
    assert r.shape == () and r.item() == -math.inf
    assert torch.zeros(0, dtype=torch.int64).logsumexp(0).dtype == torch.float32
    _close(torch.tensor([1, 2, 3]).logsumexp(0), torch.tensor(3.4076058864593506), 1e-6)


# --- norms with NaN; nuclear norm -----------------------------------------------------------------------
def test_norm_propagates_nan():
    n = torch.tensor([1., math.nan, 3.])
    for p in (2, "fro", 1, 3, math.inf, -math.inf):
        assert math.isnan(n.norm(p).item()), p
    assert n.norm(0).item() == 3.0
    assert math.isnan(torch.tensor([[1., math.nan], [3., 4.]]).norm(p="fro").item())
    assert torch.tensor([math.inf, 1.]).norm(2).item() == math.inf
    z = torch.zeros(3, requires_grad=True)
    z.norm().backward()
    assert z.grad.tolist() == [0., 0., 0.]


def test_nuclear_norm():
    x = torch.tensor([[1., 2.], [3., 4.]])
    _close(x.norm(p="nuc"), torch.tensor(5.830951690673828), 1e-5)
    _close(torch.norm(x, p="nuc", dim=(0, 1)), torch.tensor(5.830951690673828), 1e-5)
    assert torch.ones(2, 2, 2).norm(p="nuc", dim=(0, 2), keepdim=True).shape == (1, 2, 1)
    assert torch.tensor([[1., 2]]).norm(p="nuc", dtype=torch.float64).dtype == torch.float64
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: The input tensor A must have at least 2 dimensions."):
        torch.tensor([1., 2.]).norm(p="nuc")
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: dim must be a 2-tuple. Got 0 1 2"):
        torch.ones(2, 2, 2).norm(p="nuc")
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: dim must be a 2-tuple. Got 1"):
        x.norm(p="nuc", dim=1)
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as input. Got Long"):
        torch.tensor([[1, 2]]).norm(p="nuc")
    with pytest.raises(RuntimeError):   # PyTorch: torch.linalg.LinAlgError (a RuntimeError) from the SVD
        torch.tensor([[1., math.nan], [3., 4.]]).norm(p="nuc")


# --- NaN sorts as the largest value ---------------------------------------------------------------------
_S = [3., math.nan, 1., -math.inf, math.nan, 2.]


def test_sort_nan_order():
    s = torch.tensor(_S)
    v, i = s.sort()
    assert i.tolist() == [3, 2, 5, 0, 1, 4]
    v, i = s.sort(descending=True)
    assert i.tolist() == [1, 4, 0, 5, 2, 3]
    assert v[2:].tolist() == [3., 2., 1., -math.inf]
    assert s.argsort(descending=True).tolist() == [1, 4, 0, 5, 2, 3]
    assert s.sort(descending=True, stable=True).indices.tolist() == [1, 4, 0, 5, 2, 3]
    two = torch.tensor([_S, _S[::-1]])
    assert two.sort(dim=1, descending=True).indices.tolist() == [[1, 4, 0, 5, 2, 3], [1, 4, 5, 0, 3, 2]]
    assert torch.msort(s)[:4].tolist() == [-math.inf, 1., 2., 3.]


def test_topk_nan_and_0d():
    s = torch.tensor(_S)
    v, i = s.topk(3)
    assert i.tolist() == [1, 4, 0] and v[2].item() == 3.
    v, i = s.topk(3, largest=False)
    assert i.tolist() == [3, 2, 5]
    assert s.kthvalue(5).indices.item() in (1, 4)
    v, i = torch.tensor(3.).topk(1)
    assert v.shape == () and v.item() == 3. and i.item() == 0
    x = torch.tensor([1., 5., 2.], requires_grad=True)
    x.topk(2).values.sum().backward()
    assert x.grad.tolist() == [0., 1., 1.]


# --- scatter_reduce / gather ------------------------------------------------------------------------------
_BASE = [[3., 5., 0.], [0., 0., 0.]]
_SRC = [[3., 5., 5.], [3., 5., 1.]]
_SCATTER = {   # (reduce, include_self): (value, grad of input, grad of src), from PyTorch 2.13
    ("amax", True): ([[3., 5., 5.], [0., 0., 0.]], [[1 / 3, 1 / 3, 0.], [1., 1., 1.]],
                     [[1 / 3, 1 / 3, 1.], [1 / 3, 1 / 3, 0.]]),
    ("amax", False): ([[3., 5., 5.], [0., 0., 0.]], [[0., 0., 0.], [1., 1., 1.]],
                      [[1 / 3, 1 / 3, 1.], [1 / 3, 1 / 3, 0.]]),
    ("amin", True): ([[3., 5., 0.], [0., 0., 0.]], [[1 / 3, 1 / 3, 1.], [1., 1., 1.]],
                     [[1 / 3, 1 / 3, 0.], [1 / 3, 1 / 3, 0.]]),
    ("amin", False): ([[3., 5., 1.], [0., 0., 0.]], [[0., 0., 0.], [1., 1., 1.]],
                      [[1 / 3, 1 / 3, 0.], [1 / 3, 1 / 3, 1.]]),
    ("prod", True): ([[27., 125., 0.], [0., 0., 0.]], [[9., 25., 5.], [1., 1., 1.]], [[9., 25., 0.], [9., 25., 0.]]),
    ("prod", False): ([[9., 25., 5.], [0., 0., 0.]], [[0., 0., 0.], [1., 1., 1.]], [[3., 5., 1.], [3., 5., 5.]]),
    ("sum", False): ([[6., 10., 6.], [0., 0., 0.]], [[0., 0., 0.], [1., 1., 1.]], [[1., 1., 1.], [1., 1., 1.]]),
    ("mean", True): ([[3., 5., 2.], [0., 0., 0.]], [[1 / 3, 1 / 3, 1 / 3], [1., 1., 1.]],
                     [[1 / 3, 1 / 3, 1 / 3], [1 / 3, 1 / 3, 1 / 3]]),
}


@pytest.mark.parametrize("key", list(_SCATTER))
def test_scatter_reduce_values_and_gradients(key):
    reduce, include_self = key
    base = torch.tensor(_BASE, requires_grad=True)
    src = torch.tensor(_SRC, requires_grad=True)
    index = torch.zeros(2, 3, dtype=torch.int64)
    out = base.scatter_reduce(0, index, src, reduce, include_self=include_self)
    value, g_base, g_src = _SCATTER[key]
    _close(out.detach(), torch.tensor(value))
    out.sum().backward()
    _close(base.grad, torch.tensor(g_base), 1e-6)
    _close(src.grad, torch.tensor(g_src), 1e-6)


def test_scatter_reduce_prod_two_zeros():
    base = torch.tensor([2., 1.], requires_grad=True)
    src = torch.tensor([0., 0., 3.], requires_grad=True)
    out = base.scatter_reduce(0, torch.tensor([0, 0, 1]), src, "prod")
    assert out.tolist() == [0., 3.]
    out.sum().backward()
    assert base.grad.tolist() == [0., 3.] and src.grad.tolist() == [0., 0., 1.]


def test_gather_smaller_index():
    inp = torch.arange(12.).reshape(3, 4)
    gi = torch.tensor([[0, 2], [1, 0]])
    assert inp.gather(0, gi).tolist() == [[0., 9.], [4., 1.]]
    assert inp.gather(1, gi).tolist() == [[0., 2.], [5., 4.]]
    assert inp.gather(1, torch.tensor([[0, 1, 2, 3, 0]])).tolist() == [[0., 1., 2., 3., 0.]]
    assert inp.gather(0, torch.tensor([[0], [1], [2], [0]])).tolist() == [[0.], [4.], [8.], [0.]]
    assert inp.gather(0, torch.zeros(0, 2, dtype=torch.int64)).shape == (0, 2)
    x = inp.clone().requires_grad_()
    x.gather(0, gi).sum().backward()
    assert x.grad.tolist() == [[1., 1., 0., 0.], [1., 0., 0., 0.], [0., 1., 0., 0.]]


def test_gather_0d_and_errors():
    assert torch.tensor(3.).gather(0, torch.tensor(0)).shape == ()
    assert torch.tensor(3.).gather(0, torch.tensor([0])).tolist() == [3.]
    assert torch.tensor([3.]).gather(0, torch.tensor(0)).shape == ()
    inp = torch.arange(12.).reshape(3, 4)
    with pytest.raises(RuntimeError, match="^index -1 is out of bounds for dimension 1 with size 4$"):
        inp.gather(1, torch.tensor([[-1]]))
    with pytest.raises(RuntimeError, match="^index 4 is out of bounds for dimension 1 with size 4$"):
        inp.gather(1, torch.tensor([[4]]))
    with pytest.raises(RuntimeError, match="Size does not match at dimension 1 expected index \\[1, 5\\] to be no "
                                           "larger than self \\[3, 4\\] apart from dimension 0"):
        inp.gather(0, torch.tensor([[0, 1, 2, 0, 1]]))
    with pytest.raises(RuntimeError, match="Index tensor must have the same number of dimensions as input tensor"):
        inp.gather(0, torch.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="gather\\(\\): Expected dtype int32/int64 for index"):
        inp.gather(0, torch.tensor([[0.]]))


# --- view(dtype), tile, 0-d shape ops ------------------------------------------------------------------------
def test_view_dtype():
    f = torch.tensor([1., 2., -0.5, 0.])
    assert f.view(torch.int32).tolist() == [1065353216, 1073741824, -1090519040, 0]
    assert f.view(torch.int16).tolist() == [0, 16256, 0, 16384, 0, -16640, 0, 0]
    assert f.view(torch.uint8).shape == (16,)
    assert f.view(torch.float64).shape == (2,)
    assert torch.zeros(2, 4).view(torch.int64).shape == (2, 2)
    assert torch.tensor(1.).view(torch.int32).item() == 1065353216
    assert torch.tensor([1, 0], dtype=torch.uint8).view(torch.bool).tolist() == [True, False]
    r = f.clone().requires_grad_().view(torch.int32)
    assert not r.requires_grad
    with pytest.raises(RuntimeError, match="self.size\\(-1\\) must be divisible by 2 to view Float as Double "
                                           "\\(different element sizes\\), but got 3"):
        f[:3].view(torch.float64)
    with pytest.raises(RuntimeError, match="self.dim\\(\\) cannot be 0 to view Float as Short"):
        torch.tensor(1.).view(torch.int16)
    v = f.view(torch.int32)   # shares memory
    f[0] = 0.
    assert v[0].item() == 0


def test_tile_forms():
    t = torch.tensor([1, 2])
    assert t.tile(2, 2).tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]
    assert t.tile((2, 2)).tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]
    assert t.tile(2).tolist() == [1, 2, 1, 2]
    assert t.tile([3]).shape == (6,)
    assert t.tile(()).tolist() == [1, 2]
    assert torch.tile(t, (2,)).tolist() == [1, 2, 1, 2]


def test_zero_dim_shape_ops():
    z = torch.tensor(3.)
    for r in (z.flip(0), z.flip(-1), z.flip(()), z.movedim(0, 0), z.movedim(-1, 0), z.transpose(0, -1),
              z.unsqueeze(-1).squeeze(0), z.roll(1)):
        assert r.shape == () and r.item() == 3.
    with pytest.warns(UserWarning, match="Tensor.mT is deprecated on 0-D tensors"):   # PyTorch: once a process
        z.mT
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert z.mT.shape == () and z.mH.shape == () and z.T.shape == ()
    with pytest.raises(RuntimeError, match="tensor.mT is only supported on matrices or batches of matrices. Got 1-D"):
        torch.ones(3).mT
    with pytest.raises(IndexError, match="Dimension out of range"):
        z.flip(1)
    with pytest.raises(IndexError, match="Dimension out of range"):
        z.movedim(1, 0)
    with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no dimensions"):
        z.roll(1, 0)
    with pytest.raises(RuntimeError, match="narrow\\(\\) cannot be applied to a 0-dim tensor."):
        z.narrow(0, 0, 1)
    with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no dimensions"):
        z.unbind()
    with pytest.raises(RuntimeError, match="chunk expects at least a 1-dimensional tensor"):
        z.chunk(1)
    with pytest.raises(IndexError, match="select\\(\\) cannot be applied to a 0-dim tensor."):
        z.select(0, 0)


# --- gradients of acosh and frexp -----------------------------------------------------------------------------
def test_acosh_asinh_atanh_gradients():
    a = torch.tensor([1.5, 2., 10.], requires_grad=True)
    torch.acosh(a).sum().backward()
    _close(a.grad, torch.tensor([1 / math.sqrt(v * v - 1) for v in (1.5, 2., 10.)]), 1e-6)
    b = torch.tensor([1.], requires_grad=True)
    torch.acosh(b).sum().backward()
    assert b.grad.item() == math.inf
    c = torch.tensor([0.5, 1.], requires_grad=True)
    torch.atanh(c).sum().backward()
    _close(c.grad, torch.tensor([4 / 3, math.inf]))


def test_frexp_gradient():
    x = torch.tensor([1.5, 8., -3., 0.], requires_grad=True)
    m, e = torch.frexp(x)
    assert m.requires_grad and not e.requires_grad and e.dtype == torch.int32
    assert m.tolist() == [0.75, 0.5, -0.75, 0.] and e.tolist() == [1, 4, 2, 0]
    m.sum().backward()
    assert x.grad.tolist() == [0.5, 0.0625, 0.25, 1.0]
    m64, _ = torch.tensor([1.5], dtype=torch.float64).frexp()
    assert m64.dtype == torch.float64
    with pytest.raises(RuntimeError, match="frexp\\(\\) only supports floating-point dtypes"):
        torch.frexp(torch.tensor([1, 8]))
