"""More of torchvision's transforms: ``ToPILImage``, ``Grayscale``, ``RandomGrayscale``, ``Pad``,
``RandomApply`` and ``ConvertImageDtype``, on PIL images and minidl Tensors as torchvision's."""
from __future__ import annotations

import numbers

import numpy as np
from PIL import Image

from .. import backend
from ..dtypes import to_numpy_dtype
from ..generator import current_rng
from ..nn.module import Module
from ..tensor import Tensor

__all__ = ["ToPILImage", "Grayscale", "RandomGrayscale", "Pad", "RandomApply", "ConvertImageDtype"]

_MODES_BY_CHANNELS = {1: ("L",), 2: ("LA",), 3: ("RGB", "YCbCr", "HSV"), 4: ("RGBA", "CMYK", "RGBX")}


class ToPILImage:
    """Tensor (C, H, W) or ndarray (H, W, C) / (H, W) -> PIL image, as torchvision's.

    Float data is scaled by 255 and truncated to bytes (``pic.mul(255).byte()``);
    uint8 is taken as it is. ``mode`` (default from the channel count: L, LA,
    RGB, RGBA) names how the channels are read, e.g. "YCbCr" or "HSV".
    """

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        if isinstance(pic, Tensor):
            arr = backend.to_device(pic.array, "cpu")
            if arr.ndim == 2:
                arr = arr[None]
            if arr.ndim != 3:
                raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
            arr = arr.transpose(1, 2, 0)
        elif isinstance(pic, np.ndarray):
            arr = pic[:, :, None] if pic.ndim == 2 else pic
            if arr.ndim != 3:
                raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        else:
            raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic).__name__}.")
        if np.issubdtype(arr.dtype, np.floating):
            arr = (np.trunc(arr * 255).astype(np.int64) & 255).astype(np.uint8)
        elif arr.dtype != np.uint8:
            raise TypeError(f"Input type {arr.dtype} is not supported")
        channels = arr.shape[2]
        if channels not in _MODES_BY_CHANNELS:
            raise ValueError(f"pic should not have > 4 channels. Got {channels} channels.")
        mode = self.mode or _MODES_BY_CHANNELS[channels][0]
        if mode not in _MODES_BY_CHANNELS[channels]:
            raise ValueError(f"Only modes {list(_MODES_BY_CHANNELS[channels])} are supported for "
                             f"{channels}-channel inputs, got {mode!r}")
        arr = np.ascontiguousarray(arr[:, :, 0] if channels == 1 else arr)
        return Image.fromarray(arr, mode=mode)

    def __repr__(self):
        return f"ToPILImage(mode={self.mode})" if self.mode else "ToPILImage()"


def _to_grayscale(img, num_output_channels):
    from .transforms.functional import rgb_to_grayscale
    return rgb_to_grayscale(img, num_output_channels)


class Grayscale(Module):
    """RGB -> grey (ITU-R 601-2 luma, PIL's "L" for PIL images), ``num_output_channels`` 1 or 3."""

    def __init__(self, num_output_channels=1):
        super().__init__()
        self.num_output_channels = num_output_channels   # checked when called, as torchvision's

    def forward(self, img):
        return _to_grayscale(img, self.num_output_channels)

    def __repr__(self):
        return f"Grayscale(num_output_channels={self.num_output_channels})"


class RandomGrayscale(Module):
    """Grayscale with probability ``p`` (default 0.1), keeping the number of channels."""

    def __init__(self, p=0.1):
        super().__init__()
        self.p = p

    def forward(self, img):
        from .transforms.functional import get_dimensions
        channels = get_dimensions(img)[0]
        if float(current_rng().random()) < self.p:
            return _to_grayscale(img, channels)
        return img

    def __repr__(self):
        return f"RandomGrayscale(p={self.p})"


_PAD_MODES = {"constant": "constant", "edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}


class Pad(Module):
    """Pad every side: ``padding`` int (all sides), (left/right, top/bottom) or (left, top, right, bottom);
    ``padding_mode`` "constant" (with ``fill``), "edge", "reflect" or "symmetric", as torchvision's."""

    def __init__(self, padding, fill=0, padding_mode="constant"):
        super().__init__()
        if not isinstance(padding, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate padding arg")
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        if padding_mode not in _PAD_MODES:
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} "
                             "element tuple")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode   # as given, as torchvision's

    def forward(self, img):
        from .transforms.functional import pad
        return pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self):
        return f"Pad(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomApply(Module):
    """Apply the list of ``transforms`` with probability ``p`` (default 0.5), all or none."""

    def __init__(self, transforms, p=0.5):
        super().__init__()
        self.transforms = list(transforms)
        self.p = p

    def forward(self, img):
        if self.p < float(current_rng().random()):
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"RandomApply(\n    p={self.p}{inner}\n)"


class ConvertImageDtype(Module):
    """A Tensor image converted to ``dtype`` with its value range: uint8 0-255 <-> float 0-1, as torchvision's."""

    def __init__(self, dtype):
        super().__init__()
        self.dtype = dtype

    def forward(self, image):
        if not isinstance(image, Tensor):
            raise TypeError(f"ConvertImageDtype: expected a Tensor image, got {type(image).__name__}")
        target = to_numpy_dtype(self.dtype)
        arr = image.array
        if arr.dtype == target:
            return image
        src_float, dst_float = np.issubdtype(arr.dtype, np.floating), np.issubdtype(target, np.floating)
        if src_float and dst_float:
            return Tensor(arr.astype(target))
        if src_float:
            top = np.iinfo(target).max
            return Tensor((arr * (top + 1.0 - 1e-3)).astype(target))
        top = np.iinfo(arr.dtype).max
        if dst_float:
            return Tensor((arr.astype(target) / target.type(top)).astype(target))
        raise TypeError(f"ConvertImageDtype: integer to integer conversion ({arr.dtype} -> {target}) is not "
                        "supported by minidl")
