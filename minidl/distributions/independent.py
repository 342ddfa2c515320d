"""``minidl.distributions.Independent``: batch dimensions of a distribution reinterpreted as event dimensions."""
from __future__ import annotations

from ..size import Size
from . import constraints
from .distribution import _EMPTY_SHAPE, Distribution

__all__ = ["Independent"]


def _sum_rightmost(value, dims):
    """``value`` summed over its ``dims`` rightmost dimensions."""
    return value.reshape(*tuple(value.shape[:value.dim() - dims]), -1).sum(-1) if dims > 0 else value


class Independent(Distribution):
    """``base_distribution`` with its ``reinterpreted_batch_ndims`` rightmost batch dimensions made part of
    the event: ``log_prob`` and ``entropy`` sum over them (a diagonal Gaussian from a batch of Normals).

    >>> import minidl as mdl
    >>> from minidl.distributions import Independent, Normal
    >>> d = Independent(Normal(mdl.zeros(3, 2), mdl.ones(3, 2)), 1)
    >>> d.batch_shape, d.event_shape, d.log_prob(mdl.zeros(3, 2)).shape
    (minidl.Size([3]), minidl.Size([2]), minidl.Size([3]))
    """

    arg_constraints = {}

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        reinterpreted_batch_ndims = int(reinterpreted_batch_ndims)
        if reinterpreted_batch_ndims > len(base_distribution.batch_shape):
            raise ValueError(f"Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), actual "
                             f"{reinterpreted_batch_ndims} vs {len(base_distribution.batch_shape)}")
        shape = tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        event_dim = reinterpreted_batch_ndims + len(base_distribution.event_shape)
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        super().__init__(Size(shape[:len(shape) - event_dim]), Size(shape[len(shape) - event_dim:]),
                         validate_args=validate_args)

    @property
    def has_rsample(self):
        """Whether the base distribution has ``rsample``."""
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self):
        """Only without reinterpreted dimensions, as the base distribution's."""
        return self.reinterpreted_batch_ndims == 0 and self.base_dist.has_enumerate_support

    @property
    def support(self):
        """The base support, required on every element of the reinterpreted dimensions."""
        if self.reinterpreted_batch_ndims == 0:
            return self.base_dist.support
        return constraints.independent(self.base_dist.support, self.reinterpreted_batch_ndims)

    @property
    def mean(self):
        """The base distribution's mean."""
        return self.base_dist.mean

    @property
    def mode(self):
        """The base distribution's mode."""
        return self.base_dist.mode

    @property
    def variance(self):
        """The base distribution's variance."""
        return self.base_dist.variance

    def sample(self, sample_shape=_EMPTY_SHAPE):
        """The base distribution's samples."""
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """The base distribution's reparameterised samples."""
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value):
        """The base log-probabilities summed over the reinterpreted dimensions."""
        return _sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self):
        """The base entropies summed over the reinterpreted dimensions."""
        return _sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand=True):
        """The base support (only without reinterpreted dimensions)."""
        if self.reinterpreted_batch_ndims > 0:
            raise NotImplementedError("Enumeration over cartesian product is not implemented")
        return self.base_dist.enumerate_support(expand=expand)

    def expand(self, batch_shape, _instance=None):
        """The same distribution with its batch broadcast to ``batch_shape``."""
        batch_shape = tuple(Size(batch_shape))
        base_shape = batch_shape + tuple(self.event_shape[:self.reinterpreted_batch_ndims])
        return Independent(self.base_dist.expand(base_shape), self.reinterpreted_batch_ndims, validate_args=False)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
