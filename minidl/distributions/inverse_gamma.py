"""``minidl.distributions.inverse_gamma``: the import path of ``InverseGamma`` in torch.distributions
(the class lives in
:mod:`minidl.distributions.gamma_derived`).

>>> from minidl.distributions.inverse_gamma import InverseGamma
>>> InverseGamma.__name__
'InverseGamma'
"""
from .gamma_derived import InverseGamma

__all__ = ["InverseGamma"]
