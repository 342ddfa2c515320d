"""``minidl.distributions.negative_binomial``: the import path of ``NegativeBinomial`` in torch.distributions
(the class lives in
:mod:`minidl.distributions.counts`).

>>> from minidl.distributions.negative_binomial import NegativeBinomial
>>> NegativeBinomial.__name__
'NegativeBinomial'
"""
from .counts import NegativeBinomial

__all__ = ["NegativeBinomial"]
