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

_MODES_BY_CHANNELS = {2: ("LA",), 3: ("RGB", "YCbCr", "HSV"), 4: ("RGBA", "CMYK", "RGBX")}
_ONE_CHANNEL_MODES = {"uint8": "L", "int16": "I;16", "int32": "I", "float32": "F"}


class ToPILImage:
    """Tensor (C, H, W) or ndarray (H, W, C) / (H, W) -> PIL image, as torchvision's.

    Float data is scaled by 255 and truncated to bytes (``pic.mul(255).byte()``)
    unless ``mode`` is "F"; uint8 is taken as it is. ``mode`` (default from the
    channel count: L, LA, RGB, RGBA; one channel of int16 / int32 / float32:
    "I;16", "I", "F") names how the channels are read, e.g. "YCbCr" or "HSV".
    """

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        mode = self.mode
        if isinstance(pic, Tensor):
            arr = backend.to_device(pic.array, "cpu")
            arr = arr.transpose(1, 2, 0) if arr.ndim == 3 else arr
        elif isinstance(pic, np.ndarray):
            arr = pic
        else:
            raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3:
            raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
        channels = arr.shape[-1]
        if channels > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {channels} channels.")
        if np.issubdtype(arr.dtype, np.floating) and mode != "F":
            arr = (np.trunc(arr * 255).astype(np.int64) & 255).astype(np.uint8)
        if channels == 1:
            arr = arr[:, :, 0]
            expected = _ONE_CHANNEL_MODES.get(arr.dtype.name)
            if mode is not None and mode != expected:   # torchvision's message names the class np.dtype
                raise ValueError(f"Incorrect mode ({mode}) supplied for input type {np.dtype}. Should be {expected}")
            mode = expected
        else:
            allowed = _MODES_BY_CHANNELS[channels]
            if mode is not None and mode not in allowed:
                raise ValueError(f"Only modes {list(allowed)} are supported for {channels}D inputs")
            if mode is None and arr.dtype == np.uint8:
                mode = allowed[0]
        if mode is None:
            raise TypeError(f"Input type {arr.dtype} is not supported")
        # the pixels read as ``mode``'s raw bytes (what Image.fromarray(arr, mode) did before Pillow 11.3)
        data = np.ascontiguousarray(arr)
        return Image.frombuffer(mode, (data.shape[1], data.shape[0]), data.tobytes(), "raw", mode, 0, 1)

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
    """A Tensor image converted to ``dtype`` with its value range (uint8 0-255 <-> float 0-1, integer <->
    integer by whole powers of two), as torchvision's."""

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
            if (arr.dtype == np.float32 and target in (np.int32, np.int64)) or (arr.dtype == np.float64
                                                                              and target == np.int64):
                raise RuntimeError(f"The cast from torch.{arr.dtype.name} to torch.{target.name} cannot be performed "
                                   "safely.")
            top = np.iinfo(target).max
            return Tensor((arr * (top + 1.0 - 1e-3)).astype(target))
        top = np.iinfo(arr.dtype).max
        if dst_float:   # half precision divides in float32, as torch's opmath
            wide = np.float32 if target.itemsize < 4 else target.type
            with np.errstate(over="ignore"):   # int32 beyond float16's range is inf, silently as torch's
                return Tensor((arr.astype(target).astype(wide) / wide(top)).astype(target))
        out_top = np.iinfo(target).max
        if top > out_top:   # integer to integer: drop (or add) the low bits, as torchvision's
            return Tensor(np.floor_divide(arr, (top + 1) // (out_top + 1)).astype(target))
        return Tensor(arr.astype(target) * target.type((out_top + 1) // (top + 1)))
