"""Distributions derived from the Gamma and Normal families, as torch.distributions has them:
``InverseGamma`` (1 / Gamma), ``FisherSnedecor`` (a ratio of scaled chi-squared draws) and
``LogisticNormal`` (a Normal vector pushed onto the simplex by stick breaking).

>>> import minidl as mdl
>>> from minidl.distributions import FisherSnedecor, InverseGamma, LogisticNormal
>>> round(InverseGamma(mdl.tensor([3.0]), mdl.tensor([2.0])).log_prob(mdl.tensor([1.0])).item(), 4)
-0.6137
>>> round(FisherSnedecor(mdl.tensor([4.0]), mdl.tensor([6.0])).mean.item(), 4)
1.5
>>> LogisticNormal(mdl.zeros(2), mdl.ones(2)).event_shape
minidl.Size([3])
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import functions as _functions
from ..size import Size
from ..type_info import finfo
from . import constraints
from ._transform_kinds import PowerTransform, StickBreakingTransform
from .distribution import _EMPTY_SHAPE, Distribution, broadcast_all
from .gamma import Gamma
from .normal import Normal
from .transformed import TransformedDistribution

__all__ = ["InverseGamma", "FisherSnedecor", "LogisticNormal"]


class InverseGamma(TransformedDistribution):
    """``1 / X`` for X ~ Gamma(``concentration``, ``rate``): density
    ``rate**a x**(-a-1) exp(-rate / x) / Gamma(a)`` on x > 0.

    >>> import minidl as mdl
    >>> from minidl.distributions import InverseGamma
    >>> InverseGamma(mdl.tensor([3.0, 0.5]), mdl.tensor([2.0, 1.0])).mean.tolist()
    [1.0, inf]
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        base_dist = Gamma(concentration, rate, validate_args=validate_args)
        neg_one = -base_dist.rate.new_ones(())
        super().__init__(base_dist, PowerTransform(neg_one), validate_args=validate_args)

    @property
    def concentration(self):
        """The shape a of the underlying Gamma."""
        return self.base_dist.concentration

    @property
    def rate(self):
        """The rate of the underlying Gamma (the scale of the inverse)."""
        return self.base_dist.rate

    @property
    def mean(self):
        """``rate / (a - 1)`` for a > 1, inf otherwise."""
        with np.errstate(divide="ignore"):
            result = self.rate / (self.concentration - 1)
        return _functions.where(self.concentration > 1, result, math.inf)

    @property
    def mode(self):
        """``rate / (a + 1)``."""
        return self.rate / (self.concentration + 1)

    @property
    def variance(self):
        """``rate² / ((a - 1)² (a - 2))`` for a > 2, inf otherwise."""
        with np.errstate(divide="ignore"):
            result = self.rate.square() / ((self.concentration - 1).square() * (self.concentration - 2))
        return _functions.where(self.concentration > 2, result, math.inf)

    def entropy(self):
        """``a + log(rate) + lgamma(a) - (1 + a) digamma(a)``."""
        a = self.concentration
        return a + self.rate.log() + a.lgamma() - (1 + a) * a.digamma()


class FisherSnedecor(Distribution):
    """Fisher's F distribution with ``df1`` and ``df2`` degrees of freedom: ``(X1 / df1) / (X2 / df2)`` for
    chi-squared X1, X2; ``rsample`` is differentiable through the Gamma draws.

    >>> import minidl as mdl
    >>> from minidl.distributions import FisherSnedecor
    >>> round(FisherSnedecor(mdl.tensor([4.0]), mdl.tensor([6.0])).log_prob(mdl.tensor([1.0])).item(), 4)
    -0.8802
    """

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1, df2, validate_args=None):
        self.df1, self.df2 = broadcast_all(df1, df2)
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2)
        scalar = isinstance(df1, numbers.Number) and isinstance(df2, numbers.Number)
        super().__init__(Size() if scalar else self.df1.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self._get_checked_instance(FisherSnedecor, _instance)
        batch_shape = Size(batch_shape)
        new.df1 = self.df1.expand(*tuple(batch_shape))
        new.df2 = self.df2.expand(*tuple(batch_shape))
        new._gamma1 = self._gamma1.expand(batch_shape)
        new._gamma2 = self._gamma2.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        """``df2 / (df2 - 2)`` (NaN for df2 <= 2)."""
        df2 = _functions.where(self.df2 <= 2, math.nan, self.df2)
        return df2 / (df2 - 2)

    @property
    def mode(self):
        """``(df1 - 2) / df1 * df2 / (df2 + 2)`` (NaN for df1 <= 2)."""
        mode = (self.df1 - 2) / self.df1 * self.df2 / (self.df2 + 2)
        return _functions.where(self.df1 <= 2, math.nan, mode)

    @property
    def variance(self):
        """``2 df2² (df1 + df2 - 2) / (df1 (df2 - 2)² (df2 - 4))`` (NaN for df2 <= 4)."""
        df2 = _functions.where(self.df2 <= 4, math.nan, self.df2)
        return 2 * df2.pow(2) * (self.df1 + df2 - 2) / (self.df1 * (df2 - 2).pow(2) * (df2 - 4))

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """``X1 / X2`` with X_i ~ Gamma(df_i / 2, df_i), of shape ``sample_shape + batch_shape``."""
        shape = tuple(self._extended_shape(sample_shape))
        x1 = self._gamma1.rsample(sample_shape).reshape(*shape)
        x2 = self._gamma2.rsample(sample_shape).reshape(*shape)
        tiny = finfo(x2.dtype).tiny
        return (x1 / x2.clamp(min=tiny)).clamp(min=tiny)

    def log_prob(self, value):
        """The F log-density."""
        if self._validate_args:
            self._validate_sample(value)
        ct1, ct2, ct3 = self.df1 * 0.5, self.df2 * 0.5, self.df1 / self.df2
        t1 = (ct1 + ct2).lgamma() - ct1.lgamma() - ct2.lgamma()
        t2 = ct1 * ct3.log() + (ct1 - 1) * value.log()
        t3 = (ct1 + ct2) * (ct3 * value).log1p()
        return t1 + t2 - t3


class LogisticNormal(TransformedDistribution):
    """``StickBreakingTransform`` of a Normal(``loc``, ``scale``) vector of size K - 1: a distribution on the
    K-simplex (a scalar Normal is treated as a vector of one)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        base_dist = Normal(loc, scale, validate_args=validate_args)
        if not base_dist.batch_shape:
            base_dist = base_dist.expand([1])
        super().__init__(base_dist, StickBreakingTransform(), validate_args=validate_args)

    @property
    def loc(self):
        """The Normal's mean (K - 1 entries)."""
        return self.base_dist.base_dist.loc

    @property
    def scale(self):
        """The Normal's standard deviation (K - 1 entries)."""
        return self.base_dist.base_dist.scale
