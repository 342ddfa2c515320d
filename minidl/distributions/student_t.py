"""``minidl.distributions.StudentT``: Student's t-distribution, reparameterised through a Chi2 draw.

>>> import minidl as mdl
>>> from minidl.distributions import StudentT
>>> d = StudentT(mdl.tensor([3.0]), 1.0, 2.0)
>>> round(d.log_prob(mdl.tensor([0.0])).item(), 4), round(d.variance.item(), 4), round(d.entropy().item(), 4)
(-1.8541, 12.0, 2.4666)
"""
from __future__ import annotations

import math

from .. import functions as _functions
from ..creation import randn
from ..size import Size
from . import constraints
from .distribution import _EMPTY_SHAPE, Distribution, broadcast_all
from .gamma import Chi2

__all__ = ["StudentT"]


class StudentT(Distribution):
    """Student's t with ``df`` degrees of freedom, location ``loc`` and scale ``scale`` (broadcast).

    ``rsample`` is ``loc + scale * z / sqrt(v / df)`` with z standard normal
    and v ~ Chi2(df), so gradients reach all three parameters.

    >>> import minidl as mdl
    >>> from minidl.distributions import StudentT
    >>> StudentT(mdl.tensor([0.5, 1.5, 3.0])).mean.tolist()
    [nan, 0.0, 0.0]
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)   # validated on its own, as PyTorch's
        super().__init__(self.df.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self.__class__.__new__(self.__class__) if _instance is None else _instance
        batch_shape = Size(batch_shape)
        for name in ("df", "loc", "scale"):
            setattr(new, name, getattr(self, name).expand(*tuple(batch_shape)))
        new._chi2 = self._chi2.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        """``loc`` where ``df > 1``, NaN elsewhere."""
        return _functions.where(self.df <= 1, float("nan"), self.loc)

    @property
    def mode(self):
        """``loc``."""
        return self.loc

    @property
    def variance(self):
        """``scale² df / (df - 2)`` where ``df > 2``, inf where ``1 < df <= 2``, NaN where ``df <= 1``."""
        finite = self.scale.pow(2) * self.df / (self.df - 2)
        out = _functions.where(self.df > 2, finite, float("inf"))
        return _functions.where(self.df <= 1, float("nan"), out)

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """``loc + scale * z * rsqrt(v / df)``, z ~ N(0, 1), v ~ Chi2(df), of shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        z = randn(shape, dtype=self.df.dtype, device=self.df.device)
        v = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * (z * (v / self.df).rsqrt())

    def log_prob(self, value):
        """``-(df + 1)/2 log(1 + y²/df) - log(scale) - log(df pi)/2 - lgamma(df/2) + lgamma((df+1)/2)``."""
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        z = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi) + (0.5 * self.df).lgamma()
             - (0.5 * (self.df + 1.0)).lgamma())
        return -0.5 * (self.df + 1.0) * (y.pow(2.0) / self.df).log1p() - z

    def entropy(self):
        """``log(scale) + (df+1)/2 (digamma((df+1)/2) - digamma(df/2)) + log(df)/2 + log B(df/2, 1/2)``."""
        lbeta = (0.5 * self.df).lgamma() + math.lgamma(0.5) - (0.5 * (self.df + 1)).lgamma()
        return (self.scale.log() + 0.5 * (self.df + 1) * ((0.5 * (self.df + 1)).digamma()
                                                          - (0.5 * self.df).digamma())
                + 0.5 * self.df.log() + lbeta)
