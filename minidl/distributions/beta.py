"""``minidl.distributions.beta``: the import path of ``Beta`` in torch.distributions (the class lives in
:mod:`minidl.distributions.beta_dirichlet`).

>>> from minidl.distributions.beta import Beta
>>> Beta.__name__
'Beta'
"""
from .beta_dirichlet import Beta

__all__ = ["Beta"]
