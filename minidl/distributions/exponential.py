"""``minidl.distributions.exponential``: the import path of ``Exponential`` in torch.distributions (the class lives in
:mod:`minidl.distributions.laplace_exponential`).

>>> from minidl.distributions.exponential import Exponential
>>> Exponential.__name__
'Exponential'
"""
from .laplace_exponential import Exponential

__all__ = ["Exponential"]
