"""``minidl.distributions.poisson``: the import path of ``Poisson`` in torch.distributions (the class lives in
:mod:`minidl.distributions.counts`).

>>> from minidl.distributions.poisson import Poisson
>>> Poisson.__name__
'Poisson'
"""
from .counts import Poisson

__all__ = ["Poisson"]
