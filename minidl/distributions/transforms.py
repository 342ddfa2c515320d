"""``minidl.distributions.transforms``: invertible maps with log-Jacobians, as
``torch.distributions.transforms`` (used by :class:`~minidl.distributions.TransformedDistribution`,
:func:`~minidl.distributions.biject_to` and :func:`~minidl.distributions.transform_to`).

>>> import minidl as mdl
>>> from minidl.distributions.transforms import SigmoidTransform, StickBreakingTransform
>>> [round(v, 4) for v in StickBreakingTransform()(mdl.zeros(2)).tolist()]
[0.3333, 0.3333, 0.3333]
>>> t = SigmoidTransform()
>>> round(t.inv(t(mdl.tensor(0.3))).item(), 4), t.sign
(0.3, 1)
"""
from ._transform_base import ComposeTransform, IndependentTransform, ReshapeTransform, Transform, identity_transform
from ._transform_kinds import (
    AbsTransform,
    AffineTransform,
    CumulativeDistributionTransform,
    ExpTransform,
    LowerCholeskyTransform,
    PowerTransform,
    SigmoidTransform,
    SoftmaxTransform,
    SoftplusTransform,
    StickBreakingTransform,
    TanhTransform,
)

__all__ = ["AbsTransform", "AffineTransform", "ComposeTransform", "CumulativeDistributionTransform", "ExpTransform",
           "IndependentTransform", "LowerCholeskyTransform", "PowerTransform", "ReshapeTransform", "SigmoidTransform",
           "SoftplusTransform", "TanhTransform", "SoftmaxTransform", "StickBreakingTransform", "Transform",
           "identity_transform"]

from ._transform_structured import (  # noqa: E402
    CatTransform,
    CorrCholeskyTransform,
    PositiveDefiniteTransform,
    StackTransform,
)

__all__ += ["CatTransform", "CorrCholeskyTransform", "PositiveDefiniteTransform", "StackTransform"]
