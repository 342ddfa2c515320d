"""Differential checks of Tensor methods against PyTorch 2.13: the cases the tsweep sweep found
(``tools/tsweep/sweep.py``); the first part is ``test_tsweep17.py``.

Written against ``import minidl as torch``; every test also passes under real PyTorch with only that
import changed (``sed 's/^import minidl as torch$/import torch/'``). Expected values were read from
PyTorch 2.13 (CPU).
"""
import math

import pytest

import minidl as torch


def _close(a, b, tol=1e-6):
    assert a.shape == b.shape, (a.shape, b.shape)
    assert torch.allclose(a.double(), b.double(), atol=tol, rtol=tol, equal_nan=True), (a, b)


# --- found by the sweep (tools/tsweep/sweep.py) ------------------------------------------------------------
def test_empty_softmax_cum_and_prod():
    e = torch.zeros(0, 3, requires_grad=True)
    assert e.softmax(0).shape == (0, 3) and e.log_softmax(1).shape == (0, 3)
    v, i = e.cummax(0)
    assert v.shape == (0, 3) and i.dtype == torch.int64
    assert e.cummin(1).indices.shape == (0, 3)
    assert e.cumprod(0).shape == (0, 3)
    e.prod().backward()
    assert e.grad.shape == (0, 3)
    assert torch.zeros(0, dtype=torch.int64) % 0 is not None   # no elements: nothing divides by zero
    assert torch.fmod(torch.zeros(2, 0, dtype=torch.int64), 0).shape == (2, 0)


def test_copysign_ldexp_promotion():
    assert torch.copysign(torch.tensor(1.), torch.tensor(-2., dtype=torch.float64)).dtype == torch.float64
    assert torch.copysign(torch.tensor([1., 2.]), torch.tensor(-2., dtype=torch.float64)).dtype == torch.float32
    assert torch.copysign(torch.tensor([1, 2]), -1).tolist() == [-1., -2.]
    assert torch.ldexp(torch.tensor([1, 2]), torch.tensor(2., dtype=torch.float64)).dtype == torch.float64
    assert torch.ldexp(torch.tensor([1., 2.], dtype=torch.float16), torch.tensor([2])).dtype == torch.float16


def test_bool_sign_square_and_0d_nonzero():
    b = torch.tensor([True, False])
    assert b.sign().dtype == torch.bool and b.sign().tolist() == [True, False]
    assert b.square().dtype == torch.int64 and torch.square(b).tolist() == [1, 0]
    assert torch.tensor(2.).nonzero().shape == (1, 0)
    assert torch.tensor(0.).nonzero().shape == (0, 0)
    assert torch.argwhere(torch.tensor(2.)).shape == (1, 0)
    with pytest.raises(RuntimeError, match="order must be non-negative but got -1"):
        torch.tensor([1., 2.]).diff(-1)


def test_uint8_reductions_and_wrapping_numbers():
    u = torch.tensor([1, 0, 2], dtype=torch.uint8)
    assert u.any().dtype == torch.uint8 and u.all(0).dtype == torch.uint8 and u.any().item() == 1
    assert (u < -1).tolist() == [True, True, True]   # -1 converts to 255 in uint8
    assert (u & -1).tolist() == [1, 0, 2] and (u & -1).dtype == torch.uint8
    assert (u / -1).tolist() == [-1., -0., -2.]      # true division: -1 stays -1
    assert (-2 / torch.tensor([1, 2], dtype=torch.uint8)).tolist() == [-2., -1.]
    assert all(math.isnan(v) for v in torch.xlogy(torch.tensor([1, 2], dtype=torch.uint8), -1).tolist())
    assert (torch.tensor([1, 2], dtype=torch.int8) | torch.tensor(3)).dtype == torch.int8


@pytest.mark.parametrize("op, name", [(lambda a, b: a & b, "bitwise_and"), (lambda a, b: a | b, "bitwise_or"),
                                      (lambda a, b: a ^ b, "bitwise_xor"), (torch.gcd, "gcd"), (torch.lcm, "lcm")])
