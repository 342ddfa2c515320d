"""``minidl.distributions.binomial``: the import path of ``Binomial`` in torch.distributions (the class lives in
:mod:`minidl.distributions.counts`).

>>> from minidl.distributions.binomial import Binomial
>>> Binomial.__name__
'Binomial'
"""
from .counts import Binomial

__all__ = ["Binomial"]
