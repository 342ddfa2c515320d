"""minidl.distributions.transforms, TransformedDistribution, biject_to/transform_to, and the families built
on them (LogNormal, HalfNormal, HalfCauchy, Gumbel, Pareto, Weibull) plus Cauchy, with their KL pairs.

Values (moments, log_prob/cdf/icdf/entropy, supports, shapes, KLs, and each transform's forward, inverse
and log-Jacobian) are compared with tests/fixtures/distributions_transformed.json, written by
torch.distributions 2.13 in float64 with tests/fixtures/make_distributions_transformed.py (the same
expressions are evaluated here with minidl). Log-Jacobians are also checked against finite differences,
samples by their moments, KLs against Monte-Carlo estimates.
"""
from __future__ import annotations

import builtins
import json
import math
import pathlib

import numpy as np
import pytest

import minidl as mdl
import minidl.distributions as D
import minidl.distributions.transforms as TR
from minidl.autograd import gradcheck
from minidl.distributions import (
    Cauchy,
    Gumbel,
    HalfCauchy,
    HalfNormal,
    LogNormal,
    Normal,
    Pareto,
    TransformedDistribution,
    Weibull,
    biject_to,
    constraints,
    kl_divergence,
    transform_to,
)

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "distributions_transformed.json").read_text())
RESULTS = FIXTURE["results"]
T = mdl  # the fixture's expressions name the framework T, the distributions D and the transforms TR


@pytest.fixture(autouse=True)
def float64_default():
    old = mdl.get_default_dtype()
    mdl.set_default_dtype(mdl.float64)
    yield
    mdl.set_default_dtype(old)


def f64(a, grad=True):
    return mdl.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _check(got_fn, expected):
    if "err" in expected:
        with pytest.raises(getattr(builtins, expected["err"])):
            got_fn()
        return
    got = got_fn()
    assert list(got.shape) == expected["shape"]
    np.testing.assert_allclose(got.numpy(), np.asarray(expected["ok"], dtype=np.float64), rtol=1e-9, atol=1e-12)


# --- values against torch's (fixture) ---------------------------------------------------------

@pytest.mark.parametrize("name,ctor,value", FIXTURE["cases"], ids=[c[0] for c in FIXTURE["cases"]])
def test_distribution_values_match_pytorch(name, ctor, value):
    expected = RESULTS[name]
    d, v = eval(ctor), eval(value)
    for prop in FIXTURE["props"]:
        _check(lambda prop=prop: getattr(d, prop), expected[prop])
    _check(lambda: d.log_prob(v), expected["log_prob"])
    _check(lambda: d.cdf(v), expected["cdf"])
    _check(lambda: d.icdf(mdl.full(tuple(d.batch_shape), 0.3)), expected["icdf"])
    _check(lambda: d.entropy(), expected["entropy"])
    assert list(d.batch_shape) == expected["batch_shape"] and list(d.event_shape) == expected["event_shape"]
    assert d.has_rsample == expected["has_rsample"] and repr(d.support) == expected["support"]
    assert list(d.expand((4,) + tuple(d.batch_shape)).log_prob(v).shape) == expected["expand"]


@pytest.mark.parametrize("name,p,q", FIXTURE["kls"], ids=[k[0] for k in FIXTURE["kls"]])
def test_kl_matches_pytorch(name, p, q):
    _check(lambda: kl_divergence(eval(p), eval(q)), RESULTS["kl_" + name])


@pytest.mark.parametrize("name,ctor,value", FIXTURE["transforms"], ids=[t[0] for t in FIXTURE["transforms"]])
def test_transform_values_match_pytorch(name, ctor, value):
    expected = RESULTS["t_" + name]
    t, x = eval(ctor), eval(value)
    y = t(x)
    _check(lambda: y, expected["y"])
    _check(lambda: t.inv(y), expected["x"])
    _check(lambda: t.log_abs_det_jacobian(x, y), expected["ladj"])
    assert repr(t.domain) == expected["domain"] and repr(t.codomain) == expected["codomain"]
    assert t.bijective == expected["bijective"]
    assert list(t.forward_shape(tuple(x.shape))) == expected["forward_shape"]
    assert list(t.inverse_shape(tuple(y.shape))) == expected["inverse_shape"]


