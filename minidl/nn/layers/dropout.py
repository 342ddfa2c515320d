"""``Dropout`` and ``Dropout2d``: inverted dropout, active only in training mode."""
from __future__ import annotations

import minidl.nn.functional as F
from minidl.nn.module import Module

__all__ = ["Dropout", "Dropout2d"]


class Dropout(Module):
    """Zero each element with probability ``p`` in training and scale the rest by 1/(1-p).

    In eval mode it is the identity. Shapes: (*) -> (*). The mask is drawn
    from minidl's seeded generator (``mdl.manual_seed``).
    """

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        """(*) -> (*)."""
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Zero whole channels of an (N, C, H, W) input with probability ``p`` in training, scaling
    the others by 1/(1-p); the identity in eval mode. Shapes: (N, C, H, W) -> (N, C, H, W)
    (a 3-D input is read as (N, C, L), as PyTorch does, with its warning)."""

    def forward(self, input):
        """(N, C, H, W) -> (N, C, H, W)."""
        return F.dropout2d(input, self.p, self.training, self.inplace)
