"""The added elementwise math, products and running reductions (``minidl.log1p``, ``addmm``, ``xlogy``,
``cumprod``, ...): values against NumPy references (odd sizes), float64 ``gradcheck`` and ``gradgradcheck``,
PyTorch's special cases and errors."""
import math

import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck
from minidl.ops import unary

DEVICES = ["cpu", pytest.param("gpu", marks=pytest.mark.gpu)]


def t(rng, *shape, low=-0.9, high=0.9, device="cpu"):
    return mdl.tensor(rng.uniform(low, high, shape), dtype=mdl.float64, requires_grad=True, device=device)


def check(fn, *inputs):
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


UNARY = {
    "log1p": (np.log1p, -0.9, 2.0), "expm1": (np.expm1, -2, 2), "log2": (np.log2, 0.2, 3),
    "log10": (np.log10, 0.2, 3), "tan": (np.tan, -1.2, 1.2), "sinh": (np.sinh, -2, 2), "cosh": (np.cosh, -2, 2),
    "asin": (np.arcsin, -0.9, 0.9), "acos": (np.arccos, -0.9, 0.9), "atan": (np.arctan, -3, 3),
    "asinh": (np.arcsinh, -3, 3), "acosh": (np.arccosh, 1.2, 3), "atanh": (np.arctanh, -0.9, 0.9),
    "reciprocal": (np.reciprocal, 0.5, 2), "rsqrt": (lambda a: 1 / np.sqrt(a), 0.5, 2),
    "erf": (np.vectorize(math.erf), -2, 2), "erfc": (np.vectorize(math.erfc), -2, 2),
    "exp2": (np.exp2, -2, 2), "deg2rad": (np.deg2rad, -90, 90), "rad2deg": (np.rad2deg, -2, 2),
    "frac": (lambda a: a - np.trunc(a), -3, 3), "trunc": (np.trunc, -3, 3),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_and_derivatives(rng, device, name):
    ref, low, high = UNARY[name]
    x = t(rng, 3, 5, low=low, high=high, device=device)
    fn = getattr(mdl, name)
    np.testing.assert_allclose(fn(x).numpy(), ref(x.numpy()), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(getattr(x, name)().numpy(), ref(x.numpy()), rtol=1e-10, atol=1e-12)
    if name not in ("trunc", "frac"):        # non-smooth at integers: checked where smooth below
        check(fn, x)


def test_frac_gradient_is_one(rng):
    x = t(rng, 7, low=0.1, high=0.9)
    check(mdl.frac, x)


def test_float32_results_and_integer_inputs():
    assert mdl.log1p(mdl.tensor([1, 2])).dtype == mdl.float32
    assert mdl.tan(mdl.tensor([0.5], dtype=mdl.float64)).dtype == mdl.float64
    small = mdl.tensor([1e-10], dtype=mdl.float64)
    assert mdl.log1p(small).item() == pytest.approx(1e-10, rel=1e-12)   # not log(1 + x)
    assert mdl.expm1(small).item() == pytest.approx(1e-10, rel=1e-12)
    assert mdl.log2(mdl.tensor([8.0])).item() == 3.0 and mdl.log10(mdl.tensor([1000.0])).item() == 3.0


def test_erfinv_inverts_erf_and_its_edges(rng):
    y = mdl.tensor(rng.uniform(-0.999, 0.999, 101), dtype=mdl.float64)
    x = mdl.erfinv(y).numpy()
    np.testing.assert_allclose([math.erf(v) for v in x], y.numpy(), atol=1e-14)
    edges = mdl.erfinv(mdl.tensor([1.0, -1.0, 0.0, 2.0])).numpy()
    assert edges[0] == np.inf and edges[1] == -np.inf and edges[2] == 0 and np.isnan(edges[3])
    check(mdl.erfinv, t(rng, 3, 4))


def test_atan2_fmod_hypot_values_and_derivatives(rng):
    y, x = t(rng, 3, 4, low=-2, high=2), t(rng, 4, low=0.5, high=2)
    np.testing.assert_allclose(mdl.atan2(y, x).numpy(), np.arctan2(y.numpy(), x.numpy()))
    check(mdl.atan2, y, x)
    a, b = t(rng, 3, 4, low=0.1, high=5), t(rng, 3, 4, low=0.7, high=0.9)
    np.testing.assert_allclose(mdl.fmod(a, b).numpy(), np.fmod(a.numpy(), b.numpy()))
    check(mdl.fmod, a, b)
    assert mdl.fmod(mdl.tensor([-3, 3]), 2).tolist() == [-1, 1]
    assert mdl.fmod(mdl.tensor([-3.0, 3.0]), 2).tolist() == [-1.0, 1.0]
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        mdl.fmod(mdl.tensor([1, 2]), 0)
    check(mdl.hypot, a, b)


def test_every_new_op_class_has_a_second_derivative():
    for name in dir(unary):
        cls = getattr(unary, name)
        if isinstance(cls, type) and issubclass(cls, mdl.autograd.Function) and cls is not mdl.autograd.Function:
            assert hasattr(cls, "backward_graph"), name


def test_xlogy_zero_and_nan_rules(rng):
    out = mdl.xlogy(mdl.tensor([0.0, 1.0, 0.0, 2.0]), mdl.tensor([0.0, math.e, math.nan, 1.0]))
    assert out.tolist()[:2] == [0.0, 1.0] and math.isnan(out.tolist()[2]) and out.tolist()[3] == 0.0
    x = mdl.tensor([0.0, 2.0], requires_grad=True)
    y = mdl.tensor([0.0, 3.0], requires_grad=True)
    mdl.xlogy(x, y).sum().backward()
    assert x.grad.tolist() == pytest.approx([0.0, math.log(3.0)])
    assert y.grad.tolist() == pytest.approx([0.0, 2.0 / 3.0])
    check(mdl.xlogy, t(rng, 3, 4), t(rng, 3, 4, low=0.2, high=3))
    assert mdl.xlogy(2.0, mdl.tensor([math.e])).item() == pytest.approx(2.0)


def test_logaddexp_is_stable_and_differentiable(rng):
    a, b = t(rng, 3, 5, low=-3, high=3), t(rng, 5, low=-3, high=3)
    np.testing.assert_allclose(mdl.logaddexp(a, b).numpy(), np.logaddexp(a.numpy(), b.numpy()))
    np.testing.assert_allclose(mdl.logaddexp2(a, b).numpy(), np.logaddexp2(a.numpy(), b.numpy()))
    check(mdl.logaddexp, a, b)
    big = mdl.logaddexp(mdl.tensor([1000.0, -math.inf]), mdl.tensor([1000.0, -math.inf])).tolist()
    assert big[0] == pytest.approx(1000 + math.log(2)) and big[1] == -math.inf


def test_fused_updates(rng):
    i, a, b = t(rng, 3, 5), t(rng, 3, 5), t(rng, 5, low=0.5, high=2)
    np.testing.assert_allclose(mdl.addcmul(i, a, b, value=0.5).numpy(), i.numpy() + 0.5 * a.numpy() * b.numpy())
    np.testing.assert_allclose(mdl.addcdiv(i, a, b, value=2).numpy(), i.numpy() + 2 * a.numpy() / b.numpy())
    np.testing.assert_allclose(mdl.lerp(i, a, 0.25).numpy(), i.numpy() + 0.25 * (a.numpy() - i.numpy()))
    check(lambda x, y, z: mdl.addcmul(x, y, z, value=-1.5), i, a, b)
    check(lambda x, y, z: mdl.addcdiv(x, y, z), i, a, b)
    check(mdl.lerp, i, a, t(rng, 3, 5))
    with pytest.raises(RuntimeError, match="Integer division"):
        mdl.addcdiv(mdl.ones(2), mdl.tensor([1, 2]), mdl.tensor([1, 2]))


def test_matrix_products(rng):
    i, m1, m2 = t(rng, 3, 5), t(rng, 3, 4), t(rng, 4, 5)
    np.testing.assert_allclose(mdl.addmm(i, m1, m2, beta=0.5, alpha=2).numpy(),
                               0.5 * i.numpy() + 2 * m1.numpy() @ m2.numpy())
    check(lambda a, b, c: mdl.addmm(a, b, c, beta=0.5, alpha=2), i, m1, m2)
    nan_input = mdl.full((3, 5), math.nan)
    assert not mdl.addmm(nan_input, m1.detach(), m2.detach(), beta=0).isnan().any()
    v = t(rng, 4)
    np.testing.assert_allclose(mdl.mv(m1, v).numpy(), m1.numpy() @ v.numpy())
    check(mdl.mv, m1, v)
    check(lambda a, b, c: mdl.addmv(a, b, c, alpha=3), t(rng, 3), m1, v)
    b1, b2, bi = t(rng, 2, 3, 4), t(rng, 2, 4, 5), t(rng, 3, 5)
    np.testing.assert_allclose(mdl.baddbmm(bi, b1, b2, alpha=0.5).numpy(), bi.numpy() + 0.5 * b1.numpy() @ b2.numpy())
    check(lambda a, b, c: mdl.baddbmm(a, b, c, beta=2), bi, b1, b2)
    check(mdl.addbmm, bi, b1, b2)
    u, w = t(rng, 3), t(rng, 5)
    np.testing.assert_allclose(mdl.outer(u, w).numpy(), np.outer(u.numpy(), w.numpy()))
    check(mdl.outer, u, w)
    check(mdl.dot, u, t(rng, 3))
    with pytest.raises(RuntimeError, match="1D tensors expected"):
        mdl.dot(m1, m1)
    with pytest.raises(RuntimeError, match="same dtype"):
        mdl.dot(mdl.ones(2), mdl.ones(2, dtype=mdl.float64))
    with pytest.raises(RuntimeError, match="2-D"):
        mdl.mv(v, v)


def test_tensordot_inner_kron(rng):
    a, b = t(rng, 3, 4, 5), t(rng, 4, 5, 2)
    np.testing.assert_allclose(mdl.tensordot(a, b).numpy(), np.tensordot(a.numpy(), b.numpy()))
    np.testing.assert_allclose(mdl.tensordot(a, b, dims=([1], [0])).numpy(),
                               np.tensordot(a.numpy(), b.numpy(), axes=([1], [0])))
    check(lambda x, y: mdl.tensordot(x, y, dims=([2, 1], [1, 0])), a, b)
    c = t(rng, 2, 5)
    np.testing.assert_allclose(mdl.inner(a, c).numpy(), np.inner(a.numpy(), c.numpy()))
    check(mdl.inner, a, c)
    k1, k2 = t(rng, 2, 3), t(rng, 3, 2)
    np.testing.assert_allclose(mdl.kron(k1, k2).numpy(), np.kron(k1.numpy(), k2.numpy()))
    np.testing.assert_allclose(mdl.kron(t(rng, 3), k2).numpy().shape, (3, 6))
    check(mdl.kron, k1, k2)
    with pytest.raises(RuntimeError, match="contracted dimensions"):
        mdl.tensordot(mdl.ones(2, 3), mdl.ones(4, 3), dims=([1], [0]))


def test_cumprod_including_zeros(rng):
    x = t(rng, 3, 5, low=0.5, high=1.5)
    np.testing.assert_allclose(mdl.cumprod(x, 1).numpy(), np.cumprod(x.numpy(), 1))
    check(lambda a: mdl.cumprod(a, 1), x)
    z = mdl.tensor([2.0, 0.0, 3.0, 4.0], dtype=mdl.float64, requires_grad=True)
    check(lambda a: mdl.cumprod(a, 0), z)
    mdl.cumprod(z, 0).sum().backward()
    assert z.grad.tolist() == [1.0, 2 + 6 + 24, 0.0, 0.0]
    assert mdl.cumprod(mdl.tensor([1, 2, 3], dtype=mdl.int32), 0).dtype == mdl.int64


def test_cummax_cummin_take_the_last_of_ties():
    r = mdl.cummax(mdl.tensor([1.0, 3.0, 2.0, 3.0, 5.0]), 0)
    assert r.values.tolist() == [1, 3, 3, 3, 5] and r.indices.tolist() == [0, 1, 1, 3, 4]
    r = mdl.cummin(mdl.tensor([[1, 3], [0, 5]]), 0)
    assert r.values.tolist() == [[1, 3], [0, 3]] and r.indices.tolist() == [[0, 0], [1, 0]]
    x = mdl.tensor([1.0, 3.0, 2.0], requires_grad=True)
    mdl.cummax(x, 0).values.sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 0.0]


def test_logcumsumexp(rng):
    x = t(rng, 4, 5, low=-3, high=3)
    np.testing.assert_allclose(mdl.logcumsumexp(x, 1).numpy(), np.log(np.cumsum(np.exp(x.numpy()), 1)))
    check(lambda a: mdl.logcumsumexp(a, 0), x)


def test_nan_aware_sums_and_nan_to_num():
    x = mdl.tensor([[math.nan, 1.0], [2.0, 3.0]], requires_grad=True)
    assert mdl.nansum(x).item() == 6.0
    assert mdl.nanmean(x, 0).tolist() == [2.0, 2.0]
    mdl.nansum(x).backward()
    assert x.grad.tolist() == [[0.0, 1.0], [1.0, 1.0]]
    y = mdl.tensor([math.nan, math.inf, -math.inf, 1.0], requires_grad=True)
    out = mdl.nan_to_num(y)
    assert out.tolist() == [0.0, float(np.finfo(np.float32).max), float(np.finfo(np.float32).min), 1.0]
    assert mdl.nan_to_num(y, nan=1.0, posinf=2.0, neginf=-2.0).tolist() == [1.0, 2.0, -2.0, 1.0]
    out.sum().backward()
    assert y.grad.tolist() == [0.0, 0.0, 0.0, 1.0]


def test_tests_and_counts():
    x = mdl.tensor([1.0, math.inf, -math.inf, math.nan])
    assert mdl.isinf(x).tolist() == [False, True, True, False]
    assert mdl.isposinf(x).tolist() == [False, True, False, False]
    assert mdl.isneginf(x).tolist() == [False, False, True, False]
    assert mdl.isin(mdl.tensor([1, 2, 3]), mdl.tensor([2, 5])).tolist() == [False, True, False]
    assert mdl.isin(mdl.tensor([1, 2, 3]), 3, invert=True).tolist() == [True, True, False]
    a, b = mdl.tensor([True, False, True]), mdl.tensor([True, True, False])
    assert mdl.logical_and(a, b).tolist() == [True, False, False]
    assert mdl.logical_or(a, b).tolist() == [True, True, True]
    assert mdl.logical_xor(a, b).tolist() == [False, True, True]
    assert mdl.logical_not(a).tolist() == [False, True, False]
    c = mdl.tensor([[0, 1, 2], [0, 0, 3]])
    assert mdl.count_nonzero(c).item() == 3 and mdl.count_nonzero(c, 0).tolist() == [0, 1, 2]
    assert mdl.count_nonzero(c, dim=(0, 1)).dtype == mdl.int64


def test_aliases_and_simple_wrappers(rng):
    a, b = t(rng, 3), t(rng, 3)
    np.testing.assert_allclose(mdl.multiply(a, b).numpy(), a.numpy() * b.numpy())
    np.testing.assert_allclose(mdl.subtract(a, b, alpha=2).numpy(), a.numpy() - 2 * b.numpy())
    np.testing.assert_allclose(mdl.clamp_min(a, 0.1).numpy(), np.maximum(a.numpy(), 0.1))
    np.testing.assert_allclose(mdl.clamp_max(a, 0.1).numpy(), np.minimum(a.numpy(), 0.1))
    c = mdl.clone(a)
    assert c is not a and c.creator is not None
    np.testing.assert_array_equal(mdl.masked_fill(a, a > 0, 0.0).numpy(), np.where(a.numpy() > 0, 0, a.numpy()))
    assert mdl.arcsin is not None and mdl.arctan2(a, b).shape == (3,)
    out = mdl.empty(3)
    mdl.log1p(mdl.tensor([0.0, 1.0, 2.0]), out=out)
    np.testing.assert_allclose(out.numpy(), np.log1p([0.0, 1.0, 2.0]), rtol=1e-6)


def test_lgamma_digamma_polygamma_values(rng):
    x = rng.uniform(0.05, 30, 41)
    np.testing.assert_allclose(mdl.lgamma(mdl.tensor(x, dtype=mdl.float64)).numpy(), [math.lgamma(v) for v in x],
                               rtol=1e-13, atol=1e-13)
    neg = np.array([-0.5, -2.3, -7.7])
    np.testing.assert_allclose(mdl.lgamma(mdl.tensor(neg, dtype=mdl.float64)).numpy(),
                               [math.lgamma(v) for v in neg], rtol=1e-12)
    one = mdl.tensor([1.0, 0.5], dtype=mdl.float64)
    euler = 0.5772156649015329
    np.testing.assert_allclose(mdl.digamma(one).numpy(), [-euler, -euler - 2 * math.log(2)], rtol=1e-14)
    np.testing.assert_allclose(mdl.polygamma(1, one).numpy(), [math.pi ** 2 / 6, math.pi ** 2 / 2], rtol=1e-14)
    np.testing.assert_allclose(mdl.polygamma(2, one[:1]).item(), -2 * 1.2020569031595942, rtol=1e-14)
    # psi(x + 1) = psi(x) + 1/x, also for negative non-integers
    y = mdl.tensor(rng.uniform(-5, 5, 23), dtype=mdl.float64)
    np.testing.assert_allclose((mdl.digamma(y + 1) - mdl.digamma(y)).numpy(), 1 / y.numpy(), rtol=1e-9)
    assert mdl.lgamma(mdl.tensor([0.0, -1.0])).tolist() == [math.inf, math.inf]
    assert mdl.digamma(mdl.tensor([0.0])).item() == -math.inf
    assert mdl.tensor([3.0]).lgamma().item() == pytest.approx(math.log(2.0))
    assert mdl.tensor([1.0]).polygamma(1).item() == pytest.approx(math.pi ** 2 / 6)
    np.testing.assert_allclose(mdl.mvlgamma(mdl.tensor([2.5]), 2).item(),
                               math.lgamma(2.5) + math.lgamma(2.0) + 0.5 * math.log(math.pi), rtol=1e-6)


def test_lgamma_family_derivatives(rng):
    x = t(rng, 3, 4, low=0.3, high=6)
    check(mdl.lgamma, x)
    check(mdl.digamma, x)
    check(lambda a: mdl.polygamma(2, a), x)
    check(lambda a: mdl.lgamma(-a - 0.5), t(rng, 5, low=0.1, high=0.4))
