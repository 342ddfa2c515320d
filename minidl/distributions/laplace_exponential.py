"""``minidl.distributions.Laplace`` and ``Exponential``: two more reparameterisable scalar distributions."""
from __future__ import annotations

import math
import numbers

from ..creation import empty, rand
from ..size import Size
from ..type_info import finfo
from . import constraints
from .distribution import _EMPTY_SHAPE, Distribution, broadcast_all
from .exp_family import ExponentialFamily

__all__ = ["Laplace", "Exponential"]


class Laplace(Distribution):
    """The Laplace distribution with ``loc`` and ``scale``: density ``exp(-|x - loc| / scale) / (2 scale)``.

    >>> import minidl as mdl
    >>> from minidl.distributions import Laplace
    >>> round(Laplace(0.0, 1.0).log_prob(mdl.tensor(1.0)).item(), 4), Laplace(0.0, 2.0).variance.item()
    (-1.6931, 8.0)
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
        """``loc``."""
        return self.loc

    @property
    def mode(self):
        """``loc``."""
        return self.loc

    @property
    def variance(self):
        """``2 scale²``."""
        return 2 * self.scale.pow(2)

    @property
    def stddev(self):
        """``sqrt(2) scale``."""
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """``loc - scale * sign(u) * log(1 - |u|)``, u uniform in (-1, 1)."""
        shape = self._extended_shape(sample_shape)
        eps = finfo(self.loc.dtype).eps
        u = rand(shape, dtype=self.loc.dtype, device=self.loc.device) * (2 - eps) - (1 - eps)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value):
        """``-log(2 scale) - |value - loc| / scale``."""
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value):
        """``1/2 - sign(value - loc) (exp(-|value - loc| / scale) - 1) / 2``."""
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * ((-(value - self.loc).abs() / self.scale).exp() - 1)

    def icdf(self, value):
        """``loc - scale * sign(p - 1/2) * log(1 - 2 |p - 1/2|)``."""
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self):
        """``1 + log(2 scale)``."""
        return 1 + (2 * self.scale).log()

    def _expand_params(self):
        return ["loc", "scale"]


class Exponential(ExponentialFamily):
    """The exponential distribution with ``rate``: density ``rate * exp(-rate x)`` on x >= 0.

    >>> import minidl as mdl
    >>> from minidl.distributions import Exponential
    >>> d = Exponential(2.0)
    >>> round(d.log_prob(mdl.tensor(1.0)).item(), 4), d.mean.item(), round(d.entropy().item(), 4)
    (-1.3069, 0.5, 0.3069)
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(Size() if isinstance(rate, numbers.Number) else self.rate.size(),
                         validate_args=validate_args)

    @property
    def mean(self):
        """``1 / rate``."""
        return self.rate.reciprocal()

    @property
    def mode(self):
        """0."""
        return self.rate * 0

    @property
    def stddev(self):
        """``1 / rate``."""
        return self.rate.reciprocal()

    @property
    def variance(self):
        """``1 / rate²``."""
        return self.rate.pow(-2)

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """Standard exponential draws (``Tensor.exponential_``, PyTorch's stream) divided by ``rate``."""
        from ..autograd import no_grad
        shape = self._extended_shape(sample_shape)
        with no_grad():
            e = empty(shape, dtype=self.rate.dtype, device=self.rate.device).exponential_()
        return e / self.rate

    def log_prob(self, value):
        """``log(rate) - rate * value``."""
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        """``1 - exp(-rate * value)``."""
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value):
        """``-log(1 - p) / rate``."""
        return -(-value).log1p() / self.rate

    def entropy(self):
        """``1 - log(rate)``."""
        return 1.0 - self.rate.log()

    def _expand_params(self):
        return ["rate"]

    @property
    def _natural_params(self):
        return (-self.rate,)

    def _log_normalizer(self, x):
        return -(-x).log()
