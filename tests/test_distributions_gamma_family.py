"""minidl.distributions: the Gamma family (Gamma, Chi2, Beta, Dirichlet, StudentT), the count
distributions (Poisson, Binomial, Geometric, NegativeBinomial, Multinomial), their KL pairs and
``minidl.special.gammainc``.

Values (mean/mode/variance/log_prob/cdf/entropy/KL, shapes) are compared with
tests/fixtures/distributions_families.json, written by torch.distributions 2.13 in float64 with
tests/fixtures/make_distributions_families.py (the same expressions are evaluated here with minidl).
Sampling is checked by moments of seeded large samples, the implicit reparameterisation gradient
against finite differences of the inverse CDF, KLs against Monte-Carlo estimates.
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
from minidl.autograd import gradcheck, gradgradcheck
from minidl.distributions import (
    Beta,
    Binomial,
    Chi2,
    Dirichlet,
    Gamma,
    Geometric,
    Multinomial,
    NegativeBinomial,
    Poisson,
    StudentT,
    kl_divergence,
)
from minidl.distributions._standard_gamma import standard_gamma_grad

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "distributions_families.json").read_text())
T = mdl  # the fixture's expressions name the framework T and the distributions module D


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
def test_values_match_pytorch(name, ctor, value):
    expected = FIXTURE["results"][name]
    d, v = eval(ctor), eval(value)
    for prop in FIXTURE["props"]:
        _check(lambda prop=prop: getattr(d, prop), expected[prop])
    _check(lambda: d.log_prob(v), expected["log_prob"])
    _check(lambda: d.cdf(v), expected["cdf"])
    _check(lambda: d.entropy(), expected["entropy"])
    assert list(d.batch_shape) == expected["batch_shape"] and list(d.event_shape) == expected["event_shape"]
    assert d.has_rsample == expected["has_rsample"] and repr(d.support) == expected["support"]
    assert list(d.expand((4,) + tuple(d.batch_shape)).log_prob(v).shape) == expected["expand"]


@pytest.mark.parametrize("name,p,q", FIXTURE["kls"], ids=[k[0] for k in FIXTURE["kls"]])
def test_kl_matches_pytorch(name, p, q):
    _check(lambda: kl_divergence(eval(p), eval(q)), FIXTURE["results"]["kl_" + name])


def test_errors_pytorch_raises_for_unsupported_methods():
    with pytest.raises(NotImplementedError):
        Poisson(f64([1.0])).entropy()
    with pytest.raises(NotImplementedError, match="Inhomogeneous total count"):
        Binomial(f64([2.0, 3.0]), f64([0.5, 0.5])).entropy()
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count"):
        Multinomial(3.0, f64([0.5, 0.5]))
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        kl_divergence(Binomial(f64([2.0]), f64([0.5])), Binomial(f64([3.0]), f64([0.5])))


# --- validation -----------------------------------------------------------------------------

@pytest.mark.parametrize("make,param", [
    (lambda: Gamma(f64([-1.0]), f64([1.0])), "concentration"),
    (lambda: Gamma(f64([1.0]), f64([0.0])), "rate"),
    (lambda: Chi2(f64([-1.0])), "df"),
    (lambda: Beta(f64([0.0]), f64([1.0])), "concentration"),
    (lambda: Dirichlet(f64([-1.0, 1.0])), "concentration"),
    (lambda: StudentT(f64([0.0])), "df"),
    (lambda: StudentT(f64([1.0]), 0.0, f64([-1.0])), "scale"),
    (lambda: Poisson(f64([-1.0])), "rate"),
    (lambda: Binomial(f64([2.5]), f64([0.5])), "total_count"),
    (lambda: Binomial(f64([2.0]), f64([1.5])), "probs"),
    (lambda: Geometric(f64([0.0])), "probs"),
    (lambda: NegativeBinomial(f64([1.0]), probs=f64([1.0])), "probs"),
    (lambda: NegativeBinomial(f64([-1.0]), probs=f64([0.5])), "total_count"),
    (lambda: Multinomial(3, f64([-0.1, 1.1])), "probs"),
])
def test_invalid_parameters_raise_value_error_naming_them(make, param):
    with pytest.raises(ValueError, match=f"Expected parameter {param} "):
        make()


@pytest.mark.parametrize("make,value", [
    (lambda: Gamma(f64([1.0]), f64([1.0])), [-1.0]),
    (lambda: Beta(f64([1.0]), f64([1.0])), [1.5]),
    (lambda: Dirichlet(f64([1.0, 1.0])), [0.2, 0.2]),
    (lambda: Poisson(f64([1.0])), [1.5]),
    (lambda: Binomial(3, f64([0.5])), [4.0]),
    (lambda: Geometric(f64([0.5])), [-1.0]),
    (lambda: Multinomial(3, f64([0.5, 0.5])), [2.0, 2.0]),
])
def test_values_outside_the_support_raise(make, value):
    with pytest.raises(ValueError, match="to be within the support"):
        make().log_prob(f64(value, grad=False))


def test_validate_args_false_skips_the_checks_and_probs_logits_exclusive():
    Gamma(f64([-1.0]), f64([1.0]), validate_args=False)
    Binomial(f64([2.5]), f64([0.5]), validate_args=False)
    for cls in (Binomial, Geometric):
        with pytest.raises(ValueError, match="Either `probs` or `logits`"):
            cls(probs=f64([0.5]), logits=f64([0.0]))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        Dirichlet(f64(1.0))


# --- gradients of the densities --------------------------------------------------------------

def test_gradcheck_log_prob_and_entropy_continuous():
    x = f64([0.4, 1.7, 3.2], grad=True)
    a, b = f64([0.7, 2.0, 5.0]), f64([1.3, 0.4, 2.0])
    assert gradcheck(lambda a, b, x: Gamma(a, b).log_prob(x), (a, b, x))
    assert gradcheck(lambda a, b: Gamma(a, b).entropy(), (a, b))
    assert gradgradcheck(lambda a, b, x: Gamma(a, b).log_prob(x), (a, b, x))
    u = f64([0.1, 0.45, 0.8])
    assert gradcheck(lambda a, b, u: Beta(a, b).log_prob(u), (a, b, u))
    assert gradcheck(lambda a, b: Beta(a, b).entropy(), (a, b))
    c = f64([[0.5, 2.0, 1.5], [3.0, 1.0, 4.0]])   # 1.0: xlogy(0, x) still has the gradient log(x) in its input
    v = f64([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]], grad=False)
    assert gradcheck(lambda c: Dirichlet(c).log_prob(v), (c,))
    assert gradcheck(lambda c: Dirichlet(c).entropy(), (c,))
    Dirichlet(c).log_prob(v).sum().backward()       # d/dc = log v + digamma(sum c) - digamma(c), as PyTorch's
    digamma = mdl.digamma(c.detach()).numpy()
    expected = np.log(v.numpy()) + mdl.digamma(c.detach().sum(-1, keepdim=True)).numpy() - digamma
    np.testing.assert_allclose(c.grad.numpy(), expected, rtol=1e-10)
    df, loc, scale = f64([0.8, 3.0, 9.0]), f64([0.0, 1.0, -2.0]), f64([1.0, 2.0, 0.5])
    assert gradcheck(lambda df, m, s, x: StudentT(df, m, s).log_prob(x), (df, loc, scale, x))
    assert gradcheck(lambda df, s: StudentT(df, 0.0, s).entropy(), (df, scale))
    assert gradcheck(lambda df: Chi2(df).log_prob(x), (df,))


def test_gradcheck_log_prob_counts():
    k = f64([0.0, 2.0, 5.0], grad=False)
    rate, probs, logits = f64([0.5, 2.0, 6.0]), f64([0.2, 0.5, 0.7]), f64([-1.0, 0.3, 2.0])
    r = f64([1.5, 3.0, 7.0])
    assert gradcheck(lambda r: Poisson(r).log_prob(k), (rate,))
    assert gradcheck(lambda p: Binomial(6, probs=p).log_prob(k), (probs,))
    assert gradcheck(lambda lg: Binomial(6, logits=lg).log_prob(k), (logits,))
    assert gradcheck(lambda p: Geometric(p).log_prob(k), (probs,))
    assert gradcheck(lambda p: Geometric(p).entropy(), (probs,))
    assert gradcheck(lambda n, lg: NegativeBinomial(n, logits=lg).log_prob(k), (r, logits))
    counts = f64([[1.0, 1.0, 3.0], [0.0, 2.0, 3.0]], grad=False)
    p3 = f64([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    assert gradcheck(lambda p: Multinomial(5, probs=p).log_prob(counts), (p3,))
    assert gradcheck(lambda p: Multinomial(5, probs=p).entropy(), (p3,))


def test_gamma_cdf_and_gammainc():
    a = np.array([0.1, 0.5, 2.0, 7.5, 30.0, 300.0])
    x = np.array([0.05, 2.0, 1.5, 4.0, 25.0, 320.0])
    # P(1, x) = 1 - exp(-x); P(1/2, x) = erf(sqrt x); the recurrence P(a + 1, x) = P(a, x) - x^a e^-x / Gamma(a + 1)
    got = mdl.special.gammainc(f64(a, False), f64(x, False)).numpy()
    np.testing.assert_allclose(mdl.special.gammainc(f64([1.0] * 6, False), f64(x, False)).numpy(),
                               -np.expm1(-x), rtol=1e-12)
    np.testing.assert_allclose(got[1], math.erf(math.sqrt(2.0)), rtol=1e-12)
    up = mdl.special.gammainc(f64(a + 1, False), f64(x, False)).numpy()
    lg = np.array([math.lgamma(v + 1) for v in a])
    np.testing.assert_allclose(up, got - np.exp(a * np.log(x) - x - lg), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(mdl.special.gammaincc(f64(a, False), f64(x, False)).numpy(), 1 - got, rtol=1e-9)
    edges = mdl.special.gammainc(f64([0.0, 1.0, -1.0, np.inf], False), f64([1.0, 0.0, 1.0, 2.0], False)).numpy()
    np.testing.assert_array_equal(edges, [1.0, 0.0, np.nan, 0.0])
    xt = f64([0.3, 1.5, 4.0])
    assert gradcheck(lambda x: mdl.special.gammainc(f64([0.7, 2.0, 3.0], False), x), (xt,))
    assert gradgradcheck(lambda x: mdl.special.gammaincc(f64([0.7, 2.0, 3.0], False), x), (xt,))
    assert gradcheck(lambda r: Gamma(f64([0.7, 2.0, 3.0], False), r).cdf(f64([0.3, 1.5, 4.0], False)),
                     (f64([0.5, 1.0, 2.0]),))
    with pytest.raises(NotImplementedError, match="igamma: input"):
        mdl.special.gammainc(f64([2.0]), f64([1.0], False)).sum().backward()


# --- sampling ---------------------------------------------------------------------------------

def _moments(d, n=200000):
    mdl.manual_seed(3)
    draws = d.sample((n,)).numpy()
    return draws.mean(0), draws.var(0), draws


@pytest.mark.parametrize("make", [
    lambda: Gamma(f64([0.05, 0.6, 2.5, 40.0], False), f64([1.0, 2.0, 0.5, 3.0], False)),
    lambda: Chi2(f64([1.0, 5.0], False)),
    lambda: Beta(f64([0.3, 2.0, 8.0], False), f64([0.6, 5.0, 1.5], False)),
    lambda: Dirichlet(f64([0.4, 1.0, 6.0], False)),
    lambda: StudentT(f64([5.0, 9.0], False), f64([1.0, -1.0], False), f64([2.0, 0.5], False)),
    lambda: Poisson(f64([0.3, 4.0, 60.0], False)),
    lambda: Binomial(f64([3.0, 20.0], False), f64([0.3, 0.85], False)),
    lambda: Geometric(f64([0.15, 0.6], False)),
    lambda: NegativeBinomial(f64([0.7, 4.0], False), f64([0.3, 0.6], False)),
    lambda: Multinomial(7, f64([0.2, 0.3, 0.5], False)),
], ids=["gamma", "chi2", "beta", "dirichlet", "studentt", "poisson", "binomial", "geometric", "negbin",
        "multinomial"])
def test_sample_moments(make):
    d = make()
    mean, var, draws = _moments(d)
    assert draws.shape == (200000,) + tuple(d.batch_shape) + tuple(d.event_shape)
    assert d.support.check(mdl.tensor(draws[:2000])).all()
    true_mean, true_var = d.mean.numpy(), d.variance.numpy()
    # 6 standard errors of the sample mean; the variance to 5% (a wrong formula is off by far more)
    np.testing.assert_array_less(np.abs(mean - true_mean), 6 * np.sqrt(true_var / 200000) + 1e-12)
    np.testing.assert_allclose(var, true_var, rtol=0.05)


def test_sampling_is_seeded_and_shaped():
    d = Gamma(f64([[0.5, 3.0]], False), 2.0)
    mdl.manual_seed(11)
    a = d.sample((5,))
    mdl.manual_seed(11)
    b = d.rsample((5,))
    assert a.shape == (5, 1, 2) and bool((a == b).all())
    mdl.manual_seed(11)
    c = Dirichlet(f64([1.0, 2.0, 3.0], False)).sample((2, 3))
    mdl.manual_seed(11)
    assert c.shape == (2, 3, 3) and bool((c == Dirichlet(f64([1.0, 2.0, 3.0], False)).sample((2, 3))).all())
    assert Beta(2.0, 3.0).sample().shape == () and Beta(2.0, 3.0).sample().dtype == mdl.float64
    assert Gamma(mdl.tensor([1.0], dtype=mdl.float32), 1.0).sample((3,)).dtype == mdl.float32
    assert Multinomial(4, f64([[0.5, 0.5], [0.1, 0.9]], False)).sample((6,)).shape == (6, 2, 2)
    assert Poisson(f64([2.0], False)).expand((3, 1)).sample((2,)).shape == (2, 3, 1)


# --- reparameterised gradients -----------------------------------------------------------------

def _gamma_icdf(a, u):
    """Gamma(a, 1) quantiles by Newton's method on gammainc (float64)."""
    x = np.full_like(u, max(a, 1e-3))
    for _ in range(300):
        p = mdl.special.gammainc(f64(np.full_like(u, a), False), f64(x, False)).numpy()
        log_pdf = (a - 1) * np.log(x) - x - math.lgamma(a)
        x = np.clip(x - (p - u) / np.exp(log_pdf), x / 10, x * 10)
    return x


