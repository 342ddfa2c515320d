"""``minidl.distributions``: probability distributions with sampling, log-densities and KL, as
``torch.distributions``.

Normal, Uniform and MultivariateNormal have ``rsample`` (reparameterised:
gradients flow from the samples to the parameters); Categorical and
Bernoulli take ``probs`` or ``logits``. Every distribution has
``batch_shape``/``event_shape``, ``sample``, ``log_prob``, ``entropy``,
``mean``, ``variance``; :func:`kl_divergence` has the closed forms.

>>> import minidl as mdl
>>> from minidl.distributions import Normal
>>> loc = mdl.tensor([0.5], requires_grad=True)
>>> Normal(loc, 1.0).rsample((4,)).sum().backward()
>>> loc.grad.tolist()
[4.0]
"""
from . import constraints
from .categorical import Bernoulli, Categorical
from .distribution import Distribution
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace_exponential import Exponential, Laplace
from .multivariate_normal import MultivariateNormal
from .normal import Normal, Uniform
from .one_hot_categorical import OneHotCategorical

__all__ = ["Distribution", "Normal", "Uniform", "Categorical", "Bernoulli", "MultivariateNormal",
           "Independent", "OneHotCategorical", "Laplace", "Exponential", "kl_divergence", "register_kl", "constraints"]
