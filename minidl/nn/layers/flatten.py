"""``Flatten``: merge a range of dimensions into one."""
from __future__ import annotations

import minidl.nn.functional as F
from minidl.nn.layers._utils import _shape
from minidl.nn.module import Module

__all__ = ["Flatten"]


class Flatten(Module):
    """Flatten dimensions ``start_dim..end_dim`` (inclusive) into one.

    Shapes: (N, C, H, W) -> (N, C*H*W) with the defaults (start_dim=1, end_dim=-1).
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        """(*, S_start, ..., S_end, *) -> (*, prod(S_start..S_end), *)."""
        shape = _shape(input)
        nd = max(len(shape), 1)
        start = self.start_dim + nd if self.start_dim < 0 else self.start_dim
        end = self.end_dim + nd if self.end_dim < 0 else self.end_dim
        if not (0 <= start < nd and 0 <= end < nd) or start > end:
            raise ValueError(f"{self!r}: cannot flatten dimensions {self.start_dim}..{self.end_dim} "
                             f"of an input of shape {shape}")
        if end == len(shape) - 1:
            return F.flatten(input, start)
        size = 1
        for s in shape[start:end + 1]:
            size *= s
        return input.reshape(shape[:start] + (size,) + shape[end + 1:])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
