"""``nn.CTCLoss``: the module form of :func:`minidl.nn.functional.ctc_loss`."""
from __future__ import annotations

import minidl.nn.functional as F
from minidl.nn.layers.loss import _Loss

__all__ = ["CTCLoss"]


class CTCLoss(_Loss):
    """Connectionist Temporal Classification loss (``blank=0``, ``reduction='mean'``, ``zero_infinity=False``).

    ``forward(log_probs, targets, input_lengths, target_lengths)``: log_probs
    (T, N, C) or (T, C), targets (N, S) or concatenated 1-D, lengths (N,);
    see :func:`minidl.nn.functional.ctc_loss`.

    >>> import minidl as mdl, minidl.nn as nn
    >>> lp = mdl.randn(6, 2, 4).log_softmax(2)
    >>> nn.CTCLoss()(lp, mdl.tensor([[1, 2], [3, 3]]), [6, 5], [2, 2]).shape
    minidl.Size([])
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False):
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        """(T, N, C), targets, (N,), (N,) -> loss."""
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                          self.zero_infinity)
