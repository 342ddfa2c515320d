"""``minidl.distributions.gumbel``: the import path of ``Gumbel`` in torch.distributions (the class lives in
:mod:`minidl.distributions.transformed_families`).

>>> from minidl.distributions.gumbel import Gumbel
>>> Gumbel.__name__
'Gumbel'
"""
from .transformed_families import Gumbel

__all__ = ["Gumbel"]
