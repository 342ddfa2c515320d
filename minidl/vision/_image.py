"""Moving images between PIL, minidl Tensors and the NCHW arrays the transforms compute on.

Every vision transform works on an (N, C, H, W) NumPy array: uint8 with values
0-255 for PIL images and uint8 Tensors, float for float Tensors. :func:`to_batch`
makes that array from what the user passed and gives a function that turns
the result back into the same kind of object.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from .. import backend
from ..tensor import Tensor

__all__ = ["to_batch", "pil_to_array", "array_to_pil", "is_pil"]

_KEEP_MODES = {"L": 1, "RGB": 3, "RGBA": 4, "LA": 2}


def is_pil(img) -> bool:
    """True for a PIL image."""
    return isinstance(img, Image.Image)


def pil_to_array(img) -> np.ndarray:
    """A PIL image as uint8 (C, H, W); modes other than L/LA/RGB/RGBA are converted to RGB."""
    if img.mode not in _KEEP_MODES:
        img = img.convert("RGB")
    arr = np.asarray(img, dtype=np.uint8)
    return arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)


def array_to_pil(arr: np.ndarray, mode=None):
    """uint8 (C, H, W) -> a PIL image (C = 1: mode "L", 3: "RGB", 4: "RGBA", 2: "LA")."""
    arr = np.asarray(arr)
    if arr.dtype != np.uint8:
        raise TypeError(f"a PIL image needs uint8 pixels, got {arr.dtype}")
    if arr.shape[0] == 1:
        return Image.fromarray(np.ascontiguousarray(arr[0]), mode="L")
    return Image.fromarray(np.ascontiguousarray(arr.transpose(1, 2, 0)))


def to_batch(img, who: str):
    """``(x (N, C, H, W) array, restore)`` for a PIL image or an (H, W) / (C, H, W) / (N, C, H, W) Tensor.

    ``restore(y)`` gives ``y`` back as the kind of object ``img`` was (a PIL
    image, or a Tensor of ``img``'s rank on its device; an (H, W) Tensor is one
    image of one channel, as torchvision reads it). Raises TypeError naming
    ``who`` for anything else.
    """
    if is_pil(img):
        mode = img.mode
        x = pil_to_array(img)[None]
        return x, lambda y: array_to_pil(y[0], mode)
    if isinstance(img, Tensor):
        dev = img.device
        arr = backend.to_device(img.array, "cpu")
        if arr.ndim not in (2, 3, 4):
            raise ValueError(f"{who} expects a Tensor image (H, W), (C, H, W) or batch (N, C, H, W), "
                             f"got shape {tuple(arr.shape)}")
        ndim = arr.ndim
        x = arr.reshape((4 - ndim) * (1,) + arr.shape)

        def restore(y):   # (H, W) comes back as (H, W) while the transform keeps one channel
            y = y[0, 0] if ndim == 2 and y.shape[1] == 1 else (y[0] if ndim < 4 else y)
            return Tensor(backend.to_device(np.ascontiguousarray(y), dev))
        return x, restore
    raise TypeError(f"{who}: img should be a PIL Image or a minidl Tensor, got {type(img).__name__}")
