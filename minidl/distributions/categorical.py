"""``minidl.distributions.Categorical`` and ``Bernoulli``: the discrete distributions, by ``probs`` or ``logits``."""
from __future__ import annotations

import numbers

import numpy as np

from .. import functions as _functions
from ..autograd import no_grad
from ..creation import arange, full
from ..functions_random import bernoulli, multinomial
from ..functions_shape import broadcast_tensors
from ..nn.functional import binary_cross_entropy_with_logits
from ..size import Size
from ..tensor import Tensor
from ..type_info import finfo
from . import constraints
from .distribution import (
    _EMPTY_SHAPE,
    BinaryProbsLogits,
    Distribution,
    broadcast_all,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
)
from .exp_family import ExponentialFamily

__all__ = ["Categorical", "Bernoulli"]


def _one_of(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class Categorical(Distribution):
    """A distribution over ``0 .. K-1`` given by ``probs`` (normalised along the last dimension) or by
    unnormalised log-probabilities ``logits``; batch shape ``probs.shape[:-1]``, scalar events.

    >>> import minidl as mdl
    >>> from minidl.distributions import Categorical
    >>> d = Categorical(probs=mdl.tensor([0.2, 0.8]))
    >>> [round(v, 4) for v in d.log_prob(mdl.tensor([0, 1])).tolist()], round(d.entropy().item(), 4)
    ([-1.6094, -0.2231], 0.5004)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits)
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.size()[-1]
        batch_shape = self._param.size()[:-1] if self._param.dim() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        """``{0, ..., K-1}``."""
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        """Normalised log-probabilities (from ``probs`` when those were given)."""
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        """Probabilities (the softmax of ``logits`` when those were given)."""
        return logits_to_probs(self.logits)

    @property
    def param_shape(self):
        """The shape of ``probs``/``logits``."""
        return self._param.size()

    @property
    def mean(self):
        """NaN (a category has no mean), of the batch shape."""
        return _nan_like(self._extended_shape(), self.probs)

    @property
    def mode(self):
        """The most probable category."""
        return self.probs.argmax(dim=-1)

    @property
    def variance(self):
        """NaN, of the batch shape."""
        return _nan_like(self._extended_shape(), self.probs)

    def expand(self, batch_shape, _instance=None):
        """The same categorical distribution repeated over ``batch_shape``."""
        batch_shape = Size(batch_shape)
        param_shape = tuple(batch_shape) + (self._num_events,)
        if "probs" in self.__dict__:
            return Categorical(probs=self.probs.expand(*param_shape), validate_args=False)
        return Categorical(logits=self.logits.expand(*param_shape), validate_args=False)

    def sample(self, sample_shape=_EMPTY_SHAPE):
        """Category indices (int64) of shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        count = int(np.prod(tuple(sample_shape))) if len(tuple(sample_shape)) else 1
        with no_grad():
            probs_2d = self.probs.reshape(-1, self._num_events)
            draws = multinomial(probs_2d, count, True).T
        return draws.reshape(*tuple(shape))

    def log_prob(self, value):
        """``logits[value]`` (broadcast against the batch)."""
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = broadcast_tensors(value, self.logits)
        value = value[..., :1]
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self):
        """``-sum(probs * logits)`` over the categories (zero-probability terms count as 0)."""
        min_real = finfo(self.logits.dtype).min
        logits = self.logits.clamp(min=min_real)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        """``0 .. K-1`` along a new leftmost dimension, expanded over the batch unless ``expand=False``."""
        values = arange(self._num_events, dtype=np.int64, device=self._param.device)
        values = values.reshape(-1, *((1,) * len(self._batch_shape)))
        if expand:
            values = values.expand(-1, *tuple(self._batch_shape))
        return values

    def _expand_params(self):
        return ["probs", "logits"]


class Bernoulli(BinaryProbsLogits, ExponentialFamily):
    """A batch of coin flips: 1 with probability ``probs`` (or ``sigmoid(logits)``), else 0.

    >>> import minidl as mdl
    >>> from minidl.distributions import Bernoulli
    >>> d = Bernoulli(logits=mdl.tensor([0.5]))
    >>> round(d.probs.item(), 4), round(d.log_prob(mdl.tensor([1.0])).item(), 4), round(d.entropy().item(), 4)
    (0.6225, -0.4741, 0.6628)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _mean_carrier_measure = 0

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits)
        given = probs if probs is not None else logits
        is_scalar = isinstance(given, numbers.Number)
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
        else:
            (self.logits,) = broadcast_all(logits)
        self._param = self.probs if probs is not None else self.logits
        super().__init__(Size() if is_scalar else self._param.size(), validate_args=validate_args)

    @property
    def mean(self):
        """``probs``."""
        return self.probs

    @property
    def mode(self):
        """1 where ``probs > 0.5``, 0 where below, NaN at exactly 0.5."""
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return _functions.where(self.probs == 0.5, float("nan"), mode)

    @property
    def variance(self):
        """``probs * (1 - probs)``."""
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=_EMPTY_SHAPE):
        """0/1 draws (in ``probs``' dtype) of shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return bernoulli(self.probs.expand(*tuple(shape)))

    def log_prob(self, value):
        """``value * log(p) + (1 - value) * log(1 - p)``, computed from the logits without overflow."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        """``-(p log p + (1 - p) log(1 - p))``."""
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand=True):
        """``[0, 1]`` along a new leftmost dimension, expanded over the batch unless ``expand=False``."""
        values = Tensor(np.arange(2).astype(self._param.array.dtype))
        values = values.reshape(-1, *((1,) * len(self._batch_shape)))
        if expand:
            values = values.expand(-1, *tuple(self._batch_shape))
        return values

    def _expand_params(self):
        return ["probs", "logits"]

    @property
    def _natural_params(self):
        return (self.probs.log() - (-self.probs).log1p(),)

    def _log_normalizer(self, x):
        return x.exp().log1p()


def _nan_like(shape, like):
    return full(tuple(shape), float("nan"), dtype=like.dtype, device=like.device)
