"""``minidl.distributions.pareto``: the import path of ``Pareto`` in torch.distributions (the class lives in
:mod:`minidl.distributions.transformed_families`).

>>> from minidl.distributions.pareto import Pareto
>>> Pareto.__name__
'Pareto'
"""
from .transformed_families import Pareto

__all__ = ["Pareto"]
