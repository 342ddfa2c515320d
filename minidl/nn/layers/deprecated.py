"""Deprecated layer names PyTorch still exports, kept for old scripts."""
from __future__ import annotations

import warnings

from minidl.nn.layers.loss import NLLLoss

__all__ = ["NLLLoss2d"]


class NLLLoss2d(NLLLoss):
    """Deprecated alias of :class:`NLLLoss` (which handles (N, C, H, W) inputs itself), with PyTorch's warning."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean"):
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in replacement and "
                      "see https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more details.", FutureWarning,
                      stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)
