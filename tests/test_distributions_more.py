"""minidl.distributions: the relaxed (Concrete) distributions, OneHotCategoricalStraightThrough,
MixtureSameFamily, LowRankMultivariateNormal, ContinuousBernoulli and Kumaraswamy, with their KL pairs.

Values (moments, log_prob/cdf/icdf/entropy, supports, shapes, expand, KLs) are compared with
tests/fixtures/distributions_more.json, written by torch.distributions 2.13 in float64 with
tests/fixtures/make_distributions_more.py (the same expressions are evaluated here with minidl). Samples
are checked by their moments, gradients by float64 gradcheck, KLs against Monte-Carlo estimates.
"""
from __future__ import annotations

import builtins
import json
import pathlib

import numpy as np
import pytest

import minidl as mdl
import minidl.distributions as D
from minidl.autograd import gradcheck
from minidl.distributions import (
    Categorical,
    ContinuousBernoulli,
    Independent,
    Kumaraswamy,
    LowRankMultivariateNormal,
    MixtureSameFamily,
    MultivariateNormal,
    Normal,
    OneHotCategoricalStraightThrough,
    RelaxedBernoulli,
    RelaxedOneHotCategorical,
    kl_divergence,
)

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "distributions_more.json").read_text())
RESULTS = FIXTURE["results"]
T = mdl  # the fixture's expressions name the framework T and the distributions D


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


@pytest.mark.parametrize("name,ctor,value", FIXTURE["cases"], ids=[c[0] for c in FIXTURE["cases"]])
def test_values_match_pytorch(name, ctor, value):
    expected = RESULTS[name]
    d, v = eval(ctor), eval(value)
    for prop in FIXTURE["props"] + FIXTURE["extra"].get(name, []):
        _check(lambda prop=prop: getattr(d, prop), expected[prop])
    _check(lambda: d.log_prob(v), expected["log_prob"])
    _check(lambda: d.cdf(v), expected["cdf"])
    _check(lambda: d.icdf(mdl.full(tuple(d.batch_shape), 0.3)), expected["icdf"])
    _check(lambda: d.entropy(), expected["entropy"])
    _check(lambda: d.expand((4,) + tuple(d.batch_shape)).log_prob(v), expected["expand"])
    assert list(d.batch_shape) == expected["batch_shape"] and list(d.event_shape) == expected["event_shape"]
    assert d.has_rsample == expected["has_rsample"] and repr(d.support) == expected["support"]


@pytest.mark.parametrize("name,p,q", FIXTURE["kls"], ids=[k[0] for k in FIXTURE["kls"]])
def test_kl_matches_pytorch(name, p, q):
    _check(lambda: kl_divergence(eval(p), eval(q)), RESULTS["kl_" + name])


# --- gradients ---------------------------------------------------------------------------------

def test_gradcheck_log_probs():
    t, logits = f64([0.3, 0.7, 1.5]), f64([-1.0, 0.2, 2.0])
    u = f64([0.1, 0.6, 0.95])
    assert gradcheck(lambda t, lg, u: RelaxedBernoulli(t, logits=lg).log_prob(u), (t, logits, u))
    simplex = f64([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]], False)
    assert gradcheck(lambda t, lg: RelaxedOneHotCategorical(t, logits=lg).log_prob(simplex),
                     (f64(0.6), f64([[0.2, -0.3, 1.5], [0.0, 0.4, -1.0]])))
    probs = f64([0.1, 0.3, 0.4995, 0.8])
    x = f64([0.2, 0.5, 0.9, 0.7])
    assert gradcheck(lambda p, x: ContinuousBernoulli(p).log_prob(x), (probs, x))
    assert gradcheck(lambda p: ContinuousBernoulli(p).entropy(), (probs,))
    assert gradcheck(lambda p: ContinuousBernoulli(p).mean, (probs,))
    a, b = f64([0.5, 2.0, 5.0]), f64([0.7, 3.0, 1.5])
    assert gradcheck(lambda a, b, u: Kumaraswamy(a, b).log_prob(u), (a, b, u))
    assert gradcheck(lambda a, b: Kumaraswamy(a, b).entropy(), (a, b))
    loc = f64([[0.0, 1.0, -1.0], [0.5, 0.0, 2.0]])
    w = f64([[[1.0, 0.2], [0.5, -0.3], [0.0, 0.8]], [[0.3, 0.1], [-0.2, 0.4], [0.6, 0.0]]])
    diag = f64([[1.0, 0.5, 2.0], [0.3, 1.0, 0.7]])
    value = f64([[0.2, 0.3, 0.1], [1.0, -2.0, 0.5]], False)
    assert gradcheck(lambda m, w, d: LowRankMultivariateNormal(m, w, d).log_prob(value), (loc, w, diag))
    assert gradcheck(lambda w, d: LowRankMultivariateNormal(loc.detach(), w, d).entropy(), (w, diag))
    mix_logits, mu, sigma = f64([0.3, -0.2, 0.1]), f64([-1.0, 0.5, 2.0]), f64([1.0, 0.4, 2.0])
    assert gradcheck(lambda lg, m, s: MixtureSameFamily(Categorical(logits=lg), Normal(m, s)).log_prob(
        f64([0.3, -1.0, 4.0], False).unsqueeze(-1)), (mix_logits, mu, sigma))


