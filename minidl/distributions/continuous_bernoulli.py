"""``minidl.distributions.ContinuousBernoulli`` and ``Kumaraswamy``: two distributions on [0, 1].

The continuous Bernoulli (Loaiza-Ganem and Cunningham, 2019) has density
``C(p) p**x (1-p)**(1-x)``; near ``p = 1/2`` its normaliser, mean and
variance switch to Taylor expansions inside ``lims``, as PyTorch's. The
Kumaraswamy distribution is ``(1 - U**(1/b))**(1/a)`` for U uniform.

>>> import minidl as mdl
>>> from minidl.distributions import ContinuousBernoulli, Kumaraswamy
>>> round(ContinuousBernoulli(mdl.tensor([0.2])).log_prob(mdl.tensor([0.3])).item(), 4)
0.1984
>>> round(Kumaraswamy(mdl.tensor([2.0]), mdl.tensor([3.0])).mean.item(), 4)
0.4571
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import functions as _functions
from ..creation import full_like, ones_like, rand, zeros_like
from ..nn.functional import binary_cross_entropy_with_logits
from ..size import Size
from . import constraints
from ._transform_kinds import AffineTransform, PowerTransform
from .distribution import (
    _EMPTY_SHAPE,
    BinaryProbsLogits,
    Distribution,
    broadcast_all,
    clamp_probs,
    lazy_property,
    logits_to_probs,
)
from .exp_family import ExponentialFamily
from .normal import Uniform
from .transformed import TransformedDistribution

__all__ = ["ContinuousBernoulli", "Kumaraswamy"]

_EULER_GAMMA = 0.57721566490153286060


class ContinuousBernoulli(BinaryProbsLogits, ExponentialFamily):
    """The continuous Bernoulli on [0, 1] by ``probs`` or ``logits``; ``lims`` is the interval around 1/2
    where Taylor expansions replace the closed forms.

    >>> import minidl as mdl
    >>> from minidl.distributions import ContinuousBernoulli
    >>> d = ContinuousBernoulli(logits=mdl.tensor([1.0]))
    >>> round(d.mean.item(), 4), round(d.entropy().item(), 4), round(d.cdf(mdl.tensor([0.5])).item(), 4)
    (0.582, -0.0407, 0.3775)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            is_scalar = isinstance(probs, numbers.Number)
            (self.probs,) = broadcast_all(probs)
            if validate_args is not None and not bool(self.arg_constraints["probs"].check(self.probs).all()):
                raise ValueError("The parameter probs has invalid values")
            self.probs = clamp_probs(self.probs)
        else:
            is_scalar = isinstance(logits, numbers.Number)
            (self.logits,) = broadcast_all(logits)
        self._param = self.probs if probs is not None else self.logits
        self._lims = lims
        super().__init__(Size() if is_scalar else self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self.__class__.__new__(self.__class__) if _instance is None else _instance
        new._lims = self._lims
        batch_shape = Size(batch_shape)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                new.__dict__[name] = self.__dict__[name].expand(*tuple(batch_shape))
                new._param = new.__dict__[name]
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _outside_unstable_region(self):
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self):
        return _functions.where(self._outside_unstable_region(), self.probs, self._lims[0] * ones_like(self.probs))

    def _cont_bern_log_norm(self):
        """``log C(p)``, the log normaliser (a Taylor series near p = 1/2)."""
        cut = self._cut_probs()
        below_half = _functions.where(cut <= 0.5, cut, zeros_like(cut))
        above_half = _functions.where(cut >= 0.5, cut, ones_like(cut))
        with np.errstate(divide="ignore", invalid="ignore"):     # the branch not taken may be log(0)
            log_norm = ((-cut).log1p() - cut.log()).abs().log() - _functions.where(
                cut <= 0.5, (-2.0 * below_half).log1p(), (2.0 * above_half - 1.0).log())
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return _functions.where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self):
        """``p / (2p - 1) + 1 / (log(1 - p) - log p)`` (a Taylor series near p = 1/2)."""
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / ((-cut).log1p() - cut.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return _functions.where(self._outside_unstable_region(), mus, taylor)

    @property
    def stddev(self):
        """``sqrt(variance)``."""
        return self.variance.sqrt()

    @property
    def variance(self):
        """``p (p - 1) / (1 - 2p)² + 1 / (log(1 - p) - log p)²`` (a Taylor series near p = 1/2)."""
        cut = self._cut_probs()
        variances = cut * (cut - 1.0) / (1.0 - 2.0 * cut).pow(2) + 1.0 / ((-cut).log1p() - cut.log()).pow(2)
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return _functions.where(self._outside_unstable_region(), variances, taylor)

    @lazy_property
    def probs(self):
        """``sigmoid(logits)``, clamped away from 0 and 1 (``logits`` and ``param_shape``: the mixin's)."""
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    def sample(self, sample_shape=_EMPTY_SHAPE):
        """``icdf(u)`` for u uniform, without gradient."""
        u = rand(self._extended_shape(sample_shape), dtype=self.probs.dtype, device=self.probs.device)
        return self.icdf(u).detach()

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """``icdf(u)`` for u uniform (differentiable in the parameters)."""
        u = rand(self._extended_shape(sample_shape), dtype=self.probs.dtype, device=self.probs.device)
        return self.icdf(u)

    def log_prob(self, value):
        """``value log p + (1 - value) log(1 - p) + log C(p)``."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none") + self._cont_bern_log_norm()

    def cdf(self, value):
        """``(p**x (1-p)**(1-x) + p - 1) / (2p - 1)`` on [0, 1] (``value`` itself near p = 1/2)."""
        if self._validate_args:
            self._validate_sample(value)
        cut = self._cut_probs()
        cdfs = (cut.pow(value) * (1.0 - cut).pow(1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = _functions.where(self._outside_unstable_region(), cdfs, value)
        return _functions.where(value <= 0.0, zeros_like(value),
                                _functions.where(value >= 1.0, ones_like(value), unbounded))

    def icdf(self, value):
        """``log1p(-p + value (2p - 1)) - log1p(-p)) / (log p - log1p(-p))`` (``value`` near p = 1/2)."""
        cut = self._cut_probs()
        inverse = ((-cut + value * (2.0 * cut - 1.0)).log1p() - (-cut).log1p()) / (cut.log() - (-cut).log1p())
        return _functions.where(self._outside_unstable_region(), inverse, value)

    def entropy(self):
        """``mean (log(1 - p) - log p) - log C(p) - log(1 - p)``."""
        log_probs0, log_probs1 = (-self.probs).log1p(), self.probs.log()
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0

    @property
    def _natural_params(self):
        return (self.logits,)

    def _log_normalizer(self, x):
        """``log((exp(x) - 1) / x)`` (a Taylor series where x is near 0)."""
        outside = (x <= self._lims[0] - 0.5) | (x > self._lims[1] - 0.5)
        cut = _functions.where(outside, x, (self._lims[0] - 0.5) * ones_like(x))
        log_norm = cut.expm1().abs().log() - cut.abs().log()
        taylor = 0.5 * x + x.pow(2) / 24.0 - x.pow(4) / 2880.0
        return _functions.where(outside, log_norm, taylor)


def _kumaraswamy_moment(a, b, n):
    """The n-th moment ``b B(1 + n/a, b)``."""
    arg1 = 1 + n / a
    return b * (arg1.lgamma() + b.lgamma() - (arg1 + b).lgamma()).exp()


class Kumaraswamy(TransformedDistribution):
    """The Kumaraswamy distribution on [0, 1] with ``concentration1`` (a) and ``concentration0`` (b):
    density ``a b x**(a-1) (1 - x**a)**(b-1)``; ``rsample`` is ``(1 - U**(1/b))**(1/a)``.

    >>> import minidl as mdl
    >>> from minidl.distributions import Kumaraswamy
    >>> round(Kumaraswamy(2.0, 3.0).log_prob(mdl.tensor(0.5)).item(), 4)
    0.5232
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        base_dist = Uniform(full_like(self.concentration0, 0), full_like(self.concentration0, 1),
                            validate_args=validate_args)
        transforms = [PowerTransform(exponent=self.concentration0.reciprocal()), AffineTransform(loc=1.0, scale=-1.0),
                      PowerTransform(exponent=self.concentration1.reciprocal())]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self.__class__.__new__(self.__class__) if _instance is None else _instance
        new.concentration1 = self.concentration1.expand(*tuple(batch_shape))
        new.concentration0 = self.concentration0.expand(*tuple(batch_shape))
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        """``b B(1 + 1/a, b)``."""
        return _kumaraswamy_moment(self.concentration1, self.concentration0, 1)

    @property
    def mode(self):
        """PyTorch's formula ``exp(log1p(-b) / b - log1p(-a b))``, NaN where a < 1 or b < 1."""
        with np.errstate(invalid="ignore"):
            log_mode = (self.concentration0.reciprocal() * (-self.concentration0).log1p()
                        - (-self.concentration0 * self.concentration1).log1p())
        nan_where = (self.concentration0 < 1) | (self.concentration1 < 1)
        return _functions.where(nan_where, math.nan, log_mode).exp()

    @property
    def variance(self):
        """``b B(1 + 2/a, b) - mean²``."""
        return _kumaraswamy_moment(self.concentration1, self.concentration0, 2) - self.mean.pow(2)

    def entropy(self):
        """``(1 - 1/b) + (1 - 1/a) (digamma(b + 1) + euler_gamma) - log a - log b``."""
        t1 = 1 - self.concentration1.reciprocal()
        t0 = 1 - self.concentration0.reciprocal()
        h0 = (self.concentration0 + 1).digamma() + _EULER_GAMMA
        return t0 + t1 * h0 - self.concentration1.log() - self.concentration0.log()
