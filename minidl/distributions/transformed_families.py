"""Distributions defined by transforming a simpler one, as PyTorch builds them: ``LogNormal``
(exp of a Normal), ``HalfNormal`` (|Normal|), ``Gumbel`` (``loc - scale log(-log U)``), ``Pareto``
(``scale exp(Exponential(alpha))``) and ``Weibull`` (``scale E**(1/k)``, E ~ Exponential(1)).

>>> import minidl as mdl
>>> from minidl.distributions import Gumbel, LogNormal, Pareto, Weibull
>>> round(LogNormal(0.0, 1.0).log_prob(mdl.tensor(2.0)).item(), 4), round(Gumbel(0.0, 1.0).mean.item(), 4)
(-1.8523, 0.5772)
>>> Pareto(1.0, 3.0).mean.item(), round(Weibull(1.0, 2.0).mean.item(), 4)
(1.5, 0.8862)
"""
from __future__ import annotations

import math

import numpy as np

from .. import functions as _functions
from ..creation import full_like, ones_like, zeros_like
from ..type_info import finfo
from . import constraints
from ._transform_kinds import AbsTransform, AffineTransform, ExpTransform, PowerTransform
from .distribution import broadcast_all
from .laplace_exponential import Exponential
from .normal import Normal, Uniform
from .transformed import TransformedDistribution

__all__ = ["LogNormal", "HalfNormal", "Gumbel", "Pareto", "Weibull"]

_EULER_GAMMA = 0.57721566490153286060


class LogNormal(TransformedDistribution):
    """``exp(X)`` for X ~ Normal(``loc``, ``scale``).

    >>> import minidl as mdl
    >>> from minidl.distributions import LogNormal
    >>> d = LogNormal(mdl.tensor([0.0]), mdl.tensor([0.5]))
    >>> [round(v, 4) for v in (d.mean.item(), d.mode.item(), d.variance.item(), d.entropy().item())]
    [1.1331, 0.7788, 0.3647, 0.7258]
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        super().__init__(Normal(loc, scale, validate_args=validate_args), ExpTransform(), validate_args=validate_args)

    @property
    def loc(self):
        """The mean of ``log X``."""
        return self.base_dist.loc

    @property
    def scale(self):
        """The standard deviation of ``log X``."""
        return self.base_dist.scale

    @property
    def mean(self):
        """``exp(loc + scale² / 2)``."""
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self):
        """``exp(loc - scale²)``."""
        return (self.loc - self.scale.square()).exp()

    @property
    def variance(self):
        """``(exp(scale²) - 1) exp(2 loc + scale²)``."""
        scale_sq = self.scale.pow(2)
        return scale_sq.expm1() * (2 * self.loc + scale_sq).exp()

    def entropy(self):
        """The Normal entropy plus ``loc``."""
        return self.base_dist.entropy() + self.loc


class HalfNormal(TransformedDistribution):
    """``|X|`` for X ~ Normal(0, ``scale``), on [0, inf).

    >>> import minidl as mdl
    >>> from minidl.distributions import HalfNormal
    >>> round(HalfNormal(1.0).log_prob(mdl.tensor(1.0)).item(), 4), round(HalfNormal(2.0).mean.item(), 4)
    (-0.7258, 1.5958)
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None):
        super().__init__(Normal(0, scale, validate_args=False), AbsTransform(), validate_args=validate_args)

    @property
    def scale(self):
        """The scale of the folded normal."""
        return self.base_dist.scale

    @property
    def mean(self):
        """``scale sqrt(2 / pi)``."""
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self):
        """0."""
        return zeros_like(self.scale)

    @property
    def variance(self):
        """``scale² (1 - 2 / pi)``."""
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def log_prob(self, value):
        """``log 2 + `` the Normal log-density on [0, inf), ``-inf`` below 0."""
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return _functions.where(value >= 0, log_prob, -math.inf)

    def cdf(self, value):
        """``2 Phi(value / scale) - 1``."""
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        """The Normal quantile at ``(prob + 1) / 2``."""
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        """The Normal entropy minus ``log 2``."""
        return self.base_dist.entropy() - math.log(2)


