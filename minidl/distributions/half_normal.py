"""``minidl.distributions.half_normal``: the import path of ``HalfNormal`` in torch.distributions (the class lives in
:mod:`minidl.distributions.transformed_families`).

>>> from minidl.distributions.half_normal import HalfNormal
>>> HalfNormal.__name__
'HalfNormal'
"""
from .transformed_families import HalfNormal

__all__ = ["HalfNormal"]