def test_lowrank_matches_a_full_multivariate_normal():
    loc = f64([0.5, 0.0, 2.0], False)
    w = f64([[0.3, 0.1], [-0.2, 0.4], [0.6, 0.0]], False)
    diag = f64([0.3, 1.0, 0.7], False)
    low = LowRankMultivariateNormal(loc, w, diag)
    full = MultivariateNormal(loc, covariance_matrix=low.covariance_matrix)
    x = f64([[1.0, -2.0, 0.5], [0.0, 0.1, 0.2]], False)
    np.testing.assert_allclose(low.log_prob(x).numpy(), full.log_prob(x).numpy(), rtol=1e-10)
    np.testing.assert_allclose(low.entropy().numpy(), full.entropy().numpy(), rtol=1e-10)
    np.testing.assert_allclose(low.precision_matrix.numpy(), np.linalg.inv(low.covariance_matrix.numpy()), rtol=1e-9)
    st = low.scale_tril.numpy()
    np.testing.assert_allclose(st @ st.T, low.covariance_matrix.numpy(), rtol=1e-10)


def test_straight_through_gradient_and_relaxed_rsample_gradients():
    probs = f64([0.2, 0.3, 0.5])
    mdl.manual_seed(0)
    s = OneHotCategoricalStraightThrough(probs=probs).rsample((3,))
    assert sorted(s.sum(-1).tolist()) == [1.0, 1.0, 1.0] and set(s.flatten().tolist()) <= {0.0, 1.0}
    (s * f64([1.0, 2.0, 3.0], False)).sum().backward()
    # d/dp of (probs / probs.sum()) · [1, 2, 3] summed over 3 samples: 3 (c_i - probs·c) with sum(probs) = 1
    np.testing.assert_allclose(probs.grad.numpy(), 3 * (np.array([1.0, 2.0, 3.0]) - 2.3), rtol=1e-12)
    logits = f64([0.5, -0.5])
    mdl.manual_seed(1)
    RelaxedBernoulli(f64(0.5, False), logits=logits).rsample((1000,)).mean().backward()
    assert logits.grad is not None and bool((logits.grad > 0).all())
    logits = f64([0.5, -0.5, 0.0])
    mdl.manual_seed(1)
    RelaxedOneHotCategorical(f64(0.5, False), logits=logits).rsample((1000,))[:, 0].mean().backward()
    assert logits.grad.numpy()[0] > 0 > logits.grad.numpy()[1]


# --- sampling ---------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: Kumaraswamy(f64([0.5, 2.0, 5.0], False), f64([0.7, 3.0, 1.5], False)),
    lambda: ContinuousBernoulli(f64([0.1, 0.4995, 0.8], False)),
    lambda: MixtureSameFamily(Categorical(probs=f64([0.3, 0.7], False)), Normal(f64([-1.0, 2.0], False), 1.0)),
    lambda: MixtureSameFamily(Categorical(logits=f64([0.3, -0.2, 0.1], False)),
                              Independent(Normal(f64([[0.0, 1.0], [2.0, -1.0], [0.5, 0.5]], False),
                                                 f64([[1.0, 0.5], [0.7, 1.2], [2.0, 0.3]], False)), 1)),
    lambda: LowRankMultivariateNormal(f64([0.5, 0.0, 2.0], False), f64([[0.3, 0.1], [-0.2, 0.4], [0.6, 0.0]], False),
                                      f64([0.3, 1.0, 0.7], False)),
], ids=["kumaraswamy", "cont_bernoulli", "mixture", "mixture_vector", "lowrank"])
def test_sample_moments(make):
    d = make()
    mdl.manual_seed(5)
    draws = d.sample((200000,)).numpy()
    assert draws.shape == (200000,) + tuple(d.batch_shape) + tuple(d.event_shape)
    true_mean, true_var = d.mean.numpy(), d.variance.numpy()
    np.testing.assert_array_less(np.abs(draws.mean(0) - true_mean), 6 * np.sqrt(true_var / 200000))
    np.testing.assert_allclose(draws.var(0), true_var, rtol=0.05)
    if isinstance(d, LowRankMultivariateNormal):
        np.testing.assert_allclose(np.cov(draws.T), d.covariance_matrix.numpy(), atol=0.02)