@pytest.mark.parametrize("a", [0.3, 1.5, 12.0, 300.0])
def test_implicit_gamma_derivative_matches_finite_differences_of_the_quantile(a):
    u = np.array([0.01, 0.2, 0.5, 0.8, 0.99])
    h = 1e-5 * a
    fd = (_gamma_icdf(a + h, u) - _gamma_icdf(a - h, u)) / (2 * h)
    x = _gamma_icdf(a, u)
    np.testing.assert_allclose(standard_gamma_grad(x, np.full_like(x, a)), fd, rtol=1e-6)


def test_large_concentration_derivative_is_continuous_across_the_switch():
    xs = 2000.0 + np.sqrt(2000.0) * np.array([-3.0, 0.0, 3.0])
    below = standard_gamma_grad(xs, np.full(3, 2000.0))
    above = standard_gamma_grad(xs, np.full(3, 2000.0 + 1e-9))
    np.testing.assert_allclose(below, above, rtol=1e-4)


def test_rsample_gradients_estimate_the_gradient_of_an_expectation():
    n = 200000
    # Gamma(a, b): E[x²] = a (a + 1) / b², so d/da = (2a + 1) / b², d/db = -2 a (a + 1) / b³
    a, b = f64([0.6, 3.0]), f64([1.0, 2.0])
    mdl.manual_seed(5)
    Gamma(a, b).rsample((n,)).pow(2).mean(0).sum().backward()
    av, bv = a.numpy(), b.numpy()
    np.testing.assert_allclose(a.grad.numpy(), (2 * av + 1) / bv ** 2, rtol=0.03)
    np.testing.assert_allclose(b.grad.numpy(), -2 * av * (av + 1) / bv ** 3, rtol=0.03)
    # Beta(p, q): E[x] = p / (p + q)
    p, q = f64([0.5, 2.0]), f64([1.5, 4.0])
    mdl.manual_seed(6)
    Beta(p, q).rsample((n,)).mean(0).sum().backward()
    pv, qv = p.numpy(), q.numpy()
    np.testing.assert_allclose(p.grad.numpy(), qv / (pv + qv) ** 2, rtol=0.03)
    np.testing.assert_allclose(q.grad.numpy(), -pv / (pv + qv) ** 2, rtol=0.03)
    # Dirichlet(c): E[x_0²] = c0 (c0 + 1) / (s (s + 1)); its gradient by central differences of the closed form
    c = f64([0.7, 1.5, 2.5])
    mdl.manual_seed(7)
    Dirichlet(c).rsample((n,))[:, 0].pow(2).mean().backward()

    def second_moment(cv):
        s = cv.sum()
        return cv[0] * (cv[0] + 1) / (s * (s + 1))
    cv = c.numpy()
    fd = [(second_moment(cv + e * 1e-6) - second_moment(cv - e * 1e-6)) / 2e-6 for e in np.eye(3)]
    np.testing.assert_allclose(c.grad.numpy(), fd, rtol=0.05, atol=2e-4)
    # StudentT: E[x] = loc, so d/dloc = 1 and the gradient in df averages to 0 in E[x]; E[(x - loc)²] = s² df/(df-2)
    df, s = f64([6.0]), f64([2.0])
    mdl.manual_seed(8)
    StudentT(df, 0.0, s).rsample((n,)).pow(2).mean().backward()
    np.testing.assert_allclose(df.grad.numpy(), -2 * 4.0 / (6.0 - 2) ** 2, rtol=0.1)
    np.testing.assert_allclose(s.grad.numpy(), 2 * 2.0 * 6.0 / 4.0, rtol=0.05)


