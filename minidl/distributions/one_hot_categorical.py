"""``minidl.distributions.OneHotCategorical``: a categorical distribution whose samples are one-hot vectors."""
from __future__ import annotations

import numpy as np

from ..autograd import no_grad
from ..nn.functional import one_hot
from ..size import Size
from ..tensor import Tensor
from . import constraints
from .categorical import Categorical
from .distribution import _EMPTY_SHAPE, Distribution

__all__ = ["OneHotCategorical"]


class _OneHot(constraints.Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, value):
        value = value if isinstance(value, Tensor) else Tensor(np.asarray(value))
        return ((value == 0) | (value == 1)).all(-1) & (value.sum(-1) == 1)


class OneHotCategorical(Distribution):
    """Categorical over ``K`` classes with samples as one-hot vectors of size K (event shape (K,)).

    >>> import minidl as mdl
    >>> from minidl.distributions import OneHotCategorical
    >>> d = OneHotCategorical(probs=mdl.tensor([0.0, 1.0, 0.0]))
    >>> d.sample().tolist(), d.event_shape
    ([0.0, 1.0, 0.0], minidl.Size([3]))
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = _OneHot()
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        param = self._categorical._param
        super().__init__(self._categorical.batch_shape, Size(param.shape[-1:]), validate_args=validate_args)

    @property
    def probs(self):
        """Class probabilities (..., K)."""
        return self._categorical.probs

    @property
    def logits(self):
        """Normalised log-probabilities (..., K)."""
        return self._categorical.logits

    @property
    def param_shape(self):
        """The shape of ``probs``/``logits``."""
        return self._categorical.param_shape

    @property
    def mean(self):
        """``probs``."""
        return self._categorical.probs

    @property
    def mode(self):
        """The one-hot vector of the most probable class."""
        return one_hot(self._categorical.probs.argmax(dim=-1), self.event_shape[-1]).to(self.probs.dtype)

    @property
    def variance(self):
        """``probs * (1 - probs)``."""
        return self._categorical.probs * (1 - self._categorical.probs)

    def sample(self, sample_shape=_EMPTY_SHAPE):
        """One-hot samples (in ``probs``' dtype) of shape ``sample_shape + batch_shape + (K,)``."""
        with no_grad():
            indices = self._categorical.sample(sample_shape)
            return one_hot(indices, self.event_shape[-1]).to(self.probs.dtype)

    def log_prob(self, value):
        """The log-probability of the class each one-hot ``value`` marks."""
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.argmax(dim=-1))

    def entropy(self):
        """The categorical entropy."""
        return self._categorical.entropy()

    def enumerate_support(self, expand=True):
        """The K one-hot vectors along a new leftmost dimension (expanded over the batch unless not)."""
        k = self.event_shape[-1]
        values = Tensor(np.eye(k, dtype=self.probs.array.dtype)).reshape(k, *((1,) * len(self.batch_shape)), k)
        if expand:
            values = values.expand(k, *tuple(self.batch_shape), k)
        return values

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        batch_shape = tuple(Size(batch_shape))
        k = self.event_shape[-1]
        if "probs" in self._categorical.__dict__:
            return OneHotCategorical(probs=self.probs.expand(*(batch_shape + (k,))), validate_args=False)
        return OneHotCategorical(logits=self.logits.expand(*(batch_shape + (k,))), validate_args=False)

# torch.distributions.one_hot_categorical also holds the straight-through variant (defined in relaxed.py,
# which imports OneHotCategorical from here, so it is imported last)
from .relaxed import OneHotCategoricalStraightThrough  # noqa: E402

__all__ += ["OneHotCategoricalStraightThrough"]
