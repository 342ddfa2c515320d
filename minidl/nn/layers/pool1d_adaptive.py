"""``AdaptiveAvgPool1d`` and ``AdaptiveMaxPool1d``: pool (N, C, L) to a fixed length."""
from __future__ import annotations

import minidl.nn.functional as F
from minidl.nn.module import Module

__all__ = ["AdaptiveAvgPool1d", "AdaptiveMaxPool1d"]


class AdaptiveAvgPool1d(Module):
    """Average over adaptive bins. Shapes: (N, C, L) or (C, L) -> (N, C, output_size)."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        """(N, C, L) -> (N, C, output_size)."""
        return F.adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(Module):
    """Maximum over adaptive bins (with ``return_indices``, also their positions along L).
    Shapes: (N, C, L) or (C, L) -> (N, C, output_size)."""

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input):
        """(N, C, L) -> (N, C, output_size), or (values, indices) with ``return_indices``."""
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
