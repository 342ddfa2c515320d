"""``minidl.distributions.Dirichlet`` and ``Beta``: distributions on the simplex and on [0, 1].

Samples are normalised Gamma draws (``x_i = g_i / sum_j g_j``, ``g_i ~
Gamma(a_i, 1)``); ``rsample`` is differentiable in the concentrations through
PyTorch's approximation of the Beta marginals' implicit derivative
(:mod:`._dirichlet_grad`); Beta(a, b) is the first coordinate of
Dirichlet([a, b]), as PyTorch builds it.

>>> import minidl as mdl
>>> from minidl.distributions import Beta, Dirichlet
>>> round(Beta(2.0, 3.0).log_prob(mdl.tensor(0.25)).item(), 4), Beta(2.0, 3.0).mean.item()
(0.5232, 0.4000000059604645)
>>> [round(v, 4) for v in Dirichlet(mdl.tensor([1.0, 2.0, 3.0])).mean.tolist()]
[0.1667, 0.3333, 0.5]
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import functions as _functions
from ..dtypes import default_float
from ..nn.functional import one_hot
from ..ops.shape import stack
from ..size import Size
from ..tensor import Tensor, as_tensor
from . import constraints
from .distribution import _EMPTY_SHAPE, Distribution, broadcast_all
from .exp_family import ExponentialFamily

__all__ = ["Dirichlet", "Beta"]


class Dirichlet(ExponentialFamily):
    """The Dirichlet distribution with ``concentration`` (..., K) (all positive): batch shape
    ``concentration.shape[:-1]``, events on the (K-1)-simplex.

    >>> import minidl as mdl
    >>> from minidl.distributions import Dirichlet
    >>> _ = mdl.manual_seed(0)
    >>> x = Dirichlet(mdl.tensor([0.5, 0.5, 2.0])).sample((4,))
    >>> x.shape, bool(((x.sum(-1) - 1).abs() < 1e-5).all())
    (minidl.Size([4, 3]), True)
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if not isinstance(concentration, Tensor) or concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self.__class__.__new__(self.__class__) if _instance is None else _instance
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(*(tuple(batch_shape) + tuple(self.event_shape)))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """Normalised Gamma draws of shape ``sample_shape + batch_shape + (K,)``, differentiable."""
        from ._dirichlet_grad import DirichletSample
        shape = tuple(self._extended_shape(sample_shape))
        return DirichletSample.apply(self.concentration.expand(*shape))

    def log_prob(self, value):
        """``sum((a - 1) log x) + lgamma(sum a) - sum lgamma(a)``."""
        if self._validate_args:
            self._validate_sample(value)
        a = self.concentration
        return (a - 1.0).xlogy(value).sum(-1) + a.sum(-1).lgamma() - a.lgamma().sum(-1)

    @property
    def mean(self):
        """``concentration / concentration.sum(-1)``."""
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        """``(a - 1)+ / sum (a - 1)+``; where every ``a < 1``, the one-hot vector of the largest such term."""
        am1 = (self.concentration - 1).clamp(min=0.0)
        with np.errstate(invalid="ignore"):          # 0/0 where no concentration exceeds 1, NaN as PyTorch's
            mode = am1 / am1.sum(-1, True)
        all_below_one = (self.concentration < 1).all(dim=-1, keepdim=True)
        # where every a < 1 the ratio above is 0/0 (NaN); PyTorch takes the argmax of that row, the first index
        corner = one_hot(_functions.where(mode != mode, float("inf"), mode).argmax(dim=-1), am1.shape[-1])
        return _functions.where(all_below_one, corner.to(mode.dtype), mode)

    @property
    def variance(self):
        """``a (a0 - a) / (a0² (a0 + 1))``, a0 the sum of the concentrations."""
        a0 = self.concentration.sum(-1, True)
        return self.concentration * (a0 - self.concentration) / (a0.pow(2) * (a0 + 1))

    def entropy(self):
        """``sum lgamma(a) - lgamma(a0) - (K - a0) digamma(a0) - sum (a - 1) digamma(a)``."""
        k = self.concentration.shape[-1]
        a0 = self.concentration.sum(-1)
        return (self.concentration.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma()
                - ((self.concentration - 1.0) * self.concentration.digamma()).sum(-1))

    def _expand_params(self):
        return ["concentration"]

    @property
    def _natural_params(self):
        return (self.concentration,)

    def _log_normalizer(self, x):
        return x.lgamma().sum(-1) - x.sum(-1).lgamma()


class Beta(ExponentialFamily):
    """The Beta distribution with ``concentration1`` (alpha) and ``concentration0`` (beta) on [0, 1]:
    density ``x**(a-1) (1-x)**(b-1) / B(a, b)``.

    >>> import minidl as mdl
    >>> from minidl.distributions import Beta
    >>> d = Beta(mdl.tensor([2.0]), mdl.tensor([2.0]))
    >>> d.mode.tolist(), round(d.variance.item(), 4), round(d.entropy().item(), 4)
    ([0.5], 0.05, -0.1251)
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        if isinstance(concentration1, numbers.Number) and isinstance(concentration0, numbers.Number):
            both = as_tensor(np.asarray([float(concentration1), float(concentration0)],
                                        dtype=np.dtype(default_float())))
        else:
            concentration1, concentration0 = broadcast_all(concentration1, concentration0)
            both = stack([concentration1, concentration0], -1)
        self._dirichlet = Dirichlet(both, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self.__class__.__new__(self.__class__) if _instance is None else _instance
        batch_shape = Size(batch_shape)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def concentration1(self):
        """alpha, the exponent of ``x``."""
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self):
        """beta, the exponent of ``1 - x``."""
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self):
        """``a / (a + b)``."""
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        """The Dirichlet mode's first coordinate: ``(a - 1) / (a + b - 2)`` when both exceed 1."""
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        """``a b / ((a + b)² (a + b + 1))``."""
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """The first coordinate of Dirichlet([a, b]) draws, of shape ``sample_shape + batch_shape``."""
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value):
        """The Dirichlet log-density of ``[value, 1 - value]``."""
        if self._validate_args:
            self._validate_sample(value)
        return self._dirichlet.log_prob(stack([value, 1.0 - value], -1))

    def entropy(self):
        """The Dirichlet entropy of ``[a, b]``."""
        return self._dirichlet.entropy()

    @property
    def _natural_params(self):
        return (self.concentration1, self.concentration0)

    def _log_normalizer(self, x, y):
        return x.lgamma() + y.lgamma() - (x + y).lgamma()
