"""``minidl.distributions.log_normal``: the import path of ``LogNormal`` in torch.distributions (the class lives in
:mod:`minidl.distributions.transformed_families`).

>>> from minidl.distributions.log_normal import LogNormal
>>> LogNormal.__name__
'LogNormal'
"""
from .transformed_families import LogNormal

__all__ = ["LogNormal"]
