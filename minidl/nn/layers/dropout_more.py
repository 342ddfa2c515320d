"""``Dropout1d`` and ``AlphaDropout``: active only in training mode."""
from __future__ import annotations

import minidl.nn.functional as F
from minidl.nn.layers.dropout import Dropout

__all__ = ["Dropout1d", "AlphaDropout"]


class Dropout1d(Dropout):
    """Zero whole channels of an (N, C, L) input with probability ``p`` in training, scaling the others by
    1/(1-p); the identity in eval. Shapes: (N, C, L) -> (N, C, L) or (C, L) -> (C, L)."""

    def forward(self, input):
        """(N, C, L) -> (N, C, L)."""
        return F.dropout1d(input, self.p, self.training, self.inplace)


class AlphaDropout(Dropout):
    """Dropout that keeps SELU activations' zero mean and unit variance (in training; the identity in eval).
    Shapes: (*) -> (*)."""

    def forward(self, input):
        """(*) -> (*)."""
        return F.alpha_dropout(input, self.p, self.training)