def test_gamma_sample_gradient_is_not_twice_differentiable_as_pytorch():
    a = f64([2.0])
    x = Gamma(a, 1.0).rsample()
    (g,) = mdl.autograd.grad(x.sum(), a, create_graph=True)
    with pytest.raises(RuntimeError):
        g.sum().backward()


# --- KL against Monte Carlo ---------------------------------------------------------------------

@pytest.mark.parametrize("p,q", [
    (lambda: Gamma(f64([0.8, 3.0], False), f64([1.0, 2.0], False)),
     lambda: Gamma(f64([1.5, 2.0], False), f64([0.5, 3.0], False))),
    (lambda: Beta(f64([0.8, 3.0], False), f64([1.2, 2.0], False)),
     lambda: Beta(f64([1.5, 2.0], False), f64([0.5, 3.0], False))),
    (lambda: Dirichlet(f64([[0.8, 3.0, 1.0]], False)), lambda: Dirichlet(f64([[1.5, 2.0, 0.7]], False))),
    (lambda: Poisson(f64([0.8, 3.0], False)), lambda: Poisson(f64([1.5, 2.0], False))),
    (lambda: Binomial(5, f64([0.3, 0.6], False)), lambda: Binomial(5, f64([0.5, 0.2], False))),
    (lambda: Geometric(f64([0.3, 0.6], False)), lambda: Geometric(f64([0.5, 0.2], False))),
    (lambda: Gamma(f64([0.8, 3.0], False), f64([1.0, 2.0], False)),
     lambda: D.Normal(f64([0.5, 1.0], False), f64([1.0, 2.0], False))),
    (lambda: Beta(f64([0.8, 3.0], False), f64([1.2, 2.0], False)),
     lambda: Gamma(f64([1.5, 2.0], False), f64([0.5, 3.0], False))),
])
def test_kl_matches_a_monte_carlo_estimate(p, q):
    p, q = p(), q()
    mdl.manual_seed(9)
    x = p.sample((200000,))
    log_ratio = (p.log_prob(x) - q.log_prob(x)).numpy()
    mc, se = log_ratio.mean(0), log_ratio.std(0) / np.sqrt(log_ratio.shape[0])
    np.testing.assert_array_less(np.abs(kl_divergence(p, q).numpy() - mc), 6 * se + 1e-9)


