"""``minidl.distributions.weibull``: the import path of ``Weibull`` in torch.distributions (the class lives in
:mod:`minidl.distributions.transformed_families`).

>>> from minidl.distributions.weibull import Weibull
>>> Weibull.__name__
'Weibull'
"""
from .transformed_families import Weibull

__all__ = ["Weibull"]