def test_relaxed_distributions_approach_their_discrete_limits():
    mdl.manual_seed(6)
    p = f64([0.2, 0.7], False)
    draws = RelaxedBernoulli(f64(0.05, False), probs=p).sample((100000,)).numpy()
    np.testing.assert_allclose(draws.mean(0), p.numpy(), atol=0.01)
    onehot = RelaxedOneHotCategorical(f64(0.05, False), probs=f64([0.2, 0.3, 0.5], False)).sample((100000,)).numpy()
    np.testing.assert_allclose(onehot.sum(-1), 1.0, rtol=1e-9)
    np.testing.assert_allclose((onehot.argmax(-1)[:, None] == np.arange(3)).mean(0), [0.2, 0.3, 0.5], atol=0.01)


# --- validation and KL ---------------------------------------------------------------------------

def test_constructor_errors():
    with pytest.raises(ValueError, match="The Mixture distribution needs to be an"):
        MixtureSameFamily(Normal(0.0, 1.0), Normal(mdl.zeros(2), 1.0))
    with pytest.raises(ValueError, match="does not equal `component_distribution.batch_shape"):
        MixtureSameFamily(Categorical(probs=mdl.ones(3)), Normal(mdl.zeros(2), 1.0))
    with pytest.raises(ValueError, match="is not compatible with"):
        MixtureSameFamily(Categorical(probs=mdl.ones(3, 2)), Normal(mdl.zeros(4, 2), 1.0))
    with pytest.raises(ValueError, match="cov_factor must be a batch of matrices with shape 3 x m"):
        LowRankMultivariateNormal(mdl.zeros(3), mdl.zeros(2, 1), mdl.ones(3))
    with pytest.raises(ValueError, match="cov_diag must be a batch of vectors"):
        LowRankMultivariateNormal(mdl.zeros(3), mdl.zeros(3, 1), mdl.ones(2))
    with pytest.raises(ValueError, match="Expected parameter cov_diag"):
        LowRankMultivariateNormal(mdl.zeros(3), mdl.zeros(3, 1), f64([1.0, -1.0, 1.0], False))
    with pytest.raises(ValueError, match="The parameter probs has invalid values"):
        ContinuousBernoulli(f64([1.5], False), validate_args=True)
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        RelaxedBernoulli(f64(0.5, False))
    with pytest.raises(ValueError, match="Expected parameter concentration1"):
        Kumaraswamy(f64([-1.0], False), f64([1.0], False))
    with pytest.raises(ValueError, match="to be within the support"):
        Kumaraswamy(f64([1.0], False), f64([1.0], False)).log_prob(f64([1.5], False))


@pytest.mark.parametrize("p,q", [
    (lambda: ContinuousBernoulli(f64([0.1, 0.4995, 0.8], False)), lambda: ContinuousBernoulli(f64([0.7, 0.3, 0.5],
                                                                                                     False))),
    (lambda: LowRankMultivariateNormal(f64([0.5, 0.0, 2.0], False), f64([[0.3, 0.1], [-0.2, 0.4], [0.6, 0.0]], False),
                                       f64([0.3, 1.0, 0.7], False)),
     lambda: LowRankMultivariateNormal(f64([0.3, -1.0, 0.0], False), f64([[0.5], [0.1], [-0.4]], False),
                                       f64([0.8, 1.5, 0.6], False))),
    (lambda: MultivariateNormal(f64([0.3, -1.0, 0.0], False),
                                scale_tril=f64([[1.0, 0.0, 0.0], [0.5, 0.7, 0.0], [-0.2, 0.1, 1.3]], False)),
     lambda: LowRankMultivariateNormal(f64([0.5, 0.0, 2.0], False), f64([[0.3, 0.1], [-0.2, 0.4], [0.6, 0.0]], False),
                                       f64([0.3, 1.0, 0.7], False))),
    (lambda: LowRankMultivariateNormal(f64([0.5, 0.0, 2.0], False), f64([[0.3, 0.1], [-0.2, 0.4], [0.6, 0.0]], False),
                                       f64([0.3, 1.0, 0.7], False)),
     lambda: MultivariateNormal(f64([0.3, -1.0, 0.0], False),
                                scale_tril=f64([[1.0, 0.0, 0.0], [0.5, 0.7, 0.0], [-0.2, 0.1, 1.3]], False))),
    (lambda: D.Beta(f64([0.5, 2.0], False), f64([1.5, 3.0], False)),
     lambda: ContinuousBernoulli(f64([0.7, 0.3], False))),
])
def test_kl_matches_a_monte_carlo_estimate(p, q):
    p, q = p(), q()
    mdl.manual_seed(9)
    x = p.sample((200000,))
    log_ratio = (p.log_prob(x) - q.log_prob(x)).numpy()
    mc, se = log_ratio.mean(0), log_ratio.std(0) / np.sqrt(log_ratio.shape[0])
    np.testing.assert_array_less(np.abs(kl_divergence(p, q).numpy() - mc), 6 * se + 1e-9)


