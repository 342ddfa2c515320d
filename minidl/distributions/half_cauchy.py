"""``minidl.distributions.half_cauchy``: the import path of ``HalfCauchy`` in torch.distributions (the class lives in
:mod:`minidl.distributions.cauchy`).

>>> from minidl.distributions.half_cauchy import HalfCauchy
>>> HalfCauchy.__name__
'HalfCauchy'
"""
from .cauchy import HalfCauchy

__all__ = ["HalfCauchy"]
