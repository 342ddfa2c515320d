"""``minidl.distributions.transformed_distribution``: the import path of ``TransformedDistribution``
in torch.distributions
(the class lives in
:mod:`minidl.distributions.transformed`).

>>> from minidl.distributions.transformed_distribution import TransformedDistribution
>>> TransformedDistribution.__name__
'TransformedDistribution'
"""
from .transformed import TransformedDistribution

__all__ = ["TransformedDistribution"]
