"""``minidl.distributions.logistic_normal``: the import path of ``LogisticNormal`` in torch.distributions
(the class lives in
:mod:`minidl.distributions.gamma_derived`).

>>> from minidl.distributions.logistic_normal import LogisticNormal
>>> LogisticNormal.__name__
'LogisticNormal'
"""
from .gamma_derived import LogisticNormal

__all__ = ["LogisticNormal"]