# --- transforms -------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    TR.ExpTransform, TR.SigmoidTransform, TR.TanhTransform, TR.SoftplusTransform,
    lambda: TR.AffineTransform(0.3, -1.7),
    lambda: TR.PowerTransform(f64(2.5, False)),
    lambda: TR.ComposeTransform([TR.AffineTransform(0.2, 0.5), TR.SigmoidTransform(), TR.PowerTransform(3.0)]),
    lambda: biject_to(constraints.interval(-2.0, 5.0)),
], ids=["exp", "sigmoid", "tanh", "softplus", "affine", "power", "compose", "biject_interval"])
def test_log_abs_det_jacobian_is_the_log_derivative(make):
    t = make()
    x = f64([0.2, 0.7, 1.3], grad=False) if isinstance(t, TR.PowerTransform) else f64([-1.1, 0.2, 1.3], grad=False)
    h = 1e-6
    slope = (t(x + h) - t(x - h)).numpy() / (2 * h)
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, t(x)).numpy(), np.log(np.abs(slope)), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(t.inv(t(x)).numpy(), x.numpy(), rtol=1e-9, atol=1e-12)
    if t.bijective:
        sign = t.sign
        sign = sign.numpy() if isinstance(sign, mdl.Tensor) else sign
        assert np.all(np.sign(slope) == sign)


def test_stick_breaking_jacobian_is_the_determinant_of_the_map_onto_the_first_coordinates():
    t = TR.StickBreakingTransform()
    x = f64([0.3, -0.8, 1.1], grad=False)
    jac = np.zeros((3, 3))
    for j in range(3):
        e = np.zeros(3)
        e[j] = 1e-6
        jac[:, j] = ((t(x + f64(e, False)) - t(x - f64(e, False))).numpy()[:3]) / 2e-6
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, t(x)).item(), np.log(abs(np.linalg.det(jac))), rtol=1e-6)
    assert t(x).sum().item() == pytest.approx(1.0)


def test_inverse_and_cache_semantics():
    t = TR.ExpTransform()
    assert t.inv is t.inv and t.inv.inv is t and repr(t.inv) == "_InverseTransform(ExpTransform())"
    cached = TR.ExpTransform(cache_size=1)
    x = f64([0.5], False)
    y = cached(x)
    assert cached.inv(y) is x and cached(x) is y
    assert TR.ExpTransform() == TR.ExpTransform() and TR.AffineTransform(1.0, 2.0) == TR.AffineTransform(1.0, 2.0)
    assert TR.AffineTransform(1.0, 2.0) != TR.AffineTransform(1.0, 3.0)
    compose = TR.ComposeTransform([TR.ExpTransform(), TR.AffineTransform(1.0, -2.0)])
    assert compose.inv.inv is compose and compose.sign == -1 and compose.bijective
    assert TR.identity_transform(x) is x
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        TR.ExpTransform(cache_size=2)
    with pytest.raises(ValueError, match="different numbers of elements"):
        TR.ReshapeTransform((2, 3), (5,))
    r = TR.ReshapeTransform((2, 3), (6,))
    assert r(mdl.zeros(4, 2, 3)).shape == (4, 6) and r.inv(mdl.zeros(4, 6)).shape == (4, 2, 3)
    assert r.log_abs_det_jacobian(mdl.zeros(4, 2, 3), None).shape == (4,)


def test_biject_to_and_transform_to():
    x = f64([-2.0, 0.1, 1.5], False)
    for c in (constraints.positive, constraints.greater_than(1.5), constraints.less_than(-1.0),
              constraints.interval(-1.0, 3.0), constraints.unit_interval, constraints.real):
        y = biject_to(c)(x)
        assert bool(c.check(y).all())
        np.testing.assert_allclose(biject_to(c).inv(y).numpy(), x.numpy(), rtol=1e-9)
    assert isinstance(biject_to(constraints.unit_interval), TR.SigmoidTransform)
    assert isinstance(biject_to(constraints.simplex), TR.StickBreakingTransform)
    assert isinstance(transform_to(constraints.simplex), TR.SoftmaxTransform)
    y = biject_to(constraints.simplex)(x)
    assert y.shape == (4,) and bool(constraints.simplex.check(y))
    ind = biject_to(constraints.independent(constraints.positive, 1))
    assert isinstance(ind, TR.IndependentTransform) and ind.log_abs_det_jacobian(x, ind(x)).shape == ()
    chol = transform_to(constraints.lower_cholesky)(f64([[0.3, 9.0], [-1.0, 0.2]], False))
    assert bool(constraints.lower_cholesky.check(chol))
    with pytest.raises(NotImplementedError, match="Cannot transform _LowerCholesky constraints"):
        biject_to(constraints.lower_cholesky)
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
        biject_to(constraints.boolean)
    registry = D.constraint_registry.ConstraintRegistry()
    registry.register(constraints.boolean, lambda c: TR.SigmoidTransform())
    assert isinstance(registry(constraints.boolean), TR.SigmoidTransform)


