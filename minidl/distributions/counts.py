"""``minidl.distributions.Poisson``, ``Binomial``, ``Geometric``, ``NegativeBinomial``: the count distributions.

Samples (floating point counts, as PyTorch's) come from minidl's seeded
generator; log-probabilities are differentiable in the parameters.

>>> import minidl as mdl
>>> from minidl.distributions import Binomial, Geometric, NegativeBinomial, Poisson
>>> round(Poisson(mdl.tensor([2.0])).log_prob(mdl.tensor([3.0])).item(), 4)
-1.7123
>>> round(Binomial(10, mdl.tensor([0.3])).log_prob(mdl.tensor([2.0])).item(), 4)
-1.4547
>>> Geometric(mdl.tensor([0.25])).mean.tolist(), NegativeBinomial(5.0, mdl.tensor([0.5])).variance.tolist()
([3.0], [10.0])
"""
from __future__ import annotations

import numbers

from .. import functions as _functions
from ..autograd import no_grad
from ..creation import arange, rand, zeros_like
from ..functions_random import poisson
from ..nn.functional import binary_cross_entropy_with_logits, logsigmoid
from ..size import Size
from ..type_info import finfo
from . import constraints
from .distribution import (
    _EMPTY_SHAPE,
    BinaryProbsLogits,
    Distribution,
    broadcast_all,
    lazy_property,
)
from .exp_family import ExponentialFamily
from .gamma import Gamma

__all__ = ["Poisson", "Binomial", "Geometric", "NegativeBinomial"]


