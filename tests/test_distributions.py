"""minidl.distributions: values against NumPy formulas, shapes, validation, KL, and float64
gradcheck/gradgradcheck of log_prob, entropy, rsample and kl_divergence.

Reference values are closed forms written out in NumPy here (no SciPy); the error messages and
shapes were compared with torch.distributions 2.13 in a scratch script (the test needs only minidl).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck
from minidl.distributions import (
    Bernoulli,
    Categorical,
    Exponential,
    Independent,
    Laplace,
    MultivariateNormal,
    Normal,
    OneHotCategorical,
    Uniform,
    constraints,
    kl_divergence,
    register_kl,
)


def f64(a, grad=True):
    return mdl.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


@pytest.fixture
def rng():
    return np.random.default_rng(7)


# --- values against NumPy ---------------------------------------------------------------

def test_normal_values(rng):
    loc, scale, x = rng.standard_normal(5), rng.random(5) + 0.5, rng.standard_normal(5)
    d = Normal(mdl.tensor(loc), mdl.tensor(scale))
    expected = -((x - loc) ** 2) / (2 * scale ** 2) - np.log(scale) - 0.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(d.log_prob(mdl.tensor(x)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(d.entropy().numpy(), 0.5 + 0.5 * np.log(2 * np.pi) + np.log(scale), rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), scale ** 2)
    np.testing.assert_allclose(d.stddev.numpy(), scale)
    cdf = d.cdf(mdl.tensor(x)).numpy()
    np.testing.assert_allclose(d.icdf(mdl.tensor(cdf)).numpy(), x, rtol=1e-6, atol=1e-6)
    assert d.mean is d.loc and d.mode is d.loc


def test_normal_samples_follow_the_distribution():
    mdl.manual_seed(0)
    d = Normal(mdl.tensor([1.0, -2.0], dtype=mdl.float64), mdl.tensor([0.5, 3.0], dtype=mdl.float64))
    draws = d.sample((20000,)).numpy()
    assert draws.shape == (20000, 2)
    np.testing.assert_allclose(draws.mean(0), [1.0, -2.0], atol=0.06)
    np.testing.assert_allclose(draws.std(0), [0.5, 3.0], rtol=0.03)


def test_uniform_values():
    d = Uniform(mdl.tensor([0.0, -1.0]), mdl.tensor([2.0, 3.0]))
    np.testing.assert_allclose(d.log_prob(mdl.tensor([0.5, 2.9])).numpy(), -np.log([2.0, 4.0]), rtol=1e-6)
    np.testing.assert_allclose(d.entropy().numpy(), np.log([2.0, 4.0]), rtol=1e-6)
    np.testing.assert_allclose(d.mean.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(d.variance.numpy(), np.array([4.0, 16.0]) / 12, rtol=1e-6)
    np.testing.assert_allclose(d.cdf(mdl.tensor([0.5, 1.0])).numpy(), [0.25, 0.5])
    np.testing.assert_allclose(d.icdf(mdl.tensor([0.25, 0.5])).numpy(), [0.5, 1.0])
    outside = Uniform(0.0, 1.0, validate_args=False).log_prob(mdl.tensor([2.0, -1.0]))
    assert outside.tolist() == [-math.inf, -math.inf]
    mdl.manual_seed(1)
    draws = d.sample((5000,)).numpy()
    assert (draws[:, 0] >= 0).all() and (draws[:, 0] < 2).all() and (draws[:, 1] >= -1).all()


def test_categorical_values(rng):
    logits = rng.standard_normal((4, 3))
    d = Categorical(logits=mdl.tensor(logits))
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    np.testing.assert_allclose(d.logits.numpy(), log_p, rtol=1e-12)
    np.testing.assert_allclose(d.probs.numpy(), np.exp(log_p), rtol=1e-12)
    values = np.array([0, 2, 1, 1])
    np.testing.assert_allclose(d.log_prob(mdl.tensor(values)).numpy(), log_p[np.arange(4), values], rtol=1e-12)
    np.testing.assert_allclose(d.entropy().numpy(), -(np.exp(log_p) * log_p).sum(-1), rtol=1e-12)
    assert d.batch_shape == (4,) and d.event_shape == () and d.param_shape == (4, 3)
    assert d.mode.tolist() == np.argmax(logits, -1).tolist()
    assert np.isnan(d.mean.numpy()).all() and d.mean.shape == (4,)
    assert d.enumerate_support().shape == (3, 4) and d.enumerate_support(expand=False).shape == (3, 1)
    by_probs = Categorical(probs=mdl.tensor([2.0, 6.0]))                # normalised
    np.testing.assert_allclose(by_probs.probs.numpy(), [0.25, 0.75])
    mdl.manual_seed(0)
    draws = by_probs.sample((20000,)).numpy()
    assert draws.dtype == np.int64 and draws.shape == (20000,)
    assert abs(draws.mean() - 0.75) < 0.015
    assert d.sample((5, 2)).shape == (5, 2, 4)


def test_bernoulli_values():
    p = np.array([0.1, 0.5, 0.8])
    d = Bernoulli(probs=mdl.tensor(p))
    x = np.array([1.0, 0.0, 1.0])
    np.testing.assert_allclose(d.log_prob(mdl.tensor(x)).numpy(), x * np.log(p) + (1 - x) * np.log(1 - p),
                               rtol=1e-5)
    np.testing.assert_allclose(d.entropy().numpy(), -(p * np.log(p) + (1 - p) * np.log(1 - p)), rtol=1e-5)
    np.testing.assert_allclose(d.variance.numpy(), p * (1 - p), rtol=1e-6)
    np.testing.assert_allclose(d.logits.numpy(), np.log(p / (1 - p)), rtol=1e-5)
    by_logits = Bernoulli(logits=mdl.tensor([0.5, -1.0]))
    np.testing.assert_allclose(by_logits.probs.numpy(), 1 / (1 + np.exp([-0.5, 1.0])), rtol=1e-6)
    mdl.manual_seed(0)
    draws = Bernoulli(0.3).sample((20000,)).numpy()
    assert set(np.unique(draws)) <= {0.0, 1.0} and abs(draws.mean() - 0.3) < 0.015
    assert Bernoulli(0.3).batch_shape == () and Bernoulli(mdl.tensor([0.2])).expand((3, 1)).batch_shape == (3, 1)


def test_multivariate_normal_values(rng):
    a = rng.standard_normal((3, 3))
    cov = a @ a.T + 3 * np.eye(3)
    loc, x = rng.standard_normal(3), rng.standard_normal((4, 3))
    d = MultivariateNormal(mdl.tensor(loc), covariance_matrix=mdl.tensor(cov))
    inv, (_, logdet) = np.linalg.inv(cov), np.linalg.slogdet(cov)
    diff = x - loc
    expected = -0.5 * (3 * np.log(2 * np.pi) + logdet + np.einsum("ni,ij,nj->n", diff, inv, diff))
    np.testing.assert_allclose(d.log_prob(mdl.tensor(x)).numpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(d.entropy().item(), 0.5 * (3 * (1 + np.log(2 * np.pi)) + logdet), rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), np.diag(cov), rtol=1e-12)
    np.testing.assert_allclose(d.scale_tril.numpy(), np.linalg.cholesky(cov), rtol=1e-12)
    np.testing.assert_allclose(d.precision_matrix.numpy(), inv, rtol=1e-10)
    by_precision = MultivariateNormal(mdl.tensor(loc), precision_matrix=mdl.tensor(inv))
    np.testing.assert_allclose(by_precision.log_prob(mdl.tensor(x)).numpy(), expected, rtol=1e-8)
    batched = MultivariateNormal(mdl.zeros(5, 3, dtype=mdl.float64), scale_tril=mdl.tensor(np.linalg.cholesky(cov)))
    assert batched.batch_shape == (5,) and batched.event_shape == (3,) and batched.sample((2,)).shape == (2, 5, 3)
    mdl.manual_seed(0)
    draws = d.sample((40000,)).numpy()
    np.testing.assert_allclose(np.cov(draws.T), cov, atol=0.15)


def test_independent_sums_over_reinterpreted_dimensions(rng):
    loc, scale, x = rng.standard_normal((3, 2)), rng.random((3, 2)) + 0.5, rng.standard_normal((3, 2))
    base = Normal(mdl.tensor(loc), mdl.tensor(scale))
    d = Independent(base, 1)
    assert (d.batch_shape, d.event_shape, d.sample((4,)).shape) == ((3,), (2,), (4, 3, 2))
    np.testing.assert_allclose(d.log_prob(mdl.tensor(x)).numpy(), base.log_prob(mdl.tensor(x)).numpy().sum(-1))
    np.testing.assert_allclose(d.entropy().numpy(), base.entropy().numpy().sum(-1))
    assert Independent(base, 2).batch_shape == () and Independent(base, 2).log_prob(mdl.tensor(x)).shape == ()
    assert repr(Independent(Normal(mdl.zeros(3, 2), mdl.ones(3, 2)), 1)) == \
        "Independent(Normal(loc: minidl.Size([3, 2]), scale: minidl.Size([3, 2])), 1)"
    assert repr(d.support) == "IndependentConstraint(Real(), 1)" and d.has_rsample
    assert d.expand((5, 3)).batch_shape == (5, 3)
    other = Independent(Normal(mdl.tensor(loc) + 1, mdl.tensor(scale)), 1)
    np.testing.assert_allclose(kl_divergence(d, other).numpy(),
                               kl_divergence(base, other.base_dist).numpy().sum(-1))
    with pytest.raises(ValueError, match="Expected reinterpreted_batch_ndims <= len"):
        Independent(Normal(mdl.zeros(3), 1.0), 2)


def test_one_hot_categorical():
    probs = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    d = OneHotCategorical(probs=mdl.tensor(probs))
    assert (d.batch_shape, d.event_shape, d.sample((4,)).shape) == ((2,), (3,), (4, 2, 3))
    draws = d.sample((50,)).numpy()
    assert ((draws == 0) | (draws == 1)).all() and (draws.sum(-1) == 1).all()
    np.testing.assert_allclose(d.log_prob(mdl.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])).numpy(),
                               np.log([0.5, 0.1]), rtol=1e-12)
    np.testing.assert_allclose(d.entropy().numpy(), -(probs * np.log(probs)).sum(-1), rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), probs * (1 - probs))
    assert d.mode.tolist() == [[0, 0, 1], [0, 0, 1]] and repr(d) == "OneHotCategorical()"
    assert d.enumerate_support().shape == (3, 2, 3)
    with pytest.raises(ValueError, match="support \\(OneHot\\(\\)\\)"):
        d.log_prob(mdl.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]]))


def test_laplace_and_exponential(rng):
    loc, scale, x = np.array([0.0, 1.0]), np.array([1.0, 2.0]), np.array([0.5, -1.0])
    d = Laplace(mdl.tensor(loc), mdl.tensor(scale))
    np.testing.assert_allclose(d.log_prob(mdl.tensor(x)).numpy(), -np.log(2 * scale) - np.abs(x - loc) / scale)
    np.testing.assert_allclose(d.entropy().numpy(), 1 + np.log(2 * scale))
    np.testing.assert_allclose(d.icdf(d.cdf(mdl.tensor(x))).numpy(), x, rtol=1e-10)
    np.testing.assert_allclose(d.variance.numpy(), 2 * scale ** 2)
    rate = np.array([0.5, 2.0])
    e = Exponential(mdl.tensor(rate))
    np.testing.assert_allclose(e.log_prob(mdl.tensor(np.abs(x))).numpy(), np.log(rate) - rate * np.abs(x))
    np.testing.assert_allclose(e.cdf(mdl.tensor(np.abs(x))).numpy(), 1 - np.exp(-rate * np.abs(x)))
    np.testing.assert_allclose(e.entropy().numpy(), 1 - np.log(rate))
    mdl.manual_seed(0)
    draws = Exponential(mdl.tensor(2.0, dtype=mdl.float64)).sample((40000,)).numpy()
    assert draws.min() >= 0 and abs(draws.mean() - 0.5) < 0.01
    lap = Laplace(mdl.tensor(1.0, dtype=mdl.float64), mdl.tensor(2.0, dtype=mdl.float64)).sample((40000,)).numpy()
    assert abs(np.median(lap) - 1.0) < 0.05 and abs(lap.var() - 8.0) < 0.4
    kl = kl_divergence(Exponential(2.0), Exponential(1.0)).item()
    assert kl == pytest.approx(np.log(2.0) + 1 / 2.0 - 1, rel=1e-6)
    with pytest.raises(ValueError, match="GreaterThanEq\\(lower_bound=0.0\\)"):
        e.log_prob(mdl.tensor([-1.0, 1.0]))


# --- KL ---------------------------------------------------------------------------------

def test_kl_closed_forms(rng):
    kl = kl_divergence(Normal(0.0, 1.0), Normal(1.0, 2.0)).item()
    assert kl == pytest.approx(np.log(2) + (1 + 1) / 8 - 0.5, rel=1e-6)
    p, q = np.array([0.2, 0.8]), np.array([0.5, 0.5])
    kl = kl_divergence(Categorical(probs=mdl.tensor(p)), Categorical(probs=mdl.tensor(q))).item()
    assert kl == pytest.approx((p * np.log(p / q)).sum(), rel=1e-6)
    assert kl_divergence(Categorical(probs=mdl.tensor([0.0, 1.0])), Categorical(probs=mdl.tensor(q))).item() == \
        pytest.approx(np.log(2), rel=1e-6)
    assert kl_divergence(Categorical(probs=mdl.tensor(q)), Categorical(probs=mdl.tensor([0.0, 1.0]))).item() == math.inf
    kl = kl_divergence(Bernoulli(0.3), Bernoulli(0.6)).item()
    assert kl == pytest.approx(0.3 * np.log(0.3 / 0.6) + 0.7 * np.log(0.7 / 0.4), rel=1e-5)
    assert kl_divergence(Uniform(0.0, 1.0), Uniform(-1.0, 2.0)).item() == pytest.approx(np.log(3), rel=1e-6)
    assert kl_divergence(Uniform(-1.0, 2.0), Uniform(0.0, 1.0)).item() == math.inf
    a, b = rng.standard_normal((2, 2, 2))
    c0, c1 = a @ a.T + np.eye(2), b @ b.T + np.eye(2)
    m0, m1 = rng.standard_normal(2), rng.standard_normal(2)
    kl = kl_divergence(MultivariateNormal(mdl.tensor(m0), mdl.tensor(c0)),
                       MultivariateNormal(mdl.tensor(m1), mdl.tensor(c1))).item()
    inv1 = np.linalg.inv(c1)
    expected = 0.5 * (np.trace(inv1 @ c0) + (m1 - m0) @ inv1 @ (m1 - m0) - 2
                      + np.log(np.linalg.det(c1) / np.linalg.det(c0)))
    assert kl == pytest.approx(expected, rel=1e-10)


def test_kl_unregistered_pair_and_register_kl():
    with pytest.raises(NotImplementedError, match="No KL"):
        kl_divergence(Bernoulli(0.5), Laplace(0.0, 1.0))
    with pytest.raises(NotImplementedError, match="different exponential families"):   # as PyTorch's
        kl_divergence(Bernoulli(0.5), Normal(0.0, 1.0))

    class Shifted(Normal):
        pass

    assert kl_divergence(Shifted(0.0, 1.0), Normal(0.0, 1.0)).item() == 0.0    # found through the base class

    @register_kl(Bernoulli, Normal)
    def _silly(p, q):
        return p.probs * 0 + 7.0

    assert kl_divergence(Bernoulli(0.5), Normal(0.0, 1.0)).item() == 7.0
    with pytest.raises(TypeError):
        register_kl(int, Normal)


# --- validation, shapes, reprs ----------------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda: Normal(0.0, -1.0), "Expected parameter scale (Tensor of shape ()) of distribution Normal(loc: 0.0, "
                                "scale: -1.0) to satisfy the constraint GreaterThan(lower_bound=0.0)"),
    (lambda: Uniform(1.0, 0.0), "Expected parameter low (Tensor of shape ()) of distribution Uniform(low: 1.0, "
                                "high: 0.0) to satisfy the constraint LessThan(upper_bound=0.0)"),
    (lambda: Uniform(0.0, 1.0).log_prob(mdl.tensor(2.0)), "Expected value argument (Tensor of shape ()) to be "
     "within the support (Interval(lower_bound=0.0, upper_bound=1.0))"),
    (lambda: Categorical(probs=mdl.tensor([0.2, 0.8])).log_prob(mdl.tensor(2)),
     "within the support (IntegerInterval(lower_bound=0, upper_bound=1))"),
    (lambda: Bernoulli(0.3).log_prob(mdl.tensor(0.5)), "within the support (Boolean())"),
    (lambda: Categorical(), "Either `probs` or `logits` must be specified, but not both."),
    (lambda: MultivariateNormal(mdl.zeros(2)), "Exactly one of covariance_matrix or precision_matrix or scale_tril"),
    (lambda: MultivariateNormal(mdl.zeros(2), -mdl.eye(2)), "constraint PositiveDefinite()"),
    (lambda: Normal(mdl.zeros(2), 1.0).log_prob(mdl.zeros(3)),
     "Value is not broadcastable with batch_shape+event_shape: minidl.Size([3]) vs minidl.Size([2])."),
])
def test_validation_errors(make, message):
    with pytest.raises(ValueError) as info:
        make()
    assert message in str(info.value)


def test_shapes_reprs_and_flags():
    assert repr(Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(Normal(mdl.zeros(3), 1.0)) == "Normal(loc: minidl.Size([3]), scale: minidl.Size([3]))"
    assert repr(Bernoulli(0.3)) == "Bernoulli(probs: 0.30000001192092896)"
    d = Normal(mdl.zeros(3), 1.0)
    assert (d.batch_shape, d.event_shape, d.sample().shape, d.sample((2,)).shape) == ((3,), (), (3,), (2, 3))
    assert Normal(0.0, 1.0).sample().shape == () and Normal(0.0, 1.0).loc.dtype == mdl.float32
    assert Normal(mdl.zeros(2), 1.0).expand((3, 2)).batch_shape == (3, 2)
    assert Categorical(probs=mdl.tensor([0.2, 0.8])).expand((4,)).batch_shape == (4,)
    assert (Normal.has_rsample, Uniform.has_rsample, MultivariateNormal.has_rsample) == (True, True, True)
    assert not Categorical.has_rsample and Bernoulli.has_enumerate_support
    with pytest.raises(NotImplementedError):
        Bernoulli(0.5).rsample()
    assert repr(constraints.positive) == "GreaterThan(lower_bound=0.0)" and repr(constraints.real) == "Real()"
    mdl.set_default_dtype(mdl.float64)
    try:
        assert Normal(0.0, 1.0).sample().dtype == mdl.float64
    finally:
        mdl.set_default_dtype(mdl.float32)


def test_sample_has_no_gradient_and_rsample_has():
    loc = mdl.tensor([0.5], requires_grad=True)
    assert not Normal(loc, 1.0).sample().requires_grad
    assert Normal(loc, 1.0).rsample().requires_grad
    Normal(loc, 1.0).rsample((4,)).sum().backward()
    assert loc.grad.tolist() == [4.0]


# --- float64 gradient checks -------------------------------------------------------------

def _seeded(fn):
    """``fn`` with the random draws of rsample fixed, so that finite differences see one function."""
    def run(*args):
        mdl.manual_seed(11)
        return fn(*args)
    return run


GRAD_CASES = {
    "normal_log_prob": (lambda loc, scale, x: Normal(loc, scale).log_prob(x),
                        lambda r: (f64(r.standard_normal(3)), f64(r.random(3) + 0.5), f64(r.standard_normal(3)))),
    "normal_entropy": (lambda loc, scale: Normal(loc, scale).entropy(),
                       lambda r: (f64(r.standard_normal(3)), f64(r.random(3) + 0.5))),
    "normal_rsample": (_seeded(lambda loc, scale: Normal(loc, scale).rsample((2,))),
                       lambda r: (f64(r.standard_normal(3)), f64(r.random(3) + 0.5))),
    "normal_cdf": (lambda loc, scale, x: Normal(loc, scale).cdf(x),
                   lambda r: (f64(r.standard_normal(3)), f64(r.random(3) + 0.5), f64(r.standard_normal(3)))),
    "uniform_log_prob": (lambda low, high: Uniform(low, high).log_prob(mdl.tensor([0.4, 0.5], dtype=mdl.float64)),
                         lambda r: (f64([0.0, -1.0]), f64([1.0, 2.0]))),
    "uniform_rsample": (_seeded(lambda low, high: Uniform(low, high).rsample((3,))),
                        lambda r: (f64([0.0, -1.0]), f64([1.0, 2.0]))),
    "categorical_logits": (lambda logits: Categorical(logits=logits).log_prob(mdl.tensor([0, 2]))
                           + Categorical(logits=logits).entropy(),
                           lambda r: (f64(r.standard_normal((2, 3))),)),
    "categorical_probs": (lambda probs: Categorical(probs=probs).log_prob(mdl.tensor([1, 0])),
                          lambda r: (f64(r.random((2, 3)) + 0.2),)),
    "bernoulli": (lambda p: Bernoulli(probs=p).log_prob(mdl.tensor([1.0, 0.0], dtype=mdl.float64))
                  + Bernoulli(probs=p).entropy(), lambda r: (f64([0.3, 0.6]),)),
    "bernoulli_logits": (lambda z: Bernoulli(logits=z).log_prob(mdl.tensor([1.0, 0.0], dtype=mdl.float64)),
                         lambda r: (f64([0.3, -1.2]),)),
    "mvn_log_prob": (lambda loc, tril, x: MultivariateNormal(loc, scale_tril=tril.tril()).log_prob(x),
                     lambda r: (f64(r.standard_normal(3)), f64(np.tril(r.standard_normal((3, 3)) * 0.3)
                                                               + 2 * np.eye(3)), f64(r.standard_normal((2, 3))))),
    # (scale_tril is taken as .tril() of the input, and the covariance symmetrised, so that finite
    # differences stay inside the constraints)
    "mvn_covariance": (lambda c: MultivariateNormal(mdl.zeros(2, dtype=mdl.float64), (c + c.T) / 2).entropy(),
                       lambda r: (f64([[2.0, 0.3], [0.3, 1.0]]),)),
    "mvn_rsample": (_seeded(lambda loc, tril: MultivariateNormal(loc, scale_tril=tril.tril()).rsample((2,))),
                    lambda r: (f64(r.standard_normal(2)), f64([[1.5, 0.0], [0.4, 0.8]]))),
    "independent": (lambda loc, scale, x: Independent(Normal(loc, scale), 1).log_prob(x)
                    + Independent(Normal(loc, scale), 1).entropy(),
                    lambda r: (f64(r.standard_normal((2, 3))), f64(r.random((2, 3)) + 0.5),
                               f64(r.standard_normal((2, 3))))),
    "laplace": (lambda loc, scale, x: Laplace(loc, scale).log_prob(x) + Laplace(loc, scale).entropy(),
                lambda r: (f64(r.standard_normal(3)), f64(r.random(3) + 0.5), f64(r.standard_normal(3)))),
    "laplace_rsample": (_seeded(lambda loc, scale: Laplace(loc, scale).rsample((2,))),
                        lambda r: (f64(r.standard_normal(3)), f64(r.random(3) + 0.5))),
    "exponential": (lambda rate, x: Exponential(rate).log_prob(x) + Exponential(rate).entropy()
                    + Exponential(rate).cdf(x), lambda r: (f64(r.random(3) + 0.5), f64(r.random(3) + 0.1))),
    "exponential_rsample": (_seeded(lambda rate: Exponential(rate).rsample((2,))),
                            lambda r: (f64(r.random(3) + 0.5),)),
    "one_hot_categorical": (lambda logits: OneHotCategorical(logits=logits).log_prob(
        mdl.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], dtype=mdl.float64)) + OneHotCategorical(logits=logits).entropy(),
        lambda r: (f64(r.standard_normal((2, 3))),)),
    "kl_laplace": (lambda m0, s0, m1, s1: kl_divergence(Laplace(m0, s0), Laplace(m1, s1)),
                   lambda r: (f64(r.standard_normal(2)), f64(r.random(2) + 0.5), f64(r.standard_normal(2)),
                              f64(r.random(2) + 0.5))),
    "kl_normal": (lambda m0, s0, m1, s1: kl_divergence(Normal(m0, s0), Normal(m1, s1)),
                  lambda r: (f64(r.standard_normal(2)), f64(r.random(2) + 0.5), f64(r.standard_normal(2)),
                             f64(r.random(2) + 0.5))),
    "kl_categorical": (lambda a, b: kl_divergence(Categorical(logits=a), Categorical(logits=b)),
                       lambda r: (f64(r.standard_normal((2, 3))), f64(r.standard_normal((2, 3))))),
    "kl_mvn": (lambda t0, t1: kl_divergence(MultivariateNormal(mdl.zeros(2, dtype=mdl.float64), scale_tril=t0.tril()),
                                            MultivariateNormal(mdl.ones(2, dtype=mdl.float64), scale_tril=t1.tril())),
               lambda r: (f64([[1.5, 0.0], [0.4, 0.8]]), f64([[1.0, 0.0], [-0.3, 1.2]]))),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradcheck(name, rng):
    fn, make = GRAD_CASES[name]
    inputs = make(rng)
    assert gradcheck(lambda *a: fn(*a), inputs)
    assert gradgradcheck(lambda *a: fn(*a), inputs)
