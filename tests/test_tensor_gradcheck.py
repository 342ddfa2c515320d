"""Float64 finite-difference checks of every differentiable op the Tensor API added (CPU, and GPU when present)."""
import numpy as np
import pytest

import minidl as mdl

DEVICES = ["cpu", pytest.param("gpu", marks=pytest.mark.gpu)]


@pytest.fixture(params=DEVICES)
def device(request):
    return request.param


def t(rng, *shape, device="cpu", positive=False):
    a = rng.standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    return mdl.tensor(a, dtype=mdl.float64, requires_grad=True, device=device)


def check(fn, *inputs):
    assert mdl.gradcheck(fn, inputs)


SHAPE_OPS = {
    "transpose": lambda x: x.transpose(0, 2),
    "permute": lambda x: x.permute(1, 2, 0),
    "T": lambda x: x.T,
    "t": lambda x: x[0].t(),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "squeeze": lambda x: x[:, :1].squeeze(1),
    "flatten": lambda x: x.flatten(),
    "view_as": lambda x: x.view_as(mdl.zeros(4, 6)),
    "expand": lambda x: x[:, :1].expand(2, 5, 4),
    "repeat": lambda x: x.repeat(2, 1, 3),
    "repeat_new_dims": lambda x: x[0].repeat(2, 2, 1),
    "chunk": lambda x: x.chunk(2, dim=2)[1],
    "split": lambda x: x.split([1, 2], dim=1)[1],
    "unbind": lambda x: x.unbind(1)[2],
    "flip": lambda x: x.flip(0, 2),
    "clone": lambda x: x.clone(),
    "contiguous": lambda x: x.transpose(0, 1).contiguous(),
    "index_tensor_repeats": lambda x: x[mdl.tensor([0, 0, 1])],
    "index_bool_mask": lambda x: x[x > 0],
    "index_mixed": lambda x: x[:, [0, 2, 2], 1],
    "gather": lambda x: x.gather(2, mdl.tensor(np.array([[[0, 3, 3]] * 3] * 2), device=x.device)),
    "index_select": lambda x: x.index_select(1, mdl.tensor([2, 0, 2], device=x.device)),
    "masked_select": lambda x: x.masked_select(x > 0.1),
    "cumsum": lambda x: x.cumsum(1),
    "to_copy": lambda x: x.to(x.device, copy=True) * 2,  # (float32 round trips are too coarse for finite differences)
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_ops(rng, device, name):
    check(SHAPE_OPS[name], t(rng, 2, 3, 4, device=device))


ELEMENTWISE = {
    "sin": lambda x: x.sin(),
    "cos": lambda x: mdl.cos(x),
    "clamp": lambda x: x.clamp(-0.5, 0.5),
    "clamp_min": lambda x: x.clamp(min=0.1),
    "clamp_tensor": lambda x: x.clamp(min=mdl.zeros(4, dtype=mdl.float64, device=x.device) - 0.2),
    "where": lambda x: mdl.where(x > 0, x * 2, x * x),
    "where_method": lambda x: x.where(x < 0, mdl.tensor(0.5, dtype=mdl.float64, device=x.device)),
    "remainder": lambda x: x % 0.7,
    "rpow": lambda x: 2.0 ** x,
    "sigmoid": lambda x: mdl.sigmoid(x),
    "tanh": lambda x: mdl.tanh(x),
    "masked_fill": lambda x: x.masked_fill(x > 0.5, 0.0),
    "rsqrt": lambda x: (x * x + 1).rsqrt(),
    "sign_floor_round": lambda x: x.sign() + x.floor() + x.round() + x,
    "div_rounding_modes": lambda x: x.div(0.3, rounding_mode="floor") + x.div(0.3, rounding_mode="trunc") + x,
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_ops(rng, device, name):
    check(ELEMENTWISE[name], t(rng, 3, 4, device=device))


def test_remainder_wrt_divisor(rng, device):
    check(lambda a, b: a % b, t(rng, 3, 4, device=device), t(rng, 3, 4, device=device, positive=True))


REDUCTIONS = {
    "prod_all": lambda x: x.prod(),
    "prod_dim": lambda x: x.prod(1),
    "prod_keepdim": lambda x: x.prod(0, keepdim=True),
    "var": lambda x: x.var(1),
    "var_all_biased": lambda x: x.var(unbiased=False),
    "std": lambda x: x.std(0),
    "std_keepdim": lambda x: x.std(1, keepdim=True, correction=0),
    "logsumexp": lambda x: x.logsumexp(1),
    "logsumexp_tuple": lambda x: mdl.logsumexp(x, (0, 1), keepdim=True),
    "max_dim": lambda x: x.max(1).values,
    "min_dim_keepdim": lambda x: x.min(0, keepdim=True)[0],
    "max_all": lambda x: x.max(),
    "min_all": lambda x: mdl.min(x),
    "amax": lambda x: x.amax(1),
    "amin_tuple": lambda x: x.amin((0, 1)),
    "sort": lambda x: x.sort(1, descending=True).values,
    "topk": lambda x: x.topk(2, dim=1).values,
    "norm": lambda x: x.norm(),
    "norm_dim": lambda x: x.norm(dim=1),
    "sum_dim": lambda x: x.sum(dim=1, keepdim=True),
    "mean_dims": lambda x: x.mean(dim=(0, 1)),
    "softmax": lambda x: mdl.softmax(x, dim=1),
    "log_softmax": lambda x: mdl.log_softmax(x, dim=0),
    "softmax_method": lambda x: x.softmax(-1),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reductions(rng, device, name):
    check(REDUCTIONS[name], t(rng, 3, 4, device=device))


def test_prod_with_zeros(device):
    x = mdl.tensor([[0.0, 2.0, 3.0], [0.0, 0.0, 1.5]], dtype=mdl.float64, requires_grad=True, device=device)
    check(lambda v: v.prod(1), x)
    check(lambda v: v.prod(), x)


def test_cat_stack_with_dim(rng, device):
    a, b = t(rng, 2, 3, device=device), t(rng, 2, 1, device=device)
    check(lambda u, v: mdl.cat([u, v], dim=1), a, b)
    check(lambda u, v: mdl.stack([u, v * 2], dim=1), a, t(rng, 2, 3, device=device))


def test_maximum_of_two_tensors_via_max(rng, device):
    check(lambda u, v: mdl.max(u, v), t(rng, 3, 4, device=device), t(rng, 4, device=device))
    check(lambda u, v: mdl.minimum(u, v), t(rng, 3, 4, device=device), t(rng, 4, device=device))


INPLACE = {
    "add_": lambda x, y: (x * 1).add_(y, alpha=2),
    "sub_": lambda x, y: (x * 1).sub_(y),
    "mul_": lambda x, y: (x * 1).mul_(y),
    "div_": lambda x, y: (x * 1).div_(y * y + 1),
    "iadd_chain": lambda x, y: _iadd_chain(x, y),
    "clamp_": lambda x, y: (x * y).clamp_(-0.3, 0.3),
    "copy_": lambda x, y: mdl.zeros(3, 4, dtype=mdl.float64, device=x.device).copy_(x * y),
    "setitem": lambda x, y: _setitem(x, y),
    "masked_fill_": lambda x, y: (x * y).masked_fill_(x > 0, 1.0),
}


def _iadd_chain(x, y):
    z = x * 2
    z += y
    z *= x
    z -= 1
    z /= 3
    return z


def _setitem(x, y):
    z = x * 1
    z[1] = y[0] * 3
    z[:, 2] = y[:, 1]
    return z


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_recorded_inplace_ops(rng, device, name):
    check(INPLACE[name], t(rng, 3, 4, device=device), t(rng, 3, 4, device=device))
