"""``minidl.distributions.Cauchy`` and ``HalfCauchy``: the heavy-tailed location-scale family and its fold.

>>> import minidl as mdl
>>> from minidl.distributions import Cauchy, HalfCauchy
>>> round(Cauchy(0.0, 2.0).log_prob(mdl.tensor(1.0)).item(), 4), Cauchy(0.0, 1.0).cdf(mdl.tensor(1.0)).item()
(-2.061, 0.75)
>>> round(HalfCauchy(1.0).log_prob(mdl.tensor(1.0)).item(), 4)
-1.1447
"""
from __future__ import annotations

import math
import numbers

from .. import functions as _functions
from ..creation import empty, full, zeros_like
from ..size import Size
from ..tensor import Tensor, as_tensor
from . import constraints
from ._transform_kinds import AbsTransform
from .distribution import _EMPTY_SHAPE, Distribution, broadcast_all
from .transformed import TransformedDistribution

__all__ = ["Cauchy", "HalfCauchy"]


class Cauchy(Distribution):
    """The Cauchy (Lorentz) distribution with ``loc`` and ``scale``: density
    ``1 / (pi scale (1 + ((x - loc) / scale)²))``; no mean (NaN), infinite variance.

    >>> import minidl as mdl
    >>> from minidl.distributions import Cauchy
    >>> _ = mdl.manual_seed(0)
    >>> Cauchy(mdl.zeros(2), 1.0).rsample((3,)).shape
    minidl.Size([3, 2])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        scalar = isinstance(loc, numbers.Number) and isinstance(scale, numbers.Number)
        super().__init__(Size() if scalar else self.loc.size(), validate_args=validate_args)

    @property
    def mean(self):
        """NaN (undefined), of the batch shape."""
        return full(tuple(self._extended_shape()), math.nan, dtype=self.loc.dtype, device=self.loc.device)

    @property
    def mode(self):
        """``loc``."""
        return self.loc

    @property
    def variance(self):
        """inf, of the batch shape."""
        return full(tuple(self._extended_shape()), math.inf, dtype=self.loc.dtype, device=self.loc.device)

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """``loc + scale * e``, e standard Cauchy draws (``Tensor.cauchy_``, PyTorch's stream)."""
        from ..autograd import no_grad
        shape = self._extended_shape(sample_shape)
        with no_grad():
            e = empty(shape, dtype=self.loc.dtype, device=self.loc.device).cauchy_()
        return self.loc + e * self.scale

    def log_prob(self, value):
        """``-log(pi) - log(scale) - log1p(((value - loc) / scale)²)``."""
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - (((value - self.loc) / self.scale) ** 2).log1p()

    def cdf(self, value):
        """``atan((value - loc) / scale) / pi + 1/2``."""
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value):
        """``loc + scale * tan(pi (value - 1/2))``."""
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self):
        """``log(4 pi scale)``."""
        return math.log(4 * math.pi) + self.scale.log()

    def _expand_params(self):
        return ["loc", "scale"]


class HalfCauchy(TransformedDistribution):
    """``|X|`` for X ~ Cauchy(0, ``scale``), on [0, inf).

    >>> import minidl as mdl
    >>> from minidl.distributions import HalfCauchy
    >>> HalfCauchy(mdl.tensor([1.0])).mean.tolist(), HalfCauchy(1.0).cdf(mdl.tensor(1.0)).item()
    ([inf], 0.5)
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None):
        super().__init__(Cauchy(0, scale, validate_args=False), AbsTransform(), validate_args=validate_args)

    @property
    def scale(self):
        """The scale of the folded Cauchy."""
        return self.base_dist.scale

    @property
    def mean(self):
        """inf, of the batch shape."""
        return full(tuple(self._extended_shape()), math.inf, dtype=self.scale.dtype, device=self.scale.device)

    @property
    def mode(self):
        """0."""
        return zeros_like(self.scale)

    @property
    def variance(self):
        """inf (the Cauchy's)."""
        return self.base_dist.variance

    def log_prob(self, value):
        """``log 2 + `` the Cauchy log-density on [0, inf), ``-inf`` below 0."""
        if self._validate_args:
            self._validate_sample(value)
        if not isinstance(value, Tensor):
            value = as_tensor(value, dtype=self.scale.dtype, device=self.scale.device)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return _functions.where(value >= 0, log_prob, -math.inf)

    def cdf(self, value):
        """``2 F(value) - 1`` with F the Cauchy CDF."""
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        """The Cauchy quantile at ``(prob + 1) / 2``."""
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        """The Cauchy entropy minus ``log 2``."""
        return self.base_dist.entropy() - math.log(2)