def test_integer_only_ops_on_floats(op, name):
    with pytest.raises(NotImplementedError, match=f"\"{name}_cpu\" not implemented for 'Float'"):
        op(torch.tensor([1.]), torch.tensor([1.]))
    with pytest.raises(NotImplementedError, match=f"\"{name}_cpu\" not implemented for 'Double'"):
        op(torch.tensor([1]), torch.tensor(1., dtype=torch.float64))


def test_gcd_lcm_promote():
    r = torch.gcd(torch.tensor([4, 6], dtype=torch.int8), torch.tensor([6, 9]))
    assert r.dtype == torch.int64 and r.tolist() == [2, 3]
    with pytest.raises(NotImplementedError, match="\"lcm_cpu\" not implemented for 'Bool'"):
        torch.lcm(torch.tensor([True]), torch.tensor([True]))


def test_erf_half_and_gradients_at_edges():
    assert torch.erf(torch.tensor([1.], dtype=torch.float16)).dtype == torch.float16
    assert torch.erfc(torch.tensor([1.], dtype=torch.float16)).dtype == torch.float16
    x = torch.tensor([-2., 0.5, 1.5], requires_grad=True)
    torch.acosh(x).sum().backward()
    _close(x.grad, torch.tensor([1 / math.sqrt(3), math.nan, 1 / math.sqrt(1.25)]), 1e-6)
    p = torch.tensor([-2., 0.5, 0., 2.], requires_grad=True)
    torch.logit(p).sum().backward()
    _close(p.grad, torch.tensor([math.nan, 4., math.inf, math.nan]))
    y = torch.tensor([0., 1.], requires_grad=True)
    torch.atan2(y, torch.tensor([0., 0.])).sum().backward()
    assert y.grad.tolist() == [0., 0.]


def test_empty_chunk_split_mode_kthvalue():
    assert [t.shape for t in torch.zeros(0).chunk(2)] == [(0,), (0,)]
    assert len(torch.zeros(2, 0).chunk(3, 1)) == 3
    with pytest.raises(RuntimeError, match="split expects at least a 1-dimensional tensor"):
        torch.tensor(1.).split(1)
    with pytest.raises(IndexError, match="^mode\\(\\): Expected reduction dim 0 to have non-zero size.$"):
        torch.zeros(0).mode(0)
    with pytest.raises(IndexError, match="^kthvalue\\(\\): Expected reduction dim 0 to have non-zero size.$"):
        torch.zeros(0).kthvalue(1)
    assert torch.zeros(2, 0).kthvalue(1, 0).values.shape == (0,)
    assert torch.zeros(0, 3).mode(1).values.shape == (0,)


def test_descending_sort_ties_and_topk_dtypes():
    u = torch.tensor([1, 2, 2, 1], dtype=torch.uint8)
    assert u.sort(descending=True).indices.tolist() == [1, 2, 0, 3]
    assert u.topk(3).indices.tolist() == [1, 2, 0]
    assert torch.tensor([True, False, True]).sort(descending=True).indices.tolist() == [0, 2, 1]
    with pytest.raises(RuntimeError, match="topk does not support bool dtypes on CPU"):
        torch.tensor([True]).topk(1)
    with pytest.raises(RuntimeError, match="topk does not support complex dtypes on CPU"):
        torch.tensor([1j]).topk(1)


