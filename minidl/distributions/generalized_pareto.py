"""``minidl.distributions.GeneralizedPareto``: the generalised Pareto distribution (tails of other
distributions), as ``torch.distributions.generalized_pareto``.
"""
from __future__ import annotations

import math
import numbers

from .. import functions as _f
from ..creation import full_like, ones_like, rand, zeros_like
from ..size import Size
from . import constraints
from .distribution import _EMPTY_SHAPE, Distribution, broadcast_all

__all__ = ["GeneralizedPareto"]


def _is_zero(concentration):
    """Where ``concentration`` is (numerically) 0, where the family becomes the exponential one."""
    return _f.isclose(concentration, zeros_like(concentration))


class GeneralizedPareto(Distribution):
    """The generalised Pareto distribution with ``loc``, ``scale`` > 0 and ``concentration`` (xi):
    survival ``(1 + xi z) ** (-1 / xi)`` with ``z = (x - loc) / scale`` (``exp(-z)`` at xi = 0); support
    ``[loc, inf)`` for xi >= 0 and ``[loc, loc - scale / xi]`` for xi < 0.

    >>> import minidl as mdl
    >>> from minidl.distributions import GeneralizedPareto
    >>> d = GeneralizedPareto(0.0, 2.0, 0.25)
    >>> round(d.log_prob(mdl.tensor(1.0)).item(), 4), round(d.mean.item(), 4)
    (-1.2821, 2.6667)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        scalar = all(isinstance(v, numbers.Number) for v in (loc, scale, concentration))
        super().__init__(Size() if scalar else self.loc.size(), validate_args=validate_args)

    def _expand_params(self):
        return ["loc", "scale", "concentration"]

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """``icdf(u)`` for u uniform in [0, 1): differentiable in all three parameters."""
        shape = self._extended_shape(sample_shape)
        return self.icdf(rand(shape, dtype=self.loc.dtype, device=self.loc.device))

    def _z(self, value):
        return (value - self.loc) / self.scale

    def _safe_concentration(self):
        zero = _is_zero(self.concentration)
        return zero, _f.where(zero, ones_like(self.concentration), self.concentration)

    def log_prob(self, value):
        """``-log(scale) - (1 + 1/xi) log1p(xi z)`` (``-log(scale) - z`` at xi = 0)."""
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        zero, safe = self._safe_concentration()
        y = 1 / safe + ones_like(z)
        nonzero = _f.where(y == 0, y, y * (safe * z).log1p())
        return -self.scale.log() - _f.where(zero, z, nonzero)

    def log_survival_function(self, value):
        """``log P(X > value)``: ``-log1p(xi z) / xi`` (``-z`` at xi = 0)."""
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        zero, safe = self._safe_concentration()
        return _f.where(zero, -z, -(safe * z).log1p() / safe)

    def log_cdf(self, value):
        """``log P(X <= value)``."""
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value):
        """``P(X <= value)``."""
        return self.log_cdf(value).exp()

    def icdf(self, value):
        """``loc + scale / xi * expm1(-xi log1p(-value))`` (``loc - scale log1p(-value)`` at xi = 0)."""
        zero, safe = self._safe_concentration()
        logu = (-value).log1p()
        return _f.where(zero, self.loc - self.scale * logu, self.loc + self.scale / safe * (-safe * logu).expm1())

    @property
    def mean(self):
        """``loc + scale / (1 - xi)`` for xi < 1, else nan."""
        valid = self.concentration < 1
        safe = _f.where(valid, self.concentration, full_like(self.concentration, 0.5))
        return _f.where(valid, self.loc + self.scale / (1 - safe), full_like(self.loc, math.nan))

    @property
    def variance(self):
        """``scale² / ((1 - xi)² (1 - 2 xi))`` for xi < 1/2, else nan."""
        valid = self.concentration < 0.5
        safe = _f.where(valid, self.concentration, full_like(self.concentration, 0.25))
        result = self.scale ** 2 / ((1 - safe) ** 2 * (1 - 2 * safe))
        return _f.where(valid, result, full_like(result, math.nan))

    @property
    def mode(self):
        """``loc``."""
        return self.loc

    def entropy(self):
        """``log(scale) + xi + 1``."""
        return (self.scale.log() + self.concentration + 1).broadcast_to(self._batch_shape)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        """``[loc, loc - scale / xi]`` for xi < 0, else ``[loc, inf)``."""
        negative = self.concentration < 0
        safe = _f.where(negative, self.concentration, -ones_like(self.concentration))
        upper = _f.where(negative, self.loc - self.scale / safe, full_like(self.loc, math.inf))
        return constraints.interval(self.loc, upper)
