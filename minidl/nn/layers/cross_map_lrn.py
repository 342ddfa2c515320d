"""``CrossMapLRN2d``: the legacy (Lua Torch) local response normalisation across channels, PyTorch's.

output = x * (k + alpha / size * S) ** -beta, where S sums x**2 over a window
of channels built the way the legacy running sum builds it (PyTorch keeps
that code): channel c adds channels up to c + pre_pad - 1, pre_pad =
(size - 1) // 2 + 1, and drops channels 1 .. c - pre_pad, but channel 0 is never
dropped. The window is a fixed 0/1 (C, C) matrix, so the forward is a
composite of differentiable ops and its gradient is the exact derivative.
(PyTorch's own hand-written backward for this layer is not the derivative of
its forward, and fails for size=1; minidl's gradients pass gradcheck.)
"""
from __future__ import annotations

import numpy as np

from minidl.nn.module import Module
from minidl.tensor import Tensor

__all__ = ["CrossMapLRN2d"]


def _window(channels: int, size: int) -> np.ndarray:
    """The (C, C) 0/1 matrix: row c marks the channels whose squares enter channel c's sum."""
    pre_pad = int((size - 1) / 2 + 1)
    window = np.zeros((channels, channels))
    for c in range(channels):
        window[c, :min(c + pre_pad - 1, channels - 1) + 1] = 1
        if c > pre_pad:
            window[c, 1:c - pre_pad + 1] = 0
    return window


class CrossMapLRN2d(Module):
    """Local response normalisation across the channels of (N, C, H, W) inputs -> the same shape.

    >>> import minidl as mdl, minidl.nn as nn
    >>> nn.CrossMapLRN2d(3, alpha=1e-4, beta=0.75, k=1)(mdl.ones(1, 4, 2, 2)).shape
    minidl.Size([1, 4, 2, 2])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        """(N, C, H, W) -> (N, C, H, W)."""
        if not isinstance(input, Tensor):
            raise TypeError(f"CrossMapLRN2d: input must be a Tensor, got {type(input).__name__}")
        if input.ndim != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D instead.")
        channels = input.shape[1]
        window = Tensor(input.xp.asarray(_window(channels, self.size).astype(input.array.dtype)))
        squares = (input * input).permute(0, 2, 3, 1)               # (N, H, W, C)
        sums = squares.matmul(window.mT).permute(0, 3, 1, 2)        # (N, C, H, W)
        return input * (sums * (self.alpha / self.size) + self.k) ** (-self.beta)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