class Gumbel(TransformedDistribution):
    """The Gumbel (type-I extreme value) distribution with ``loc`` and ``scale``: density
    ``exp(-(z + exp(-z))) / scale``, z = (x - loc) / scale.

    >>> import minidl as mdl
    >>> from minidl.distributions import Gumbel
    >>> round(Gumbel(1.0, 2.0).log_prob(mdl.tensor(0.0)).item(), 4), round(Gumbel(1.0, 2.0).entropy().item(), 4)
    (-1.8419, 2.2704)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        info = finfo(self.loc.dtype)
        if isinstance(loc, (int, float)) and isinstance(scale, (int, float)):
            base_dist = Uniform(info.tiny, 1 - info.eps, validate_args=validate_args)
        else:
            base_dist = Uniform(full_like(self.loc, info.tiny), full_like(self.loc, 1 - info.eps),
                                validate_args=validate_args)
        transforms = [ExpTransform().inv, AffineTransform(loc=0, scale=-ones_like(self.scale)),
                      ExpTransform().inv, AffineTransform(loc=loc, scale=-self.scale)]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self.__class__.__new__(self.__class__) if _instance is None else _instance
        new.loc = self.loc.expand(*tuple(batch_shape))
        new.scale = self.scale.expand(*tuple(batch_shape))
        return super().expand(batch_shape, _instance=new)

    def log_prob(self, value):
        """``y - exp(y) - log(scale)`` with ``y = (loc - value) / scale``."""
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    @property
    def mean(self):
        """``loc + scale * euler_gamma``."""
        return self.loc + self.scale * _EULER_GAMMA

    @property
    def mode(self):
        """``loc``."""
        return self.loc

    @property
    def stddev(self):
        """``pi scale / sqrt 6``."""
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self):
        """``(pi scale)² / 6``."""
        return self.stddev.pow(2)

    def entropy(self):
        """``log(scale) + 1 + euler_gamma``."""
        return self.scale.log() + (1 + _EULER_GAMMA)


class Pareto(TransformedDistribution):
    """The Pareto (type I) distribution with ``scale`` (the minimum) and tail index ``alpha``.

    >>> import minidl as mdl
    >>> from minidl.distributions import Pareto
    >>> round(Pareto(1.0, 2.0).log_prob(mdl.tensor(2.0)).item(), 4), Pareto(2.0, 1.0).support
    (-1.3863, GreaterThanEq(lower_bound=2.0))
    """

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}

    def __init__(self, scale, alpha, validate_args=None):
        self.scale, self.alpha = broadcast_all(scale, alpha)
        base_dist = Exponential(self.alpha, validate_args=validate_args)
        super().__init__(base_dist, [ExpTransform(), AffineTransform(loc=0, scale=self.scale)],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self.__class__.__new__(self.__class__) if _instance is None else _instance
        new.scale = self.scale.expand(*tuple(batch_shape))
        new.alpha = self.alpha.expand(*tuple(batch_shape))
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        """``alpha scale / (alpha - 1)`` (inf for alpha <= 1)."""
        a = self.alpha.clamp(min=1)
        with np.errstate(divide="ignore"):     # alpha <= 1: inf, as PyTorch's
            return a * self.scale / (a - 1)

    @property
    def mode(self):
        """``scale``."""
        return self.scale

    @property
    def variance(self):
        """``scale² alpha / ((alpha - 1)² (alpha - 2))`` (inf for alpha <= 2)."""
        a = self.alpha.clamp(min=2)
        with np.errstate(divide="ignore"):     # alpha <= 2: inf, as PyTorch's
            return self.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2))

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        """``[scale, inf)``."""
        return constraints.greater_than_eq(self.scale)

    def entropy(self):
        """``log(scale / alpha) + 1 + 1 / alpha``."""
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())


class Weibull(TransformedDistribution):
    """The Weibull distribution with ``scale`` (lambda) and shape ``concentration`` (k): density
    ``(k / lambda) (x / lambda)**(k-1) exp(-(x / lambda)**k)`` on x > 0.

    >>> import minidl as mdl
    >>> from minidl.distributions import Weibull
    >>> round(Weibull(1.0, 2.0).log_prob(mdl.tensor(1.0)).item(), 4), round(Weibull(1.0, 2.0).variance.item(), 4)
    (-0.3069, 0.2146)
    """

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale, concentration, validate_args=None):
        self.scale, self.concentration = broadcast_all(scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        base_dist = Exponential(ones_like(self.scale), validate_args=validate_args)
        transforms = [PowerTransform(exponent=self.concentration_reciprocal), AffineTransform(loc=0, scale=self.scale)]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self.__class__.__new__(self.__class__) if _instance is None else _instance
        shape = tuple(batch_shape)
        new.scale = self.scale.expand(*shape)
        new.concentration = self.concentration.expand(*shape)
        new.concentration_reciprocal = new.concentration.reciprocal()
        transforms = [PowerTransform(exponent=new.concentration_reciprocal), AffineTransform(loc=0, scale=new.scale)]
        TransformedDistribution.__init__(new, self.base_dist.expand(shape), transforms, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        """``scale Gamma(1 + 1/k)``."""
        return self.scale * (1 + self.concentration_reciprocal).lgamma().exp()

    @property
    def mode(self):
        """``scale ((k - 1) / k)**(1/k)``."""
        return self.scale * ((self.concentration - 1) / self.concentration) ** self.concentration.reciprocal()

    @property
    def variance(self):
        """``scale² (Gamma(1 + 2/k) - Gamma(1 + 1/k)²)``."""
        return self.scale.pow(2) * ((1 + 2 * self.concentration_reciprocal).lgamma().exp()
                                    - (2 * (1 + self.concentration_reciprocal).lgamma()).exp())

    def entropy(self):
        """``euler_gamma (1 - 1/k) + log(scale / k) + 1``."""
        return (_EULER_GAMMA * (1 - self.concentration_reciprocal)
                + (self.scale * self.concentration_reciprocal).log() + 1)