_NOT_IMPLEMENTED = [   # (call, PyTorch's exception, its message), read from PyTorch 2.13
    (lambda: torch.hypot(torch.tensor([1]), torch.tensor([2])), NotImplementedError,
     "\"hypot_cpu\" not implemented for 'Long'"),
    (lambda: torch.nextafter(torch.tensor([1]), torch.tensor([2])), NotImplementedError,
     "\"nextafter_cpu\" not implemented for 'Long'"),
    (lambda: torch.copysign(torch.tensor([1j]), torch.tensor([1.])), NotImplementedError,
     "\"copysign_cpu\" not implemented for 'ComplexFloat'"),
    (lambda: torch.fmax(torch.tensor([1j]), torch.tensor([1j])), RuntimeError,
     "fmax not implemented for complex tensors."),
    (lambda: torch.tensor([1j]).nansum(), RuntimeError, "nansum on CPU does not support complex inputs"),
    (lambda: torch.tensor([1j]).isposinf(), RuntimeError, "isposinf does not support complex inputs."),
    (lambda: torch.tensor([1j]).rad2deg(), RuntimeError, "rad2deg is not supported for complex tensors."),
    (lambda: torch.tensor([True]).median(), NotImplementedError, "\"median_cpu\" not implemented for 'Bool'"),
    (lambda: torch.tensor([1j]).median(0), NotImplementedError, "\"median_out\" not implemented for 'ComplexFloat'"),
    (lambda: torch.tensor([1j]).mode(), NotImplementedError, "\"mode_cpu\" not implemented for 'ComplexFloat'"),
    (lambda: torch.tensor([1j]).logit(), NotImplementedError, "\"logit_cpu\" not implemented for 'ComplexFloat'"),
    (lambda: torch.tensor([1]).logcumsumexp(0), NotImplementedError,
     "\"logcumsumexp_out_cpu\" not implemented for 'Long'"),
    (lambda: torch.ones(2, 3, dtype=torch.int64).softmax(0), NotImplementedError,
     "\"softmax_kernel_impl\" not implemented for 'Long'"),
    (lambda: torch.ones(2, 3, dtype=torch.int64).softmax(1), NotImplementedError,
     "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
    (lambda: torch.softmax(torch.ones(3, dtype=torch.int32), 0), NotImplementedError,
     "\"softmax_lastdim_kernel_impl\" not implemented for 'Int'"),
    (lambda: torch.ones(2, 3, dtype=torch.uint8).log_softmax(0), NotImplementedError,
     "\"log_softmax_kernel_impl\" not implemented for 'Byte'"),
    (lambda: torch.tensor([True]).round(), NotImplementedError, "\"round_vml_cpu\" not implemented for 'Bool'"),
    (lambda: torch.tensor([True]).floor(), NotImplementedError, "\"floor_vml_cpu\" not implemented for 'Bool'"),
    (lambda: torch.tensor([True]).relu(), RuntimeError, "Boolean inputs not supported for relu"),
    (lambda: torch.tensor([True]).argmax(), RuntimeError, "argmax\\(\\): does not support bool input"),
    (lambda: torch.tensor([True]).argmin(0), RuntimeError, "argmin\\(\\): does not support bool input"),
    (lambda: torch.tensor([1]).norm(), RuntimeError,
     "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    (lambda: torch.tensor([1]).dist(torch.tensor([1])), RuntimeError,
     "norm\\(\\): input dtype should be either floating point or complex. Got Long instead."),
    (lambda: torch.isclose(torch.tensor([1]), torch.tensor([1.])), RuntimeError, "Long did not match Float"),
    (lambda: torch.tensor([1.]).bitwise_not(), NotImplementedError, "\"bitwise_not_cpu\" not implemented for 'Float'"),
    (lambda: ~torch.tensor([1.]), TypeError, "~ \\(operator.invert\\) is only implemented on integer and Boolean"),
    (lambda: torch.tensor([True]).bitwise_left_shift(torch.tensor([True])), NotImplementedError,
     "\"lshift_cpu\" not implemented for 'Bool'"),
    (lambda: torch.tensor([1]).frac(), NotImplementedError, "\"frac_cpu\" not implemented for 'Long'"),
    (lambda: torch.tensor([True]).abs(), NotImplementedError, "\"abs_cpu\" not implemented for 'Bool'"),
    (lambda: torch.tensor([1j]).lgamma(), NotImplementedError, "\"lgamma_vml_cpu\" not implemented for 'ComplexFloat'"),
    (lambda: torch.tensor([True]).positive(), RuntimeError, "operator, on a bool tensor is not supported."),
    (lambda: torch.tensor([1j]).abs_(), RuntimeError, "In-place abs is not supported for complex tensors."),
]


@pytest.mark.parametrize("call, error, text", _NOT_IMPLEMENTED)
def test_dtype_refusals_match_pytorch(call, error, text):
    with pytest.raises(error, match=text):
        call()


def test_dtype_ok_cases_still_work():
    assert torch.hypot(torch.tensor([3]), torch.tensor([4.])).tolist() == [5.]
    assert torch.ones(3, dtype=torch.int64).softmax(0, dtype=torch.float32).dtype == torch.float32
    assert torch.zeros(0, dtype=torch.int64).softmax(0).shape == (0,)
    assert torch.tensor([1., 2.]).norm(dtype=torch.float64).dtype == torch.float64
    assert (torch.tensor([1, 2]) << 1).tolist() == [2, 4]
    assert torch.tensor([1.5, -1.5]).frac().tolist() == [0.5, -0.5]
    assert torch.tensor([True]).max().item() is True


@pytest.mark.parametrize("a, b, text", [
    ((2, 3), (2, 3), "mat1 and mat2 shapes cannot be multiplied \\(2x3 and 2x3\\)"),
    ((4,), (2, 3), "mat1 and mat2 shapes cannot be multiplied \\(1x4 and 2x3\\)"),
    ((3,), (2,), "inconsistent tensor size, expected tensor \\[3\\] and src \\[2\\] to have the same number of "
                 "elements, but got 3 and 2 elements respectively"),
    ((2, 3), (4,), "size mismatch, got input \\(2\\), mat \\(2x3\\), vec \\(4\\)"),
    ((3, 1, 4), (3, 1, 4), "Expected size for first two dimensions of batch2 tensor to be: \\[3, 4\\] but got: "
                           "\\[3, 1\\]."),
    ((), (), "both arguments to matmul need to be at least 1D, but they are 0D and 0D"),
])
def test_matmul_errors(a, b, text):
    with pytest.raises(RuntimeError, match=text):
        torch.ones(a) @ torch.ones(b)


def test_integer_numbers_wrap_in_clamp_and_fill():
    u = torch.tensor([0, 3, 7], dtype=torch.uint8)
    assert u.clamp(-1, 1).tolist() == [1, 1, 1]
    assert u.clamp(min=-1).tolist() == [255, 255, 255]
    assert u.clone().fill_(-1).tolist() == [255, 255, 255]
    assert u.clone().clamp_min_(-1).tolist() == [255, 255, 255]
    assert torch.tensor([1, 200], dtype=torch.int16).clamp(-1, 100).tolist() == [1, 100]


def test_index_select_quantile_lerp_edges():
    z = torch.tensor(1.5)
    assert z.index_select(0, torch.tensor([0])).shape == () and z.index_select(0, torch.tensor(0)).item() == 1.5
    with pytest.raises(RuntimeError, match="quantile\\(\\) input tensor must be non-empty"):
        torch.zeros(0).quantile(0.5)
    with pytest.raises(RuntimeError, match="quantile\\(\\) input tensor must be non-empty"):
        torch.zeros(0).nanquantile(0.5)
    with pytest.raises(RuntimeError, match="quantile\\(\\) input tensor must be either float or double dtype"):
        torch.ones(3, dtype=torch.int64).quantile(0.5)
    with pytest.raises(RuntimeError, match="expected dtype float for `end` but got dtype long int"):
        torch.lerp(torch.ones(2), torch.ones(2, dtype=torch.int64), 0.5)
    with pytest.raises(RuntimeError, match="expected dtype float for `end` but got dtype double"):
        torch.ones(2).lerp(torch.tensor(0., dtype=torch.float64), 0.5)
    with pytest.raises(RuntimeError, match="expected dtype float for `weight` but got dtype double"):
        torch.lerp(torch.ones(2), torch.zeros(2), torch.ones(2, dtype=torch.float64))
    with pytest.raises(NotImplementedError, match="\"lerp_kernel_scalar\" not implemented for 'Long'"):
        torch.lerp(torch.ones(2, dtype=torch.int64), torch.ones(2, dtype=torch.int64), 0.5)
    assert torch.lerp(torch.ones(2), torch.zeros(2), torch.tensor(0.5, dtype=torch.float64)).tolist() == [0.5, 0.5]
    assert torch.lerp(torch.ones(2), torch.zeros(2), 0.25).tolist() == [0.75, 0.75]


def test_unflatten_infers_from_the_dim():
    assert torch.zeros(2, 0).unflatten(0, (1, -1)).shape == (1, 2, 0)
    assert torch.zeros(6, 2).unflatten(0, (2, -1)).shape == (2, 3, 2)
    with pytest.raises(RuntimeError, match="unflatten: Provided sizes \\[2, -1\\] don't multiply up to the size of "
                                           "dim 0 \\(5\\) in the input tensor"):
        torch.zeros(5).unflatten(0, (2, -1))
    assert torch.tensor(1.).unique_consecutive().tolist() == [1.]
