"""``minidl.distributions.Multinomial``: counts of ``total_count`` categorical draws over K categories.

>>> import minidl as mdl
>>> from minidl.distributions import Multinomial
>>> d = Multinomial(4, probs=mdl.tensor([0.25, 0.25, 0.5]))
>>> round(d.log_prob(mdl.tensor([1.0, 1.0, 2.0])).item(), 4), d.mean.tolist()
(-1.674, [1.0, 1.0, 2.0])
"""
from __future__ import annotations

from .. import functions as _functions
from ..autograd import no_grad
from ..size import Size
from ..tensor import as_tensor
from . import constraints
from .categorical import Categorical
from .counts import Binomial
from .distribution import _EMPTY_SHAPE, Distribution, broadcast_all

__all__ = ["Multinomial"]


class Multinomial(Distribution):
    """How often each of K categories comes up in ``total_count`` (a Python int) independent draws with
    ``probs`` (..., K) (normalised along the last dimension) or unnormalised log-probabilities ``logits``.

    Batch shape ``probs.shape[:-1]``, event shape (K,). ``log_prob`` accepts
    count vectors of any total; ``sample`` uses ``total_count``.

    >>> import minidl as mdl
    >>> from minidl.distributions import Multinomial
    >>> _ = mdl.manual_seed(0)
    >>> x = Multinomial(10, mdl.tensor([1.0, 1.0, 2.0])).sample((5,))
    >>> x.shape, x.sum(-1).tolist()
    (minidl.Size([5, 3]), [10.0, 10.0, 10.0, 10.0, 10.0])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self.__class__.__new__(self.__class__) if _instance is None else _instance
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        new._binomial = Binomial(total_count=self.total_count, probs=new._categorical.probs, validate_args=False)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        """Non-negative integer counts summing to at most ``total_count``."""
        return constraints.multinomial(self.total_count)

    @property
    def probs(self):
        """Normalised category probabilities (..., K)."""
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
        """``total_count * probs``."""
        return self.probs * self.total_count

    @property
    def variance(self):
        """``total_count * probs * (1 - probs)``."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=_EMPTY_SHAPE):
        """Count vectors of shape ``sample_shape + batch_shape + (K,)``, each summing to ``total_count``: as
        PyTorch, ``total_count`` categorical draws per vector, counted with ``scatter_add_`` (the same stream)."""
        from ..creation import ones_like, zeros
        sample_shape = tuple(Size(sample_shape))
        with no_grad():
            samples = self._categorical.sample((self.total_count,) + sample_shape)
            order = list(range(samples.dim()))
            order.append(order.pop(0))
            samples = samples.permute(*order)
            counts = zeros(tuple(self._extended_shape(sample_shape)), dtype=samples.dtype, device=samples.device)
            counts.scatter_add_(-1, samples, ones_like(samples))
        return counts.type_as(self.probs)

    def entropy(self):
        """``n H(probs) - lgamma(n + 1) + sum_i E[lgamma(x_i + 1)]`` with x_i ~ Binomial(n, p_i)."""
        n = as_tensor(float(self.total_count), dtype=self.probs.dtype)
        term1 = n * self._categorical.entropy() - (n + 1).lgamma()
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = (support + 1).lgamma()
        return term1 + (binomial_probs * weights).sum(0).sum(-1)

    def log_prob(self, value):
        """``lgamma(sum x + 1) - sum lgamma(x + 1) + sum x log p`` (0 log 0 counted as 0)."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        logits = _functions.where((value == 0) & (logits == float("-inf")), 0.0, logits)
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)
