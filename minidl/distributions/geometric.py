"""``minidl.distributions.geometric``: the import path of ``Geometric`` in torch.distributions (the class lives in
:mod:`minidl.distributions.counts`).

>>> from minidl.distributions.geometric import Geometric
>>> Geometric.__name__
'Geometric'
"""
from .counts import Geometric

__all__ = ["Geometric"]