def test_submodule_import_paths_as_pytorch():
    from minidl.distributions.relaxed_bernoulli import LogitRelaxedBernoulli
    from minidl.distributions.relaxed_categorical import ExpRelaxedCategorical
    assert LogitRelaxedBernoulli(f64(0.5, False), probs=f64([0.3], False)).support is D.constraints.real
    assert ExpRelaxedCategorical(f64(0.5, False), probs=f64([0.3, 0.7], False)).event_shape == (2,)
    assert "LogitRelaxedBernoulli" not in D.__all__ and "OneHotCategoricalStraightThrough" in D.__all__


# --- InverseGamma, FisherSnedecor, LogisticNormal -------------------------------------------------

def test_gamma_derived_gradcheck_and_samples():
    a, b, x = f64([2.5, 4.0]), f64([0.7, 2.0]), f64([0.4, 1.3])
    assert gradcheck(lambda a, b, x: D.InverseGamma(a, b).log_prob(x), (a, b, x))
    assert gradcheck(lambda d1, d2, x: D.FisherSnedecor(d1, d2).log_prob(x), (f64([3.0, 7.0]), f64([5.0, 9.0]), x))
    assert gradcheck(lambda m, s: D.LogisticNormal(m, s).log_prob(f64([0.2, 0.3, 0.5], False)),
                     (f64([0.1, -0.4]), f64([0.8, 1.5])))
    mdl.manual_seed(12)
    for d in (D.InverseGamma(f64([5.0, 8.0], False), f64([2.0, 1.0], False)),
              D.FisherSnedecor(f64([6.0, 10.0], False), f64([12.0, 20.0], False))):
        draws = d.sample((200000,)).numpy()
        np.testing.assert_array_less(np.abs(draws.mean(0) - d.mean.numpy()), 6 * np.sqrt(d.variance.numpy() / 200000))
        np.testing.assert_allclose(draws.var(0), d.variance.numpy(), rtol=0.1)
    shape = f64([2.0], False)
    mdl.manual_seed(13)
    conc = f64([6.0])
    D.InverseGamma(conc, shape).rsample((200000,)).mean().backward()     # E = rate / (a - 1)
    assert conc.grad.item() == pytest.approx(-2.0 / 25.0, rel=0.05)
    s = D.LogisticNormal(f64([0.0, 1.0], False), f64([1.0, 0.5], False)).sample((5,))
    assert s.shape == (5, 3) and np.allclose(s.sum(-1).numpy(), 1.0)


def test_matrix_and_one_hot_constraints_as_pytorch():
    c = D.constraints
    assert bool(c.lower_triangular.check(f64([[1.0, 0.0], [2.0, 3.0]], False)))
    assert not bool(c.lower_triangular.check(f64([[1.0, 0.5], [2.0, 3.0]], False)))
    assert c.square.check(mdl.zeros(3, 2, 2)).tolist() == [True] * 3 and not bool(c.square.check(mdl.zeros(2, 3)))
    assert bool(c.symmetric.check(f64([[1.0, 2.0], [2.0, 1.0]], False)))
    assert not bool(c.positive_semidefinite.check(f64([[1.0, 2.0], [2.0, 1.0]], False)))
    assert bool(c.positive_semidefinite.check(f64([[1.0, 0.0], [0.0, 0.0]], False)))
    assert c.one_hot.check(f64([[0.0, 1.0], [1.0, 1.0]], False)).tolist() == [True, False]
    assert repr(c.one_hot) == "OneHot()" and c.one_hot.event_dim == 1 and c.one_hot.is_discrete
    assert (repr(c.square), repr(c.symmetric), repr(c.positive_semidefinite)) == \
        ("Square()", "Symmetric()", "PositiveSemidefinite()")
