"""``minidl.vision.io``: torchvision's image file functions on uint8 (C, H, W) Tensors.

``read_image(path)`` / ``decode_image(path_or_bytes_tensor)`` give a uint8
Tensor (C, H, W) as torchvision's do; ``read_file`` / ``write_file`` move raw
bytes as a 1-D uint8 Tensor; ``write_png`` / ``write_jpeg`` save a uint8
(C, H, W) Tensor. Decoding and encoding go through Pillow.
"""
from __future__ import annotations

import enum
import io
import os

import numpy as np
from PIL import Image, ImageOps

from ..tensor import Tensor
from ._image import pil_to_array

__all__ = ["ImageReadMode", "read_file", "write_file", "decode_image", "read_image", "write_png", "write_jpeg"]


class ImageReadMode(enum.Enum):
    """The channels to decode to: as stored, grey, grey+alpha, RGB or RGB+alpha."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = 4


_PIL_MODES = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
              ImageReadMode.RGB_ALPHA: "RGBA"}


def read_file(path) -> Tensor:
    """The bytes of the file at ``path`` as a 1-D uint8 Tensor."""
    with open(os.fspath(path), "rb") as f:
        return Tensor(np.frombuffer(f.read(), dtype=np.uint8).copy())


def write_file(filename, data) -> None:
    """Write a 1-D uint8 Tensor's bytes to ``filename``."""
    raw = data.numpy() if isinstance(data, Tensor) else np.asarray(data)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ValueError(f"write_file: data must be a 1-D uint8 tensor, got {raw.dtype} of shape {list(raw.shape)}")
    with open(os.fspath(filename), "wb") as f:
        f.write(raw.tobytes())


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False) -> Tensor:
    """Decode a PNG/JPEG/GIF/BMP/WEBP given as a path or a 1-D uint8 Tensor of its bytes -> uint8 (C, H, W)."""
    if isinstance(mode, str):
        mode = ImageReadMode[mode.upper()]
    if isinstance(input, Tensor):
        raw = input.numpy()
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise ValueError(f"decode_image: expected a 1-D uint8 tensor of file bytes, got {raw.dtype} of shape "
                             f"{list(raw.shape)}")
        source = io.BytesIO(raw.tobytes())
    else:
        source = os.fspath(input)
    try:
        with Image.open(source) as img:
            img.load()
            if apply_exif_orientation:
                img = ImageOps.exif_transpose(img)
            if mode != ImageReadMode.UNCHANGED:
                img = img.convert(_PIL_MODES[mode])
            elif img.mode not in ("L", "LA", "RGB", "RGBA"):
                img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
            return Tensor(np.ascontiguousarray(pil_to_array(img)))
    except OSError as exc:
        where = "the given bytes" if isinstance(input, Tensor) else repr(os.fspath(input))
        raise RuntimeError(f"decode_image: cannot decode {where} as an image ({exc})") from None


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False) -> Tensor:
    """The image file at ``path`` as a uint8 Tensor (C, H, W) (torchvision's ``read_image``)."""
    return decode_image(path, mode=mode, apply_exif_orientation=apply_exif_orientation)


def _to_pil(input, name):
    arr = input.numpy() if isinstance(input, Tensor) else np.asarray(input)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[0] not in (1, 3):
        raise ValueError(f"{name}: expected a uint8 tensor of shape (1 or 3, H, W), got {arr.dtype} of shape "
                         f"{list(arr.shape)}")
    hwc = arr.transpose(1, 2, 0)
    return Image.fromarray(hwc[:, :, 0] if arr.shape[0] == 1 else hwc)


def _save(img, filename, **kwargs):
    """Write through a temporary file in the same folder, then rename (an interrupted save leaves no half file)."""
    filename = os.fspath(filename)
    tmp = os.path.join(os.path.dirname(filename) or ".", f".{os.path.basename(filename)}.tmp")
    img.save(tmp, **kwargs)
    os.replace(tmp, filename)


def write_png(input, filename, compression_level=6) -> None:
    """Save a uint8 (C, H, W) Tensor as a PNG file."""
    _save(_to_pil(input, "write_png"), filename, format="PNG", compress_level=int(compression_level))


def write_jpeg(input, filename, quality=75) -> None:
    """Save a uint8 (C, H, W) Tensor as a JPEG file."""
    _save(_to_pil(input, "write_jpeg"), filename, format="JPEG", quality=int(quality))
