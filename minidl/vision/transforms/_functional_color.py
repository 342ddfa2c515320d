"""The colour half of :mod:`minidl.vision.transforms.functional` (torchvision's names and arguments).

PIL images go through Pillow exactly as torchvision's PIL backend does
(``ImageEnhance``, ``ImageOps``, an HSV round trip for the hue); Tensor images
(..., C, H, W) go through the NumPy kernels of :mod:`._color_ops`.
"""
from __future__ import annotations

import numbers

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from ... import backend
from ...tensor import Tensor
from .._image import is_pil
from . import _color_ops as C

__all__ = ["adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue", "adjust_sharpness",
           "adjust_gamma", "rgb_to_grayscale", "to_grayscale", "invert", "posterize", "solarize", "autocontrast",
           "equalize", "gaussian_blur"]


def require_image(img):
    """TypeError unless ``img`` is a PIL image or a Tensor (torchvision's message)."""
    if not (is_pil(img) or isinstance(img, Tensor)):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def on_tensor(img, fn):
    """Apply the batch kernel ``fn`` ((N, C, H, W) -> (N, C', H', W')) to a Tensor image (..., C, H, W)
    or (H, W); returns a Tensor of the same leading shape on ``img``'s device."""
    arr = backend.to_numpy(img.array)
    if arr.ndim < 2:
        raise TypeError(f"Tensor is not a torch image: expected (..., C, H, W) or (H, W), got shape "
                        f"{tuple(arr.shape)}")
    flat = arr.ndim == 2
    x = arr[None, None] if flat else arr.reshape((-1,) + arr.shape[-3:])
    y = fn(x)
    y = y[0, 0] if flat and y.shape[1] == 1 else (y[0] if flat else y.reshape(arr.shape[:-3] + y.shape[1:]))
    return Tensor(backend.to_device(np.ascontiguousarray(y), img.device))


def _need_3d(img, upper=None):
    """torchvision's TypeError for a Tensor image of fewer than 3 (or more than ``upper``) dimensions."""
    if upper is not None and not 3 <= img.ndim <= upper:
        raise TypeError(f"Input image tensor should have 3 or 4 dimensions, but found {img.ndim}")
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")


def _non_negative(value, name):
    if value < 0:
        raise ValueError(f"{name} ({value}) is not non-negative.")


