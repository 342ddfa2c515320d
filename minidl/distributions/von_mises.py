"""``minidl.distributions.VonMises``: the circular normal distribution on [-pi, pi).

Sampling is Best and Fisher's (1979) rejection method in float64 on
minidl's seeded generator (no ``rsample``, as PyTorch's); ``log_prob`` is
differentiable in both parameters through ``minidl.special.i0e``.

>>> import minidl as mdl
>>> from minidl.distributions import VonMises
>>> d = VonMises(mdl.tensor([0.0]), mdl.tensor([2.0]))
>>> round(d.log_prob(mdl.tensor([0.5])).item(), 4), round(d.variance.item(), 4)
(-0.9067, 0.3022)
"""
from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..dtypes import float64
from ..special import i0e, i1e
from ..tensor import Tensor
from . import constraints
from .distribution import _EMPTY_SHAPE, Distribution, broadcast_all, lazy_property

__all__ = ["VonMises"]


def _log_i0(x):
    """``log I0(x)`` for x >= 0, from the scaled function (no overflow)."""
    return i0e(x).log() + x


def _rejection_sample(loc, concentration, proposal_r):
    """Best-Fisher draws (float64 arrays of one shape) wrapped to [-pi, pi), as PyTorch's loop: uniforms from
    the global generator (``rand`` in float64), and every round's accepted proposals replace earlier ones."""
    from ..creation import rand
    x = np.zeros(loc.shape)
    pending = np.ones(loc.shape, dtype=bool)
    while pending.any():
        u1, u2, u3 = backend.to_numpy(rand((3,) + loc.shape, dtype=float64).array)
        z = np.cos(math.pi * u1)
        f = (1 + proposal_r * z) / (proposal_r + z)
        c = concentration * (proposal_r - f)
        with np.errstate(divide="ignore", invalid="ignore"):
            accept = ((c * (2 - c) - u2) > 0) | (np.log(c / u2) + 1 - c >= 0)
        x = np.where(accept, np.sign(u3 - 0.5) * np.arccos(np.clip(f, -1.0, 1.0)), x)
        pending &= ~accept
    return (x + math.pi + loc) % (2 * math.pi) - math.pi


class VonMises(Distribution):
    """The von Mises distribution with ``loc`` (the mean direction) and ``concentration`` (kappa > 0):
    density ``exp(kappa cos(x - loc)) / (2 pi I0(kappa))``.

    >>> import minidl as mdl
    >>> from minidl.distributions import VonMises
    >>> _ = mdl.manual_seed(0)
    >>> VonMises(mdl.zeros(2), mdl.tensor([1.0, 50.0])).sample((3,)).shape
    minidl.Size([3, 2])
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def log_prob(self, value):
        """``kappa cos(value - loc) - log(2 pi) - log I0(kappa)``."""
        if self._validate_args:
            self._validate_sample(value)
        return self.concentration * (value - self.loc).cos() - math.log(2 * math.pi) - _log_i0(self.concentration)

    @lazy_property
    def _proposal_r(self):
        kappa = backend.to_numpy(self.concentration.array).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            tau = 1 + np.sqrt(1 + 4 * kappa ** 2)
            rho = (tau - np.sqrt(2 * tau)) / (2 * kappa)
            proposal = (1 + rho ** 2) / (2 * rho)
            return np.where(kappa < 1e-5, 1 / kappa + kappa, proposal)

    def sample(self, sample_shape=_EMPTY_SHAPE):
        """Angles in [-pi, pi) of shape ``sample_shape + batch_shape`` (rejection sampling, no gradient)."""
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            loc = np.broadcast_to(backend.to_numpy(self.loc.array).astype(np.float64), shape)
            kappa = np.broadcast_to(backend.to_numpy(self.concentration.array).astype(np.float64), shape)
            proposal = np.broadcast_to(self._proposal_r, shape)
            out = _rejection_sample(loc, kappa, proposal).astype(self.loc.array.dtype)
        return Tensor(backend.to_device(out, self.loc.device) if self.loc.device.type != "cpu" else out)

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        shape = tuple(batch_shape)
        return type(self)(self.loc.expand(*shape), self.concentration.expand(*shape),
                          validate_args=self.__dict__.get("_validate_args"))

    @property
    def mean(self):
        """``loc`` (the circular mean)."""
        return self.loc

    @property
    def mode(self):
        """``loc``."""
        return self.loc

    @lazy_property
    def variance(self):
        """The circular variance ``1 - I1(kappa) / I0(kappa)``."""
        return 1 - i1e(self.concentration) / i0e(self.concentration)