def _one_of(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


def _clamp_by_zero(x):
    """``clamp(x, min=0)`` whose gradient at 0 is 1/2 (as PyTorch's Binomial)."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class _CountWithProbs(BinaryProbsLogits, Distribution):
    """The shared ``probs``/``logits`` plumbing of Binomial, Geometric and NegativeBinomial (binary logits)."""

    def _set_params(self, total_count, probs, logits):
        _one_of(probs, logits)
        given = probs if probs is not None else logits
        if total_count is None:
            (param,) = broadcast_all(given)
        else:
            total_count, param = broadcast_all(total_count, given)
            self.total_count = total_count.type_as(param)
        if probs is not None:
            self.probs = param
        else:
            self.logits = param
        self._param = param
        return given

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self.__class__.__new__(self.__class__) if _instance is None else _instance
        batch_shape = Size(batch_shape)
        shape = tuple(batch_shape)
        if "total_count" in self.__dict__:
            new.total_count = self.total_count.expand(*shape)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                new.__dict__[name] = self.__dict__[name].expand(*shape)
                new._param = new.__dict__[name]
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new


class Poisson(ExponentialFamily):
    """The Poisson distribution with ``rate`` (>= 0): ``P(k) = rate**k exp(-rate) / k!``.

    >>> import minidl as mdl
    >>> from minidl.distributions import Poisson
    >>> _ = mdl.manual_seed(0)
    >>> Poisson(mdl.tensor([4.0])).sample((2,)).shape, Poisson(mdl.tensor([2.5])).mode.tolist()
    (minidl.Size([2, 1]), [2.0])
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(Size() if isinstance(rate, numbers.Number) else self.rate.size(),
                         validate_args=validate_args)

    @property
    def mean(self):
        """``rate``."""
        return self.rate

    @property
    def mode(self):
        """``floor(rate)``."""
        return self.rate.floor()

    @property
    def variance(self):
        """``rate``."""
        return self.rate

    def sample(self, sample_shape=_EMPTY_SHAPE):
        """Counts of shape ``sample_shape + batch_shape`` (in ``rate``'s dtype)."""
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            return poisson(self.rate.expand(*shape))

    def log_prob(self, value):
        """``value log(rate) - rate - lgamma(value + 1)``."""
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()

    def _expand_params(self):
        return ["rate"]

    @property
    def _natural_params(self):
        return (self.rate.log(),)

    def _log_normalizer(self, x):
        return x.exp()


class Binomial(_CountWithProbs):
    """The number of successes in ``total_count`` Bernoulli trials of success probability ``probs``
    (or ``sigmoid(logits)``); ``total_count`` broadcasts with the probabilities.

    >>> import minidl as mdl
    >>> from minidl.distributions import Binomial
    >>> d = Binomial(4, probs=mdl.tensor([0.5]))
    >>> d.mean.tolist(), d.enumerate_support(expand=False).flatten().tolist()
    ([2.0], [0.0, 1.0, 2.0, 3.0, 4.0])
    """

    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        self._set_params(total_count, probs, logits)
        super().__init__(self._param.size(), validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        """``{0, ..., total_count}``."""
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self):
        """``total_count * probs``."""
        return self.total_count * self.probs

    @property
    def mode(self):
        """``floor((total_count + 1) probs)``, at most ``total_count``."""
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self):
        """``total_count * probs * (1 - probs)``."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=_EMPTY_SHAPE):
        """Success counts of shape ``sample_shape + batch_shape``."""
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            from ..functions_binomial import binomial  # PyTorch's torch.binomial draws (same stream)
            return binomial(self.total_count.expand(*shape), self.probs.expand(*shape))

    def log_prob(self, value):
        """``log C(n, k) + k logits - n log(1 + exp(logits))``, computed without overflow."""
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        log_factorial_n = (n + 1).lgamma()
        log_factorial_k = (value + 1).lgamma()
        log_factorial_nmk = (n - value + 1).lgamma()
        normalize = n * _clamp_by_zero(logits) + n * (-logits.abs()).exp().log1p() - log_factorial_n
        return value * logits - log_factorial_k - log_factorial_nmk - normalize

    def entropy(self):
        """``-sum_k P(k) log P(k)`` over the support (one shared ``total_count`` only)."""
        self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def _homogeneous_count(self, what):
        total = int(self.total_count.max().item())
        if int(self.total_count.min().item()) != total:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
        return total

    def enumerate_support(self, expand=True):
        """``0 .. total_count`` along a new leftmost dimension (one shared ``total_count`` only)."""
        total = self._homogeneous_count("enumerate_support")
        values = arange(1 + total, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape(-1, *((1,) * len(self._batch_shape)))
        if expand:
            values = values.expand(-1, *tuple(self._batch_shape))
        return values


class Geometric(_CountWithProbs):
    """The number of failures before the first success in Bernoulli trials of success probability
    ``probs`` (in (0, 1]) or ``sigmoid(logits)``: ``P(k) = (1 - p)**k p``, k = 0, 1, ...

    >>> import minidl as mdl
    >>> from minidl.distributions import Geometric
    >>> round(Geometric(mdl.tensor([0.5])).log_prob(mdl.tensor([2.0])).item(), 4)
    -2.0794
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        given = self._set_params(None, probs, logits)
        super().__init__(Size() if isinstance(given, numbers.Number) else self._param.size(),
                         validate_args=validate_args)
        if self._validate_args and probs is not None:
            valid = self.probs > 0
            if not bool(valid.all()):
                raise ValueError(f"Expected parameter probs ({type(self.probs).__name__} of shape "
                                 f"{tuple(self.probs.shape)}) of distribution {self!r} to be positive but found "
                                 f"invalid values:\n{self.probs[~valid]}")

    @property
    def mean(self):
        """``1 / probs - 1``."""
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        """0."""
        return zeros_like(self.probs)

    @property
    def variance(self):
        """``(1 / probs - 1) / probs``."""
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=_EMPTY_SHAPE):
        """``floor(log(u) / log(1 - p))``, u uniform in (0, 1), of shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        tiny = finfo(self.probs.dtype).tiny
        with no_grad():
            u = rand(shape, dtype=self.probs.dtype, device=self.probs.device).clamp(min=tiny)
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value):
        """``value log(1 - p) + log p`` (0 at value 0 when p is 1)."""
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = _functions.where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        """``H(Bernoulli(p)) / p``."""
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none") / self.probs


class NegativeBinomial(_CountWithProbs):
    """The number of successes before ``total_count`` failures, in Bernoulli trials of success probability
    ``probs`` (in [0, 1)) or ``sigmoid(logits)``; ``total_count`` may be any non-negative real.

    >>> import minidl as mdl
    >>> from minidl.distributions import NegativeBinomial
    >>> round(NegativeBinomial(3.0, probs=mdl.tensor([0.4])).log_prob(mdl.tensor([2.0])).item(), 4)
    -1.5733
    """

    arg_constraints = {"total_count": constraints.greater_than_eq(0), "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        self._set_params(total_count, probs, logits)
        super().__init__(self._param.size(), validate_args=validate_args)

    @property
    def mean(self):
        """``total_count * exp(logits)``."""
        return self.total_count * self.logits.exp()

    @property
    def mode(self):
        """``floor((total_count - 1) exp(logits))``, at least 0."""
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self):
        """``mean / sigmoid(-logits)``."""
        return self.mean / (-self.logits).sigmoid()

    @lazy_property
    def _gamma(self):
        return Gamma(concentration=self.total_count, rate=(-self.logits).exp(), validate_args=False)

    def sample(self, sample_shape=_EMPTY_SHAPE):
        """Poisson draws at Gamma(total_count, exp(-logits)) rates (the Gamma-Poisson mixture)."""
        with no_grad():
            return poisson(self._gamma.sample(sample_shape))

    def log_prob(self, value):
        """``r log sigmoid(-logits) + k log sigmoid(logits) + lgamma(r + k) - lgamma(k + 1) - lgamma(r)``."""
        if self._validate_args:
            self._validate_sample(value)
        r = self.total_count
        log_unnormalized = r * logsigmoid(-self.logits) + value * logsigmoid(self.logits)
        log_normalization = -(r + value).lgamma() + (1.0 + value).lgamma() + r.lgamma()
        log_normalization = _functions.where(r + value == 0.0, 0.0, log_normalization)
        return log_unnormalized - log_normalization
