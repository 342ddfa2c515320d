"""torchvision v2's ``ToImage`` and ``ToDtype``."""
from __future__ import annotations

import numpy as np

from ....dtypes import to_numpy_dtype
from ....nn.module import Module
from ....tensor import Tensor
from ..._image import is_pil
from .._color_ops import from_float, max_value

__all__ = ["ToImage", "ToDtype"]


def _value_bits(dtype):
    dtype = np.dtype(dtype)
    return 8 * dtype.itemsize - (1 if dtype.kind == "i" else 0)


class ToImage(Module):
    """PIL image, ndarray (H, W, C) / (H, W) or Tensor -> Tensor image (C, H, W), values and dtype kept
    (a PIL image gives uint8)."""

    def forward(self, inpt):
        if is_pil(inpt):
            from ..functional import pil_to_tensor
            return pil_to_tensor(inpt)
        if isinstance(inpt, np.ndarray):
            arr = inpt[:, :, None] if inpt.ndim == 2 else inpt
            if arr.ndim != 3:
                raise ValueError(f"ToImage: an ndarray image must be (H, W) or (H, W, C), got shape {inpt.shape}")
            return Tensor(np.ascontiguousarray(arr.transpose(2, 0, 1)))
        if isinstance(inpt, Tensor):
            if inpt.ndim < 2:
                raise ValueError(f"ToImage: a Tensor image needs at least 2 dimensions, got shape {tuple(inpt.shape)}")
            return inpt[None] if inpt.ndim == 2 else inpt
        raise TypeError(f"ToImage: expected a PIL image, ndarray or Tensor, got {type(inpt).__name__}")

    def __repr__(self):
        return "ToImage()"


class ToDtype(Module):
    """Convert a Tensor image to ``dtype``; with ``scale=True`` the value range is rescaled too
    (uint8 0-255 <-> float 0-1, as ``convert_image_dtype``). PIL images pass through unchanged."""

    def __init__(self, dtype, scale=False):
        super().__init__()
        if isinstance(dtype, dict):
            raise TypeError("ToDtype: a dict of dtypes per input type is not supported by minidl (single images "
                            "only); pass one dtype")
        self.dtype = dtype
        self.scale = scale

    def forward(self, inpt):
        if not isinstance(inpt, Tensor):
            return inpt
        target = to_numpy_dtype(self.dtype)
        arr = inpt.array
        if not self.scale or arr.dtype == target:
            return Tensor(arr.astype(target))
        src_float, dst_float = arr.dtype.kind == "f", np.dtype(target).kind == "f"
        if src_float and dst_float:
            return Tensor(arr.astype(target))
        if src_float:
            return Tensor(from_float(arr, target))
        if dst_float:
            return Tensor((arr.astype(target) / target.type(max_value(arr.dtype))).astype(target))
        shift = _value_bits(target) - _value_bits(arr.dtype)  # integer widths: move the top bits
        wide = arr.astype(np.int64)
        return Tensor((wide << shift if shift > 0 else wide >> -shift).astype(target))

    def __repr__(self):
        return f"ToDtype(dtype={self.dtype}, scale={self.scale})"