def test_infinite_kl_pairs_and_subclass_dispatch():
    assert np.isinf(kl_divergence(Poisson(f64([1.0], False)), D.Bernoulli(f64([0.5], False))).numpy()).all()
    assert np.isinf(kl_divergence(D.Normal(0.0, 1.0), Gamma(1.0, 1.0)).numpy())
    chi2, gamma = Chi2(f64([3.0], False)), Gamma(f64([1.5], False), f64([0.5], False))
    assert kl_divergence(chi2, gamma).item() == pytest.approx(0.0, abs=1e-12)


def test_gradcheck_kl():
    a1, b1, a2, b2 = f64([0.8, 3.0]), f64([1.0, 2.0]), f64([1.5, 2.0]), f64([0.5, 3.0])
    assert gradcheck(lambda a1, b1, a2, b2: kl_divergence(Gamma(a1, b1), Gamma(a2, b2)), (a1, b1, a2, b2))
    assert gradcheck(lambda a1, b1, a2, b2: kl_divergence(Beta(a1, b1), Beta(a2, b2)), (a1, b1, a2, b2))
    assert gradcheck(lambda c1, c2: kl_divergence(Dirichlet(c1), Dirichlet(c2)),
                     (f64([[0.8, 3.0, 1.0]]), f64([[1.5, 2.0, 0.7]])))