def test_transformed_distribution_shapes_and_errors():
    base = Normal(mdl.zeros(5, 3), mdl.ones(5, 3))
    d = TransformedDistribution(base, TR.StickBreakingTransform())
    assert d.batch_shape == (5,) and d.event_shape == (4,) and isinstance(d.base_dist, D.Independent)
    mdl.manual_seed(0)
    s = d.rsample((2,))
    assert s.shape == (2, 5, 4) and np.allclose(s.sum(-1).numpy(), 1.0)
    assert d.log_prob(s).shape == (2, 5)
    with pytest.raises(ValueError, match="transforms must be a Transform or a list of Transforms"):
        TransformedDistribution(base, [TR.ExpTransform(), 3])
    with pytest.raises(ValueError, match="transforms must be a Transform or list"):
        TransformedDistribution(base, (TR.ExpTransform(),))
    e = TransformedDistribution(Normal(0.0, 1.0), [TR.AffineTransform(mdl.zeros(3), 2.0)])
    assert e.batch_shape == (3,)


# --- gradients ---------------------------------------------------------------------------------

def test_gradcheck_log_prob_entropy_and_rsample_paths():
    x = f64([0.4, 1.7, 3.2], grad=True)
    a, b = f64([0.7, 2.0, 5.0]), f64([1.3, 0.4, 2.0])
    m = f64([0.3, -1.0, 2.0])
    assert gradcheck(lambda m, s, x: LogNormal(m, s).log_prob(x), (m, b, x))
    assert gradcheck(lambda s, x: HalfNormal(s).log_prob(x), (b, x))
    assert gradcheck(lambda s, x: HalfCauchy(s).log_prob(x), (b, x))
    assert gradcheck(lambda m, s, x: Cauchy(m, s).log_prob(x), (m, b, x))
    assert gradcheck(lambda m, s, x: Gumbel(m, s).log_prob(x), (m, b, x))
    assert gradcheck(lambda s, k, x: Weibull(s, k).log_prob(x), (b, a, x))
    assert gradcheck(lambda s, al: Pareto(s, al).log_prob(f64([1.5, 2.5, 6.0], False)),
                     (f64([0.5, 1.0, 2.0]), a))
    assert gradcheck(lambda s, k: Weibull(s, k).entropy(), (b, a))
    assert gradcheck(lambda m, s: LogNormal(m, s).cdf(f64([0.4, 1.7, 3.2], False)), (m, b))
    y = f64([0.3, -0.5, 0.8])
    assert gradcheck(lambda m, s, y: TransformedDistribution(Normal(m, s), [TR.TanhTransform()]).log_prob(y), (m, b, y))


# --- sampling ---------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: LogNormal(f64([0.0, 0.5], False), f64([0.3, 0.6], False)),
    lambda: HalfNormal(f64([0.5, 2.0], False)),
    lambda: Gumbel(f64([0.0, 2.0], False), f64([1.0, 0.5], False)),
    lambda: Pareto(f64([1.0, 2.0], False), f64([5.0, 7.0], False)),
    lambda: Weibull(f64([1.0, 2.0], False), f64([0.8, 3.0], False)),
], ids=["lognormal", "halfnormal", "gumbel", "pareto", "weibull"])
def test_sample_moments(make):
    d = make()
    mdl.manual_seed(4)
    draws = d.sample((200000,)).numpy()
    assert bool(d.support.check(mdl.tensor(draws[:2000])).all())
    true_mean, true_var = d.mean.numpy(), d.variance.numpy()
    np.testing.assert_array_less(np.abs(draws.mean(0) - true_mean), 6 * np.sqrt(true_var / 200000))
    np.testing.assert_allclose(draws.var(0), true_var, rtol=0.06)


