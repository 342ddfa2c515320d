"""``minidl.distributions.uniform``: the import path of ``Uniform`` in torch.distributions (the class lives in
:mod:`minidl.distributions.normal`).

>>> from minidl.distributions.uniform import Uniform
>>> Uniform.__name__
'Uniform'
"""
from .normal import Uniform

__all__ = ["Uniform"]