def _check_pil(img):
    if not is_pil(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def adjust_brightness(img, brightness_factor: float):
    """Multiply the brightness by ``brightness_factor`` (0: black, 1: unchanged)."""
    require_image(img)
    if is_pil(img):   # torchvision hands any factor to Pillow
        return ImageEnhance.Brightness(img).enhance(brightness_factor)
    _non_negative(brightness_factor, "brightness_factor")
    return on_tensor(img, lambda x: C.adjust_brightness(x, brightness_factor))


def adjust_contrast(img, contrast_factor: float):
    """Scale the contrast about the mean grey level (0: flat grey, 1: unchanged)."""
    require_image(img)
    if is_pil(img):   # torchvision hands any factor to Pillow
        return ImageEnhance.Contrast(img).enhance(contrast_factor)
    _non_negative(contrast_factor, "contrast_factor")
    if img.ndim < 3:   # the mean over (-3, -2, -1) of torchvision
        raise IndexError(f"Dimension out of range (expected to be in range of [-{img.ndim}, {img.ndim - 1}], "
                         "but got -3)")
    return on_tensor(img, lambda x: C.adjust_contrast(x, contrast_factor))


def adjust_saturation(img, saturation_factor: float):
    """Scale the saturation (0: grey, 1: unchanged, 2: doubled)."""
    require_image(img)
    if is_pil(img):   # torchvision hands any factor to Pillow
        return ImageEnhance.Color(img).enhance(saturation_factor)
    _non_negative(saturation_factor, "saturation_factor")
    return on_tensor(img, lambda x: C.adjust_saturation(x, saturation_factor))


def adjust_sharpness(img, sharpness_factor: float):
    """Sharpen (> 1) or smooth (< 1) with PIL's 3x3 smoothing kernel; borders are kept."""
    require_image(img)
    if is_pil(img):   # torchvision hands any factor to Pillow
        return ImageEnhance.Sharpness(img).enhance(sharpness_factor)
    _non_negative(sharpness_factor, "sharpness_factor")
    if img.ndim < 3:   # torchvision's blur reads img.shape[-3]
        raise IndexError("tuple index out of range")
    return on_tensor(img, lambda x: C.adjust_sharpness(x, sharpness_factor))


def adjust_hue(img, hue_factor: float):
    """Shift the hue by ``hue_factor`` in [-0.5, 0.5] of a full turn (HSV); grey images are unchanged."""
    require_image(img)
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if isinstance(img, Tensor):
        return on_tensor(img, lambda x: C.adjust_hue(x, hue_factor))
    mode = img.mode
    if mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    shift = int(hue_factor * 255)  # a uint8 cast: truncation, then wrap around
    hue = ((np.asarray(h, np.int64) + shift) % 256).astype(np.uint8)
    return Image.merge("HSV", (Image.fromarray(hue, "L"), s, v)).convert(mode)


def adjust_gamma(img, gamma: float, gain: float = 1):
    """``gain * img ** gamma`` on the [0, 1] scale."""
    require_image(img)
    if is_pil(img) and gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    if isinstance(img, Tensor):
        channels = 1 if img.ndim == 2 else img.shape[-3]
        if channels not in (1, 3):
            raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {channels}")
        if gamma < 0:
            raise ValueError("Gamma should be a non-negative real number")
        return on_tensor(img, lambda x: C.adjust_gamma(x, gamma, gain))
    mode = img.mode
    table = [int((255 + 1 - 1e-3) * gain * pow(v / 255.0, gamma)) for v in range(256)] * 3
    return img.convert("RGB").point(table).convert(mode)


def _grey_channels(num_output_channels):
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")


def to_grayscale(img, num_output_channels: int = 1):
    """A PIL image in grey (ITU-R 601-2 luma), mode "L" or, with 3 channels, "RGB"."""
    if not is_pil(img):
        raise TypeError("Input should be PIL Image")
    _grey_channels(num_output_channels)
    grey = img.convert("L")
    return grey if num_output_channels == 1 else Image.merge("RGB", (grey, grey, grey))


def rgb_to_grayscale(img, num_output_channels: int = 1):
    """Grey version of a PIL or Tensor RGB image (``0.2989 R + 0.587 G + 0.114 B``), 1 or 3 channels."""
    require_image(img)
    if is_pil(img):
        return to_grayscale(img, num_output_channels)
    _need_3d(img)
    if img.shape[-3] not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {img.shape[-3]}")
    _grey_channels(num_output_channels)
    return on_tensor(img, lambda x: C.rgb_to_grayscale(x, num_output_channels))


def invert(img):
    """The negative: ``255 - img`` (uint8) or ``1 - img`` (float)."""
    require_image(img)
    if is_pil(img):
        return ImageOps.invert(img)
    _need_3d(img)
    return on_tensor(img, C.invert)


def posterize(img, bits: int):
    """Keep the ``bits`` (0-8) highest bits of each channel (uint8 Tensors or PIL images)."""
    require_image(img)
    if not (0 <= bits <= 8):
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    if is_pil(img):
        return ImageOps.posterize(img, bits)
    _need_3d(img)
    return on_tensor(img, lambda x: C.posterize(x, bits))


def solarize(img, threshold: float):
    """Invert every value at or above ``threshold``."""
    require_image(img)
    if is_pil(img):
        return ImageOps.solarize(img, threshold)
    _need_3d(img)
    return on_tensor(img, lambda x: C.solarize(x, threshold))


def autocontrast(img):
    """Stretch each channel so its darkest value becomes 0 and its brightest the maximum."""
    require_image(img)
    if is_pil(img):
        return ImageOps.autocontrast(img)
    _need_3d(img)
    return on_tensor(img, C.autocontrast)


def equalize(img):
    """Equalise each channel's histogram (uint8 Tensors or PIL images)."""
    require_image(img)
    if is_pil(img):
        return ImageOps.equalize(img)
    _need_3d(img, upper=4)
    return on_tensor(img, C.equalize)


def _kernel_args(kernel_size, sigma):
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got {type(kernel_size)}")
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}")
    for k in kernel_size:
        if k % 2 == 0 or k < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in kernel_size]
    if not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    if isinstance(sigma, numbers.Number):
        sigma = [float(sigma), float(sigma)]
    if isinstance(sigma, (list, tuple)) and len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    return [int(k) for k in kernel_size], [float(s) for s in sigma]


def gaussian_blur(img, kernel_size, sigma=None):
    """Blur with a Gaussian kernel: ``kernel_size`` (kx, ky) odd ints (or one int), ``sigma`` (sx, sy)
    (default ``0.3 * ((k - 1) * 0.5 - 1) + 0.8`` per axis); borders reflect. PIL images are blurred
    through a uint8 Tensor, as torchvision does."""
    require_image(img)
    kernel_size, sigma = _kernel_args(kernel_size, sigma)
    if is_pil(img):   # torchvision's route: pil_to_tensor, the Tensor blur, to_pil_image in the same mode
        from ..transforms_extra import ToPILImage
        arr = np.array(img, copy=True)
        x = arr.reshape(img.size[1], img.size[0], len(img.getbands())).transpose(2, 0, 1)
        return ToPILImage(img.mode)(on_tensor(Tensor(np.ascontiguousarray(x)),
                                              lambda b: C.gaussian_blur(b, kernel_size, sigma)))
    if img.ndim < 3:   # torchvision's kernel reads img.shape[-3]
        raise IndexError("tuple index out of range")
    return on_tensor(img, lambda x: C.gaussian_blur(x, kernel_size, sigma))
