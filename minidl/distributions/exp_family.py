"""``minidl.distributions.ExponentialFamily``: the base class of distributions with density
``p(x; theta) = exp(<t(x), theta> - F(theta) + k(x))``, as ``torch.distributions.ExponentialFamily``.

Subclasses give ``_natural_params`` (theta), ``_log_normalizer`` (F) and
``_mean_carrier_measure`` (E[k(x)]); the base then has the entropy as a
Bregman divergence of F (its gradient by autograd), and :func:`kl_divergence`
between two members of one family in the same way.

>>> import minidl as mdl
>>> from minidl.distributions import ExponentialFamily, Gamma
>>> d = Gamma(mdl.tensor([2.0]), mdl.tensor([3.0]))
>>> isinstance(d, ExponentialFamily), round(ExponentialFamily.entropy(d).item(), 4), round(d.entropy().item(), 4)
(True, 0.4786, 0.4786)
"""
from __future__ import annotations

from ..autograd import enable_grad, grad
from .distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """A distribution of an exponential family; subclasses define ``_natural_params``, ``_log_normalizer``
    and ``_mean_carrier_measure``."""

    @property
    def _natural_params(self):
        """The natural parameters theta (a tuple of Tensors)."""
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        """The log normaliser F(theta)."""
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self):
        """E[k(x)], the expected carrier measure."""
        raise NotImplementedError

    def entropy(self):
        """``F(theta) - <theta, grad F(theta)> - E[k(x)]`` (the gradient by autograd, kept differentiable)."""
        result = -self._mean_carrier_measure
        with enable_grad():
            nparams = [p.detach().requires_grad_() for p in self._natural_params]
            lg_normal = self._log_normalizer(*nparams)
            gradients = grad(lg_normal.sum(), nparams, create_graph=True)
        result = result + lg_normal
        for param, g in zip(nparams, gradients):
            result = result - (param * g).reshape(*(tuple(self._batch_shape) + (-1,))).sum(-1)
        return result