# --- odds and ends -----------------------------------------------------------------------------

def test_modes_reprs_and_enumeration():
    mode = Dirichlet(f64([[0.5, 0.5, 0.2], [2.0, 3.0, 1.0]], False)).mode.numpy()
    np.testing.assert_allclose(mode, [[1.0, 0.0, 0.0], [1 / 3, 2 / 3, 0.0]])
    assert repr(Chi2(2.0)) == "Chi2()" and repr(Beta(0.5, 0.5)) == "Beta()"
    assert repr(StudentT(2.0)) == "StudentT(df: 2.0, loc: 0.0, scale: 1.0)"
    d = Binomial(3, f64([0.2, 0.7], False))
    support = d.enumerate_support()
    assert support.shape == (4, 2)
    np.testing.assert_allclose(d.log_prob(support).exp().sum(0).numpy(), [1.0, 1.0])
    probs = d.log_prob(support).exp().numpy()
    np.testing.assert_allclose(d.entropy().numpy(), -(probs * np.log(probs)).sum(0), rtol=1e-12)
    assert Binomial(4, probs=f64([0.5], False)).mode.tolist() == [2.0]
    assert Geometric(f64([0.5], False)).param_shape == (1,) and "logits" in Geometric(logits=f64([0.1])).__dict__
    assert Multinomial(3, f64([0.5, 0.5], False)).expand((2,)).sample().shape == (2, 2)
    np.testing.assert_array_equal(StudentT(f64([0.5, 1.5, 3.0], False)).variance.numpy(), [np.nan, np.inf, 3.0])


