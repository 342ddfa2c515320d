"""Loss modules: ``CrossEntropyLoss``, ``NLLLoss``, ``MSELoss``."""
from __future__ import annotations

import minidl.nn.functional as F
from minidl.nn.module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss"]

_REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}, "
                             f"got {reduction!r}")
        self.reduction = reduction


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy between logits and integer class ids.

    Args:
        weight: per-class weights; not supported (must be None).
        reduction: "mean" | "sum" | "none".
        label_smoothing: in [0, 1]; the target becomes
            ``(1 - ls) * one_hot + ls / C``.

    Shapes: input (N, C) logits, target (N,) int64 -> scalar, or (N,) with
    reduction "none".
    """

    def __init__(self, weight=None, *, reduction: str = "mean", label_smoothing: float = 0.0):
        if weight is not None:
            raise NotImplementedError("CrossEntropyLoss: class weights are not supported")
        super().__init__(reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], "
                             f"got {label_smoothing}")
        self.weight = None
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        """(N, C), (N,) -> loss."""
        return F.cross_entropy(input, target, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of integer class ids given log-probabilities.

    Shapes: input (N, C) log-probabilities, target (N,) int64 -> scalar, or
    (N,) with reduction "none".
    """

    def forward(self, input, target):
        """(N, C), (N,) -> loss."""
        return F.nll_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(input - target)**2``, reduced by ``reduction``.

    Shapes: input (*), target (*) of the same shape -> scalar, or (*) with
    reduction "none".
    """

    def forward(self, input, target):
        """(*), (*) -> loss."""
        return F.mse_loss(input, target, reduction=self.reduction)
