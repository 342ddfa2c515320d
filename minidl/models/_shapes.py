"""Output-size arithmetic shared by the zoo constructors."""
from __future__ import annotations

import math

__all__ = ["conv_out", "pool_out", "check_size"]


def conv_out(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Spatial size after a convolution: floor((size + 2p - k) / s) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def pool_out(size: int, kernel: int, stride: int | None = None, padding: int = 0,
             ceil_mode: bool = False) -> int:
    """Spatial size after a pooling layer (PyTorch's rule, ceil_mode included)."""
    stride = kernel if stride is None else stride
    span = size + 2 * padding - kernel
    out = (math.ceil(span / stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1  # the last window must start inside the input
    return out


def check_size(model: str, size: int, image_size: int) -> int:
    """``size`` itself; ValueError naming ``model`` when an input of ``image_size``
    shrinks to nothing inside the network."""
    if size < 1:
        raise ValueError(f"{model}: image_size={image_size} is too small for this network "
                         f"(a feature map shrinks to {size} pixels)")
    return size