# --- the exponential-family base -----------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: Gamma(f64([2.0, 0.5], False), f64([3.0, 1.0], False)),
    lambda: D.Normal(f64([0.0, 1.0], False), f64([2.0, 0.5], False)),
    lambda: D.Exponential(f64([2.0, 0.3], False)),
    lambda: D.Bernoulli(f64([0.3, 0.9], False)),
    lambda: D.ContinuousBernoulli(f64([0.2, 0.4995, 0.9], False)),
], ids=["gamma", "normal", "exponential", "bernoulli", "cont_bernoulli"])
def test_exponential_family_bregman_entropy_matches_the_closed_form(make):
    d = make()
    assert isinstance(d, D.ExponentialFamily)
    np.testing.assert_allclose(D.ExponentialFamily.entropy(d).numpy(), d.entropy().numpy(), rtol=1e-9, atol=1e-12)


def test_exponential_family_bregman_kl_and_its_limits():
    from minidl.distributions.kl_more import _kl_expfamily_expfamily
    pairs = [(Poisson(f64([2.0, 3.0], False)), Poisson(f64([1.0, 4.0], False))),
             (Dirichlet(f64([2.0, 3.0, 0.5], False)), Dirichlet(f64([1.0, 4.0, 2.0], False))),
             (Beta(f64([2.0], False), f64([0.7], False)), Beta(f64([1.0], False), f64([4.0], False)))]
    for p, q in pairs:
        np.testing.assert_allclose(_kl_expfamily_expfamily(p, q).detach().numpy(), kl_divergence(p, q).numpy(),
                                   rtol=1e-9)
    with pytest.raises(NotImplementedError, match="different exponential families"):
        kl_divergence(Poisson(f64([2.0], False)), Gamma(1.0, 1.0))


def test_get_checked_instance_as_pytorch():
    class MyGamma(Gamma):
        def __init__(self, concentration):
            super().__init__(concentration, 1.0)

    d = Gamma(f64([1.0], False), 1.0)
    assert type(d._get_checked_instance(Gamma)) is Gamma
    with pytest.raises(NotImplementedError, match="must also define a custom .expand"):
        MyGamma(f64([1.0], False))._get_checked_instance(Gamma)
