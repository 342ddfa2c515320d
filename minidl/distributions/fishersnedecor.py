"""``minidl.distributions.fishersnedecor``: the import path of ``FisherSnedecor`` in torch.distributions
(the class lives in
:mod:`minidl.distributions.gamma_derived`).

>>> from minidl.distributions.fishersnedecor import FisherSnedecor
>>> FisherSnedecor.__name__
'FisherSnedecor'
"""
from .gamma_derived import FisherSnedecor

__all__ = ["FisherSnedecor"]
