"""``minidl.distributions.relaxed_bernoulli``: the import path of ``LogitRelaxedBernoulli`` and
``RelaxedBernoulli`` in torch.distributions (both live in :mod:`minidl.distributions.relaxed`).

>>> from minidl.distributions.relaxed_bernoulli import LogitRelaxedBernoulli
>>> LogitRelaxedBernoulli.__name__
'LogitRelaxedBernoulli'
"""
from .relaxed import LogitRelaxedBernoulli, RelaxedBernoulli

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]
