"""``minidl.distributions.Distribution``: the base class, and the helpers the distributions share.

Shapes as PyTorch: a distribution holds a batch of independent
distributions (``batch_shape``), each over events of ``event_shape``;
``sample(sample_shape)`` returns ``sample_shape + batch_shape +
event_shape`` and ``log_prob(value)`` one number per batch element.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from .. import functions as _functions
from ..autograd import no_grad
from ..dtypes import default_float
from ..functions_shape import broadcast_tensors
from ..size import Size
from ..tensor import Tensor, as_tensor
from ..type_info import finfo
from . import constraints

_EMPTY_SHAPE = Size()  # the default sample/batch/event shape

__all__ = ["Distribution", "broadcast_all", "probs_to_logits", "logits_to_probs", "clamp_probs", "lazy_property"]


class lazy_property:
    """A property computed on first access and then stored on the instance (as PyTorch's)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.wrapped(instance)
        instance.__dict__[self.wrapped.__name__] = value
        return value


def broadcast_all(*values):
    """Tensors and numbers as Tensors of one broadcast shape (numbers take the first tensor's dtype, or the
    default dtype when all are numbers)."""
    tensors = [v for v in values if isinstance(v, Tensor)]
    for v in values:
        if not isinstance(v, (Tensor, numbers.Number)):
            raise ValueError("Input arguments must all be instances of numbers.Number, minidl.Tensor or objects "
                             "implementing __torch_function__.")
    dtype = tensors[0].dtype if tensors else default_float()
    device = tensors[0].device if tensors else None
    converted = [v if isinstance(v, Tensor) else as_tensor(np.asarray(v, dtype=np.dtype(dtype)), device=device)
                 for v in values]
    return tuple(broadcast_tensors(*converted))


def clamp_probs(probs):
    """``probs`` clamped to ``[eps, 1 - eps]`` (eps of its dtype), so their logarithms stay finite."""
    eps = finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """Log-probabilities from probabilities (log-odds when ``is_binary``)."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return _functions.log(ps_clamped) - (-ps_clamped).log1p()
    return _functions.log(ps_clamped)


def logits_to_probs(logits, is_binary=False):
    """Probabilities from log-probabilities (sigmoid of log-odds when ``is_binary``, else softmax)."""
    if is_binary:
        return _functions.sigmoid(logits)
    return _functions.softmax(logits, dim=-1)


class Distribution:
    """Base class of the distributions (``torch.distributions.Distribution``).

    Subclasses set ``arg_constraints``, ``support``, ``has_rsample`` and
    implement ``sample``/``rsample``, ``log_prob``, ``entropy``, ``mean``,
    ``variance`` where they exist. ``validate_args`` (default: on, as
    PyTorch; :meth:`set_default_validate_args` changes it) checks the
    parameters against ``arg_constraints`` and ``log_prob``'s values against
    ``support``, raising a ``ValueError`` that names the parameter.
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = True
    arg_constraints = {}
    support = None

    @staticmethod
    def set_default_validate_args(value):
        """Switch argument validation on or off for distributions made afterwards."""
        if value not in (True, False):
            raise ValueError
        Distribution._validate_args = value

    def __init__(self, batch_shape=_EMPTY_SHAPE, event_shape=_EMPTY_SHAPE, validate_args=None):
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            for param, constraint in self.arg_constraints.items():
                if constraints.is_dependent(constraint):
                    continue
                if param not in self.__dict__ and isinstance(getattr(type(self), param), lazy_property):
                    continue
                value = getattr(self, param)
                if not bool(constraint.check(value).all()):
                    raise ValueError(f"Expected parameter {param} ({type(value).__name__} of shape "
                                     f"{tuple(value.shape)}) of distribution {self!r} to satisfy the constraint "
                                     f"{constraint!r}, but found invalid values:\n{value}")

    @property
    def batch_shape(self):
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self):
        """The shape of a single sample (without batching)."""
        return self._event_shape

    def expand(self, batch_shape, _instance=None):
        """A new distribution of the same kind with parameters broadcast to ``batch_shape``."""
        batch_shape = Size(batch_shape)
        new = self.__class__.__new__(self.__class__) if _instance is None else _instance
        for name in self._expand_params():
            if name in self.__dict__:
                value = self.__dict__[name]
                extra = tuple(value.shape[len(self.batch_shape):])
                new.__dict__[name] = value.expand(*(tuple(batch_shape) + extra))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _expand_params(self):
        return list(self.arg_constraints)

    def _get_checked_instance(self, cls, _instance=None):
        """PyTorch's helper for ``expand``: a new bare instance of ``type(self)`` (or ``_instance``); a subclass
        of ``cls`` with its own ``__init__`` must define its own ``expand``."""
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(f"Subclass {self.__class__.__name__} of {cls.__name__} that defines a custom "
                                      "__init__ method must also define a custom .expand() method.")
        return self.__new__(type(self)) if _instance is None else _instance

    @property
    def mean(self):
        """The mean of the distribution."""
        raise NotImplementedError

    @property
    def mode(self):
        """The mode of the distribution."""
        raise NotImplementedError(f"{self.__class__} does not implement mode")

    @property
    def variance(self):
        """The variance of the distribution."""
        raise NotImplementedError

    @property
    def stddev(self):
        """The standard deviation: ``variance.sqrt()``."""
        return self.variance.sqrt()

    def sample(self, sample_shape=_EMPTY_SHAPE):
        """A sample of shape ``sample_shape + batch_shape + event_shape``, without gradient."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """A reparameterised sample (differentiable with respect to the parameters)."""
        raise NotImplementedError

    def sample_n(self, n):
        """``n`` samples: ``sample((n,))`` (deprecated in PyTorch)."""
        warnings.warn("sample_n will be deprecated. Use .sample((n,)) instead", UserWarning, stacklevel=2)
        return self.sample(Size((n,)))

    def log_prob(self, value):
        """The log of the probability density/mass at ``value``."""
        raise NotImplementedError

    def cdf(self, value):
        """The cumulative distribution function at ``value``."""
        raise NotImplementedError

    def icdf(self, value):
        """The inverse cumulative distribution function at ``value``."""
        raise NotImplementedError

    def enumerate_support(self, expand=True):
        """All values of a discrete support, along a new leftmost dimension."""
        raise NotImplementedError

    def entropy(self):
        """The entropy, one value per batch element."""
        raise NotImplementedError

    def perplexity(self):
        """``exp(entropy())``."""
        return self.entropy().exp()

    def _extended_shape(self, sample_shape=_EMPTY_SHAPE):
        if not isinstance(sample_shape, Size):
            sample_shape = Size(tuple(sample_shape) if not isinstance(sample_shape, int) else (sample_shape,))
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def _validate_sample(self, value):
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event_dim_start = len(value.shape) - len(self._event_shape)
        if tuple(value.shape[event_dim_start:]) != tuple(self._event_shape):
            raise ValueError(f"The right-most size of value must match event_shape: {tuple(value.shape)} vs "
                             f"{tuple(self._event_shape)}.")
        actual_shape, expected_shape = tuple(value.shape), tuple(self._batch_shape) + tuple(self._event_shape)
        for i, j in zip(reversed(actual_shape), reversed(expected_shape)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: {Size(actual_shape)!r} "
                                 f"vs {Size(expected_shape)!r}.")
        support = self.support
        if not bool(support.check(value).all()):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) to "
                             f"be within the support ({support!r}) of the distribution {self!r}, but found "
                             f"invalid values:\n{value}")

    def __repr__(self):
        names = [k for k in self.arg_constraints if k in self.__dict__]
        args = ", ".join(f"{p}: {self.__dict__[p] if self.__dict__[p].numel() == 1 else repr(self.__dict__[p].size())}"
                         for p in names)
        return f"{self.__class__.__name__}({args})"


class BinaryProbsLogits:
    """Mixin of the two-outcome families (Bernoulli, Binomial, Geometric, NegativeBinomial, ContinuousBernoulli,
    LogitRelaxedBernoulli): ``probs`` and ``logits``, each computed from the other on first use, and
    ``param_shape``. The class's ``__init__`` stores the one it was given and sets ``_param`` to it."""

    @lazy_property
    def logits(self):
        """Log-odds of the outcome 1 (from ``probs`` when those were given)."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        """The probability of the outcome 1 (``sigmoid(logits)`` when logits were given)."""
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        """The shape of ``probs``/``logits``."""
        return self._param.size()

