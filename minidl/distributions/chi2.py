"""``minidl.distributions.chi2``: the import path of ``Chi2`` in torch.distributions (the class lives in
:mod:`minidl.distributions.gamma`).

>>> from minidl.distributions.chi2 import Chi2
>>> Chi2.__name__
'Chi2'
"""
from .gamma import Chi2

__all__ = ["Chi2"]
