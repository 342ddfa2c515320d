"""Loss modules with PyTorch's constructors: ``CrossEntropyLoss``, ``NLLLoss``, ``MSELoss``,
``L1Loss``, ``SmoothL1Loss``, ``HuberLoss``, ``BCELoss``, ``BCEWithLogitsLoss``.

Class weights (``weight``, ``pos_weight``) are registered as buffers, as in
PyTorch, so they move with ``.to()`` and appear in the state dict.
"""
from __future__ import annotations

import minidl.nn.functional as F
from minidl._errors import ArgumentError
from minidl.nn.module import Module
from minidl.ops.loss import reduction_arg
from minidl.tensor import Tensor, tensor

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss",
           "BCEWithLogitsLoss"]


def _as_buffer(value):
    if value is None or isinstance(value, Tensor):
        return value
    return tensor(value)


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        self.reduction = reduction_arg(type(self).__name__, size_average, reduce, reduction)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _as_buffer(weight))


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy between logits and class ids or class probabilities.

    Args:
        weight: per-class weights (C,), or None.
        ignore_index: class-id targets equal to it add nothing and are not counted.
        reduction: "mean" | "sum" | "none" (``size_average``/``reduce``: PyTorch's deprecated forms).
        label_smoothing: in [0, 1]; the target becomes ``(1 - ls) * one_hot + ls / C``.

    Shapes: input (N, C), (N, C, d1, ...) or (C,) logits; target (N,),
    (N, d1, ...) or () int64 class ids, or probabilities of the input's shape
    -> scalar, or the target's shape with reduction "none". See
    :func:`minidl.nn.functional.cross_entropy`.
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__(weight, size_average, reduce, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ArgumentError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}")
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        """(N, C, ...), (N, ...) -> loss."""
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class ids given log-probabilities.

    Shapes: input (N, C), (N, C, d1, ...) or (C,) log-probabilities, target
    (N,), (N, d1, ...) or () int64 -> scalar, or the target's shape with
    reduction "none". ``weight`` and ``ignore_index`` as in CrossEntropyLoss.
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        """(N, C, ...), (N, ...) -> loss."""
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(input - target)**2``, reduced by ``reduction``.

    Shapes: input (*), target (*) of the same shape -> scalar, or (*) with
    reduction "none".
    """

    def forward(self, input, target):
        """(*), (*) -> loss."""
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error ``|input - target|``. Shapes: (*), (*) -> scalar, or (*) with "none"."""

    def forward(self, input, target):
        """(*), (*) -> loss."""
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """0.5 * d**2 / beta if |d| < beta else |d| - 0.5 * beta, d = input - target.

    Shapes: (*), (*) -> scalar, or (*) with reduction "none".
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        """(*), (*) -> loss."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """0.5 * d**2 if |d| < delta else delta * (|d| - 0.5 * delta), d = input - target.

    Shapes: (*), (*) -> scalar, or (*) with reduction "none".
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(None, None, reduction)
        self.delta = delta

    def forward(self, input, target):
        """(*), (*) -> loss."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities: -w * (t * log(x) + (1 - t) * log(1 - x)).

    Shapes: input (*) in [0, 1], target (*) -> scalar, or (*) with reduction
    "none"; ``weight`` broadcastable to the input.
    """

    def forward(self, input, target):
        """(*), (*) -> loss."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid and binary cross-entropy in one numerically stable expression.

    ``pos_weight``: weight of the positive term, broadcast along the last
    (class) dimension. Shapes: input (*) logits, target (*) -> scalar, or (*)
    with reduction "none".
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight=None):
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", _as_buffer(pos_weight))

    def forward(self, input, target):
        """(*), (*) -> loss."""
        return F.binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)
