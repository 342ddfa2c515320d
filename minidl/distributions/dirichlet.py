"""``minidl.distributions.dirichlet``: the import path of ``Dirichlet`` in torch.distributions (the class lives in
:mod:`minidl.distributions.beta_dirichlet`).

>>> from minidl.distributions.dirichlet import Dirichlet
>>> Dirichlet.__name__
'Dirichlet'
"""
from .beta_dirichlet import Dirichlet

__all__ = ["Dirichlet"]