def test_cauchy_samples_by_quantiles_and_rsample_gradients():
    mdl.manual_seed(2)
    d = Cauchy(f64([1.0], False), f64([2.0], False))
    draws = d.sample((100000,)).numpy()[:, 0]
    np.testing.assert_allclose(np.quantile(draws, [0.25, 0.5, 0.75]), [-1.0, 1.0, 3.0], atol=0.06)
    mdl.manual_seed(2)
    assert np.array_equal(d.sample((100000,)).numpy()[:, 0], draws)
    # rsample is differentiable: E[log X] = loc for LogNormal, so d/dloc of the sample mean of log X is 1
    loc, scale = f64([0.3]), f64([0.8])
    LogNormal(loc, scale).rsample((1000,)).log().mean().backward()
    assert loc.grad.item() == pytest.approx(1.0) and scale.grad is not None
    s = f64([1.5])
    mdl.manual_seed(3)
    Weibull(s, f64([2.0], False)).rsample((50000,)).mean().backward()   # E = s Gamma(1.5)
    assert s.grad.item() == pytest.approx(math.gamma(1.5), rel=0.02)


# --- validation and KL ---------------------------------------------------------------------------

@pytest.mark.parametrize("make,param", [
    (lambda: LogNormal(0.0, -1.0), "scale"), (lambda: HalfNormal(-1.0), "scale"),
    (lambda: Gumbel(0.0, -1.0), "scale"), (lambda: Pareto(-1.0, 2.0), "scale"), (lambda: Pareto(1.0, -2.0), "rate"),
    (lambda: Weibull(1.0, -2.0), "concentration"), (lambda: Cauchy(0.0, -1.0), "scale"),
    (lambda: HalfCauchy(0.0), "scale"),
])
def test_invalid_parameters_raise(make, param):
    with pytest.raises(ValueError, match=f"Expected parameter {param} "):
        make()


def test_values_outside_the_support_raise():
    cases = ((LogNormal(0.0, 1.0), -1.0), (HalfNormal(1.0), -1.0), (Pareto(1.0, 2.0), 0.5), (Weibull(1.0, 2.0), -0.5))
    for d, v in cases:
        with pytest.raises(ValueError, match="to be within the support"):
            d.log_prob(mdl.tensor(v))


@pytest.mark.parametrize("p,q", [
    (lambda: Gumbel(f64([0.0, 1.0], False), f64([1.0, 0.5], False)),
     lambda: Gumbel(f64([1.0, -1.0], False), f64([2.0, 1.5], False))),
    (lambda: Pareto(f64([1.0, 2.0], False), f64([2.0, 3.0], False)),
     lambda: Pareto(f64([0.5, 1.0], False), f64([1.0, 2.0], False))),
    (lambda: LogNormal(f64([0.0, 1.0], False), f64([1.0, 0.5], False)),
     lambda: LogNormal(f64([1.0, 0.0], False), f64([2.0, 0.7], False))),
    (lambda: Cauchy(f64([0.0, 1.0], False), f64([1.0, 2.0], False)),
     lambda: Cauchy(f64([1.0, 0.0], False), f64([2.0, 0.5], False))),
    (lambda: Normal(f64([0.0, 1.0], False), f64([1.0, 2.0], False)),
     lambda: D.Laplace(f64([1.0, 0.0], False), f64([2.0, 0.5], False))),
    (lambda: Gumbel(f64([0.0, 1.0], False), f64([1.0, 0.5], False)),
     lambda: Normal(f64([1.0, 0.0], False), f64([2.0, 0.5], False))),
])
def test_kl_matches_a_monte_carlo_estimate(p, q):
    p, q = p(), q()
    mdl.manual_seed(9)
    x = p.sample((200000,))
    log_ratio = (p.log_prob(x) - q.log_prob(x)).numpy()
    mc, se = log_ratio.mean(0), log_ratio.std(0) / np.sqrt(log_ratio.shape[0])
    np.testing.assert_array_less(np.abs(kl_divergence(p, q).numpy() - mc), 6 * se + 1e-9)


def test_kl_between_transformed_distributions_needs_equal_transforms():
    p = TransformedDistribution(Normal(0.0, 1.0), [TR.ExpTransform()])
    with pytest.raises(NotImplementedError):
        kl_divergence(p, TransformedDistribution(Normal(0.0, 1.0), [TR.SigmoidTransform()]))
    q = TransformedDistribution(Normal(1.0, 2.0), [TR.ExpTransform()])
    assert kl_divergence(p, q).item() == pytest.approx(kl_divergence(Normal(0.0, 1.0), Normal(1.0, 2.0)).item())
