"""``minidl.distributions.relaxed_categorical``: the import path of ``ExpRelaxedCategorical`` and
``RelaxedOneHotCategorical`` in torch.distributions (both live in :mod:`minidl.distributions.relaxed`).

>>> from minidl.distributions.relaxed_categorical import ExpRelaxedCategorical
>>> ExpRelaxedCategorical.__name__
'ExpRelaxedCategorical'
"""
from .relaxed import ExpRelaxedCategorical, RelaxedOneHotCategorical

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]
