"""The relaxed (Concrete / Gumbel-softmax) distributions and the straight-through one-hot categorical:
``LogitRelaxedBernoulli``, ``RelaxedBernoulli``, ``ExpRelaxedCategorical``, ``RelaxedOneHotCategorical``,
``OneHotCategoricalStraightThrough``, as torch.distributions has them. All have ``rsample``.

>>> import minidl as mdl
>>> from minidl.distributions import RelaxedBernoulli, RelaxedOneHotCategorical
>>> _ = mdl.manual_seed(0)
>>> x = RelaxedOneHotCategorical(mdl.tensor(0.5), probs=mdl.tensor([0.2, 0.3, 0.5])).rsample((4,))
>>> x.shape, bool(((x.sum(-1) - 1).abs() < 1e-5).all())
(minidl.Size([4, 3]), True)
>>> round(RelaxedBernoulli(mdl.tensor(0.5), probs=mdl.tensor([0.3])).log_prob(mdl.tensor([0.2])).item(), 4)
-0.2528
"""
from __future__ import annotations

import numbers

from ..creation import full_like, rand
from ..size import Size
from . import constraints
from ._transform_kinds import ExpTransform, SigmoidTransform
from .categorical import Categorical
from .distribution import (
    _EMPTY_SHAPE,
    BinaryProbsLogits,
    Distribution,
    broadcast_all,
    clamp_probs,
)
from .one_hot_categorical import OneHotCategorical
from .transformed import TransformedDistribution

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli", "ExpRelaxedCategorical", "RelaxedOneHotCategorical",
           "OneHotCategoricalStraightThrough"]


class LogitRelaxedBernoulli(BinaryProbsLogits, Distribution):
    """The logit of a relaxed Bernoulli variable at ``temperature``, by ``probs`` or ``logits``: samples
    ``(logit(u) + logits) / temperature`` with u uniform (Maddison et al., 2017)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self.temperature = temperature
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        given = probs if probs is not None else logits
        (param,) = broadcast_all(given)
        if probs is not None:
            self.probs = param
        else:
            self.logits = param
        self._param = param
        super().__init__(Size() if isinstance(given, numbers.Number) else param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self.__class__.__new__(self.__class__) if _instance is None else _instance
        batch_shape = Size(batch_shape)
        new.temperature = self.temperature
        for name in ("probs", "logits"):
            if name in self.__dict__:
                new.__dict__[name] = self.__dict__[name].expand(*tuple(batch_shape))
                new._param = new.__dict__[name]
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """``(logit(u) + logit(probs)) / temperature``, u uniform, of shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(*tuple(shape)))
        uniforms = clamp_probs(rand(shape, dtype=probs.dtype, device=probs.device))
        return (uniforms.log() - (-uniforms).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value):
        """``log t + (logits - t value) - 2 log(1 + exp(logits - t value))``."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value.mul(self.temperature)
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class RelaxedBernoulli(TransformedDistribution):
    """A relaxed Bernoulli on (0, 1) at ``temperature`` (a Tensor): the sigmoid of a LogitRelaxedBernoulli;
    low temperatures approach a Bernoulli(``probs``)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base_dist = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base_dist, SigmoidTransform(), validate_args=validate_args)

    @property
    def temperature(self):
        """The relaxation temperature."""
        return self.base_dist.temperature

    @property
    def logits(self):
        """Log-odds."""
        return self.base_dist.logits

    @property
    def probs(self):
        """The probability of 1 in the zero-temperature limit."""
        return self.base_dist.probs


class ExpRelaxedCategorical(Distribution):
    """The log of a relaxed one-hot categorical (Concrete) vector at ``temperature``: samples
    ``log_softmax((logits + gumbel) / temperature)``; event shape (K,)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self.__class__.__new__(self.__class__) if _instance is None else _instance
        batch_shape = Size(batch_shape)
        new.temperature = self.temperature
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def param_shape(self):
        """The shape of ``probs``/``logits``."""
        return self._categorical.param_shape

    @property
    def logits(self):
        """Normalised log-probabilities."""
        return self._categorical.logits

    @property
    def probs(self):
        """Class probabilities."""
        return self._categorical.probs

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """``log_softmax((logits + g) / temperature)``, g standard Gumbel, of shape ``sample_shape + batch + (K,)``."""
        shape = self._extended_shape(sample_shape)
        uniforms = clamp_probs(rand(shape, dtype=self.logits.dtype, device=self.logits.device))
        gumbels = -((-(uniforms.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value):
        """The Concrete log-density of the log-probability vector ``value``."""
        k = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_scale = full_like(self.temperature, float(k)).lgamma() - self.temperature.log().mul(-(k - 1))
        score = logits - value.mul(self.temperature)
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(TransformedDistribution):
    """A relaxed one-hot vector on the simplex at ``temperature`` (the Gumbel-softmax / Concrete
    distribution): the exp of an ExpRelaxedCategorical."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base_dist = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    @property
    def temperature(self):
        """The relaxation temperature."""
        return self.base_dist.temperature

    @property
    def logits(self):
        """Normalised log-probabilities."""
        return self.base_dist.logits

    @property
    def probs(self):
        """Class probabilities."""
        return self.base_dist.probs


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """OneHotCategorical whose ``rsample`` is the straight-through estimator (Bengio et al., 2013): the
    one-hot sample forward, the gradient of ``probs`` backward.

    >>> import minidl as mdl
    >>> from minidl.distributions import OneHotCategoricalStraightThrough
    >>> p = mdl.tensor([0.0, 1.0, 0.0], requires_grad=True)
    >>> s = OneHotCategoricalStraightThrough(probs=p).rsample()
    >>> s.tolist(), s.requires_grad
    ([0.0, 1.0, 0.0], True)
    """

    has_rsample = True

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """One-hot samples plus ``probs - probs.detach()`` (zero forward, the identity backward)."""
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())
