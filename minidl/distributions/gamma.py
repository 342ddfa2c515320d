"""``minidl.distributions.Gamma`` and ``Chi2``: the Gamma family, with reparameterised (implicit) ``rsample``.

``rsample`` divides Gamma(concentration, 1) draws (Marsaglia-Tsang, see
:mod:`minidl.distributions._standard_gamma`) by ``rate``; gradients reach
``rate`` through the division and ``concentration`` through the implicit
derivative of the sample.

>>> import minidl as mdl
>>> from minidl.distributions import Gamma, Chi2
>>> d = Gamma(mdl.tensor([2.0]), mdl.tensor([3.0]))
>>> round(d.log_prob(mdl.tensor([0.5])).item(), 4), round(d.mean.item(), 4), round(d.cdf(mdl.tensor([0.5])).item(), 4)
(0.0041, 0.6667, 0.4422)
>>> Chi2(mdl.tensor([4.0])).variance.tolist()
[8.0]
"""
from __future__ import annotations

import numbers

from ..size import Size
from ..special import gammainc
from ..tensor import Tensor, as_tensor
from ..type_info import finfo
from . import constraints
from ._standard_gamma import standard_gamma
from .distribution import _EMPTY_SHAPE, broadcast_all
from .exp_family import ExponentialFamily

__all__ = ["Gamma", "Chi2"]


def _as_value(value, like):
    """``value`` as a Tensor of ``like``'s dtype (log_prob and cdf accept numbers, as PyTorch's)."""
    if isinstance(value, Tensor):
        return value
    return as_tensor(value, dtype=like.dtype, device=like.device)


class Gamma(ExponentialFamily):
    """The Gamma distribution with shape ``concentration`` (alpha) and ``rate`` (beta = 1 / scale):
    density ``rate**a x**(a-1) exp(-rate x) / Gamma(a)`` on x >= 0, batched over the broadcast shape.

    >>> import minidl as mdl
    >>> from minidl.distributions import Gamma
    >>> _ = mdl.manual_seed(0)
    >>> Gamma(mdl.tensor([1.0, 5.0]), 2.0).sample((3,)).shape
    minidl.Size([3, 2])
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        scalar = isinstance(concentration, numbers.Number) and isinstance(rate, numbers.Number)
        super().__init__(Size() if scalar else self.concentration.size(), validate_args=validate_args)

    @property
    def mean(self):
        """``concentration / rate``."""
        return self.concentration / self.rate

    @property
    def mode(self):
        """``(concentration - 1) / rate``, clamped at 0."""
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        """``concentration / rate²``."""
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """Gamma draws of shape ``sample_shape + batch_shape``, differentiable in both parameters."""
        shape = tuple(self._extended_shape(sample_shape))
        value = standard_gamma(self.concentration.expand(*shape)) / self.rate.expand(*shape)
        tiny = finfo(value.dtype).tiny
        value.array[...] = value.array.clip(min=tiny)    # as PyTorch: clamped outside the graph
        return value

    def log_prob(self, value):
        """``a log(rate) + (a - 1) log(value) - rate value - lgamma(a)``."""
        value = _as_value(value, self.rate)
        if self._validate_args:
            self._validate_sample(value)
        return (self.concentration.xlogy(self.rate) + (self.concentration - 1).xlogy(value)
                - self.rate * value - self.concentration.lgamma())

    def cdf(self, value):
        """``gammainc(concentration, rate * value)`` (differentiable in ``value`` and ``rate``)."""
        value = _as_value(value, self.rate)
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)

    def entropy(self):
        """``a - log(rate) + lgamma(a) + (1 - a) digamma(a)``."""
        a = self.concentration
        return a - self.rate.log() + a.lgamma() + (1.0 - a) * a.digamma()

    def _expand_params(self):
        return ["concentration", "rate"]

    @property
    def _natural_params(self):
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x, y):
        return (x + 1).lgamma() + (x + 1) * (-y.reciprocal()).log()


class Chi2(Gamma):
    """The chi-squared distribution with ``df`` degrees of freedom: ``Gamma(df / 2, 1 / 2)``.

    >>> import minidl as mdl
    >>> from minidl.distributions import Chi2
    >>> round(Chi2(mdl.tensor([3.0])).log_prob(mdl.tensor([1.0])).item(), 4)
    -1.4189
    """

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    @property
    def df(self):
        """The degrees of freedom, ``2 * concentration``."""
        return self.concentration * 2
