"""``minidl.distributions.Normal`` and ``Uniform``: the two reparameterisable scalar distributions."""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import functions as _functions
from ..autograd import no_grad
from ..creation import rand, randn
from ..functions_math import erfinv
from ..size import Size
from ..special import erf
from . import constraints
from .distribution import _EMPTY_SHAPE, Distribution, broadcast_all
from .exp_family import ExponentialFamily

__all__ = ["Normal", "Uniform"]


class Normal(ExponentialFamily):
    """The normal distribution N(``loc``, ``scale``²), batched over the broadcast shape of its parameters.

    ``rsample`` is ``loc + scale * eps`` with ``eps ~ N(0, 1)``, so gradients
    flow to ``loc`` and ``scale``.

    >>> import minidl as mdl
    >>> from minidl.distributions import Normal
    >>> d = Normal(mdl.tensor([0.0, 1.0]), 2.0)
    >>> d.batch_shape, d.sample((3,)).shape, [round(v, 4) for v in d.log_prob(mdl.tensor([0.0, 1.0])).tolist()]
    (minidl.Size([2]), minidl.Size([3, 2]), [-1.6121, -1.6121])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        batch_shape = Size() if isinstance(loc, numbers.Number) and isinstance(scale, numbers.Number) \
            else self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def mean(self):
        """``loc``."""
        return self.loc

    @property
    def mode(self):
        """``loc``."""
        return self.loc

    @property
    def stddev(self):
        """``scale``."""
        return self.scale

    @property
    def variance(self):
        """``scale ** 2``."""
        return self.stddev.pow(2)

    def sample(self, sample_shape=_EMPTY_SHAPE):
        """Samples of shape ``sample_shape + batch_shape``, without gradient."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """``loc + scale * eps``, eps standard normal of shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        eps = randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        """``-(value - loc)² / (2 scale²) - log(scale) - log(sqrt(2 pi))``."""
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * var) - self.scale.log() - math.log(math.sqrt(2 * math.pi))

    def cdf(self, value):
        """``(1 + erf((value - loc) / (scale sqrt 2))) / 2``."""
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + erf((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)))

    def icdf(self, value):
        """``loc + scale * erfinv(2 value - 1) * sqrt 2``."""
        return self.loc + self.scale * erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        """``1/2 + log(2 pi)/2 + log(scale)``."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + _functions.log(self.scale)

    def _expand_params(self):
        return ["loc", "scale"]

    @property
    def _natural_params(self):
        return (self.loc / self.scale.pow(2), -0.5 * self.scale.pow(2).reciprocal())

    def _log_normalizer(self, x, y):
        return -0.25 * x.pow(2) / y + 0.5 * (-math.pi / y).log()


class Uniform(Distribution):
    """The uniform distribution on ``[low, high)``; ``rsample`` is ``low + u * (high - low)``, u ~ U[0, 1).

    >>> import minidl as mdl
    >>> from minidl.distributions import Uniform
    >>> d = Uniform(0.0, 2.0)
    >>> d.log_prob(mdl.tensor(0.5)).item(), d.entropy().item(), d.mean.item()
    (-0.6931471824645996, 0.6931471824645996, 1.0)
    """

    has_rsample = True

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        """``[low, high)``."""
        return constraints.interval(self.low, self.high)

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all(low, high)
        batch_shape = Size() if isinstance(low, numbers.Number) and isinstance(high, numbers.Number) \
            else self.low.size()
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def arg_constraints(self):
        """``low < high`` (checked on each side)."""
        return {"low": constraints.less_than(self.high), "high": constraints.greater_than(self.low)}

    @property
    def mean(self):
        """``(high + low) / 2``."""
        return (self.high + self.low) / 2

    @property
    def mode(self):
        """NaN: every point of the interval is a mode."""
        return self.high * float("nan")

    @property
    def stddev(self):
        """``(high - low) / sqrt(12)``."""
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self):
        """``(high - low)² / 12``."""
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """``low + u * (high - low)``, u uniform in [0, 1) of shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        u = rand(shape, dtype=self.low.dtype, device=self.low.device)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        """``-log(high - low)`` inside the interval, ``-inf`` outside."""
        if self._validate_args:
            self._validate_sample(value)
        lb = (self.low <= value).to(self.low.dtype)
        ub = (self.high > value).to(self.low.dtype)
        with np.errstate(divide="ignore"):  # log(0) = -inf outside the interval, on purpose
            return _functions.log(lb * ub) - _functions.log(self.high - self.low)

    def cdf(self, value):
        """``(value - low) / (high - low)``, clamped to [0, 1]."""
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value):
        """``low + value * (high - low)``."""
        return value * (self.high - self.low) + self.low

    def entropy(self):
        """``log(high - low)``."""
        return _functions.log(self.high - self.low)

    def _expand_params(self):
        return ["low", "high"]
