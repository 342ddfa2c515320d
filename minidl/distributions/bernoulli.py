"""``minidl.distributions.bernoulli``: the import path of ``Bernoulli`` in torch.distributions (the class lives in
:mod:`minidl.distributions.categorical`).

>>> from minidl.distributions.bernoulli import Bernoulli
>>> Bernoulli.__name__
'Bernoulli'
"""
from .categorical import Bernoulli

__all__ = ["Bernoulli"]
