"""``minidl.distributions.laplace``: the import path of ``Laplace`` in torch.distributions (the class lives in
:mod:`minidl.distributions.laplace_exponential`).

>>> from minidl.distributions.laplace import Laplace
>>> Laplace.__name__
'Laplace'
"""
from .laplace_exponential import Laplace

__all__ = ["Laplace"]
