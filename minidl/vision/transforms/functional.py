"""``minidl.vision.transforms.functional``: torchvision's functional transforms (``import ... as F``).

Each function takes a PIL image or a Tensor image (..., C, H, W) (uint8 0-255
or float 0-1) and returns the same kind. PIL images go through Pillow as
torchvision's PIL backend does (``resize``, ``rotate``, ``affine`` and
``perspective`` are Pillow's own resamplers, colour changes ``ImageEnhance``
and ``ImageOps``), so results match torchvision's pixel for pixel; Tensor
images go through NumPy kernels that follow torchvision's tensor backend
(``grid_sample``-style sampling with a fill mask, antialiased bilinear resize,
float math cast back to the input dtype). Nothing here draws random numbers:
the random transforms of :mod:`minidl.vision.transforms` draw the parameters
and call these.

Limits (as torchvision's): Tensor resizing supports NEAREST, NEAREST_EXACT, BILINEAR and BICUBIC; Tensor
rotate/affine/perspective NEAREST and BILINEAR (as torchvision's tensors).
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np
from PIL import Image

from ... import backend
from ...tensor import Tensor
from .._image import is_pil
from . import InterpolationMode
from . import _geometry_ops as G
from ._functional_color import (
    adjust_brightness,
    adjust_contrast,
    adjust_gamma,
    adjust_hue,
    adjust_saturation,
    adjust_sharpness,
    autocontrast,
    equalize,
    gaussian_blur,
    invert,
    on_tensor,
    posterize,
    require_image,
    rgb_to_grayscale,
    solarize,
    to_grayscale,
)

__all__ = ["InterpolationMode", "get_dimensions", "get_image_size", "get_image_num_channels", "to_tensor",
           "pil_to_tensor", "to_pil_image", "convert_image_dtype", "normalize", "resize", "crop", "center_crop",
           "resized_crop", "pad", "hflip", "vflip", "five_crop", "ten_crop", "rotate", "affine", "perspective",
           "erase", "adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue", "adjust_sharpness",
           "adjust_gamma", "rgb_to_grayscale", "to_grayscale", "invert", "posterize", "solarize", "autocontrast",
           "equalize", "gaussian_blur", "elastic_transform"]

_PIL_FILTERS = {"nearest": 0, "nearest-exact": 0, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5,
                "lanczos": 1}
_FROM_PIL_INT = {0: "NEAREST", 2: "BILINEAR", 3: "BICUBIC", 4: "BOX", 5: "HAMMING", 1: "LANCZOS"}


def interpolation_mode(interpolation) -> InterpolationMode:
    """``interpolation`` as an InterpolationMode (Pillow's integer constants are accepted, as torchvision)."""
    if isinstance(interpolation, InterpolationMode):
        return interpolation
    if isinstance(interpolation, int) and not isinstance(interpolation, bool) and interpolation in _FROM_PIL_INT:
        return InterpolationMode[_FROM_PIL_INT[interpolation]]
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer "
                    f"constant, got {interpolation!r}")


# --- image facts and conversions ------------------------------------------------------------------

def get_dimensions(img) -> list:
    """``[channels, height, width]`` of a PIL or Tensor image."""
    require_image(img)
    if is_pil(img):
        width, height = img.size
        return [len(img.getbands()), height, width]
    shape = tuple(img.shape)
    if len(shape) < 2:
        raise TypeError("Tensor is not a torch image.")
    return [1 if len(shape) == 2 else shape[-3], shape[-2], shape[-1]]


def get_image_size(img) -> list:
    """``[width, height]`` of a PIL or Tensor image."""
    _, height, width = get_dimensions(img)
    return [width, height]


def get_image_num_channels(img) -> int:
    """The number of channels of a PIL or Tensor image."""
    return get_dimensions(img)[0]


def to_tensor(pic):
    """PIL image or ndarray (H, W, C) -> Tensor (C, H, W); uint8 becomes float32 in [0, 1]."""
    from . import ToTensor
    return ToTensor()(pic)


def pil_to_tensor(pic):
    """PIL image -> uint8 Tensor (C, H, W) with the same values."""
    from . import PILToTensor
    return PILToTensor()(pic)


def to_pil_image(pic, mode=None):
    """Tensor (C, H, W) or ndarray (H, W, C) -> PIL image (floats are scaled by 255)."""
    from ..transforms_extra import ToPILImage
    return ToPILImage(mode)(pic)


def convert_image_dtype(image, dtype=None):
    """A Tensor image in ``dtype`` (default float32) with its value range rescaled (0-255 <-> 0-1)."""
    from ..transforms_extra import ConvertImageDtype
    return ConvertImageDtype(np.float32 if dtype is None else dtype)(image)


def normalize_array(x, mean, std):
    """``(x - mean) / std`` per channel of a float array (..., C, H, W), computed in ``x``'s dtype."""
    mean = np.asarray(mean, x.dtype).reshape(-1, 1, 1)
    std = np.asarray(std, x.dtype).reshape(-1, 1, 1)
    if np.any(std == 0):
        raise ValueError(f"std evaluated to zero after conversion to torch.{x.dtype.name}, leading to division "
                         "by zero.")
    return (x - mean) / std


def check_normalize_shapes(shape, mean, std, dtype):
    """torchvision's ValueError for a zero ``std`` (in ``dtype``), then its RuntimeError when ``mean`` /
    ``std`` do not broadcast to an image of ``shape`` (its in-place ``sub_`` / ``div_`` refuse to grow it)."""
    if np.any(np.asarray(std, dtype) == 0):
        raise ValueError(f"std evaluated to zero after conversion to torch.{np.dtype(dtype).name}, leading to division "
                         "by zero.")
    for v in (mean, std):
        k = np.asarray(v).reshape(-1).size
        try:
            grown = np.broadcast_shapes(tuple(shape), (k, 1, 1))
        except ValueError:
            raise RuntimeError(f"The size of tensor a ({shape[-3]}) must match the size of tensor b ({k}) at "
                               f"non-singleton dimension {len(shape) - 3}") from None
        if grown != tuple(shape):
            raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape {list(grown)}")


def normalize(tensor, mean, std, inplace=False):
    """Normalise a float Tensor image (..., C, H, W) per channel: ``(x - mean) / std``."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if tensor.array.dtype.kind != "f":
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tuple(tensor.shape)}")
    check_normalize_shapes(tuple(tensor.shape), mean, std, tensor.array.dtype)
    if tensor.requires_grad:  # torchvision's arithmetic on the Tensor itself, so gradients flow through
        return _normalize_differentiable(tensor, mean, std, inplace)
    out = on_tensor(tensor, lambda x: normalize_array(x, mean, std))
    if inplace:
        tensor.array[...] = out.array
        return tensor
    return out


def _normalize_differentiable(tensor, mean, std, inplace):
    """``tensor.sub_(mean).div_(std)`` on a clone (or, with ``inplace``, on ``tensor``), as torchvision's
    ``F.normalize``: differentiable, and an in-place call on a leaf that requires grad is refused."""
    from ... import as_tensor
    mean = as_tensor(np.asarray(mean, tensor.array.dtype), device=tensor.device)
    std = as_tensor(np.asarray(std, tensor.array.dtype), device=tensor.device)
    if bool((std == 0).any()):
        raise ValueError(f"std evaluated to zero after conversion to torch.{tensor.array.dtype.name}, leading to "
                         "division by zero.")
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    if not inplace:
        tensor = tensor.clone()
    return tensor.sub_(mean).div_(std)


# --- geometry -------------------------------------------------------------------------------------

def resized_output_size(height, width, size, max_size=None):
    """torchvision's output [height, width] for ``size`` (int / [s]: smaller edge; [h, w]: exact)."""
    if len(size) == 2:
        return [int(size[0]), int(size[1])]
    short, long = (width, height) if width <= height else (height, width)
    new_short = int(size[0])
    new_long = int(new_short * long / short)
    if max_size is not None:
        if max_size <= new_short:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                             f"smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    new_w, new_h = (new_short, new_long) if width <= height else (new_long, new_short)
    return [new_h, new_w]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to ``size``: (h, w), or an int / [int] for the smaller edge (aspect ratio kept, the
    longer edge capped at ``max_size``). PIL images use Pillow's filter of ``interpolation``; Tensor
    images NEAREST, NEAREST_EXACT, BILINEAR or BICUBIC (antialiased unless ``antialias=False``)."""
    require_image(img)
    interpolation = interpolation_mode(interpolation)
    if isinstance(size, numbers.Number) and not isinstance(size, bool):
        size = [int(size)]
    elif isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element "
                             "tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                             "i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    else:
        raise TypeError(f"Got inappropriate size arg: {size}")
    _, height, width = get_dimensions(img)
    out_hw = resized_output_size(height, width, size, max_size)
    if [height, width] == out_hw:
        return img
    if is_pil(img):
        return img.resize((out_hw[1], out_hw[0]), _PIL_FILTERS[interpolation.value])
    _check_tensor_resize(tuple(img.shape), out_hw, interpolation.value)
    mode = interpolation.value
    return on_tensor(img, lambda x: G.resize_array(x, out_hw, mode, bool(antialias)))


def _check_tensor_resize(shape, out_hw, mode):
    """torchvision's refusals of a Tensor resize (its messages: they come from ``interpolate``)."""
    if len(shape) == 2:   # torchvision reads (H, W) as one image row of H channels
        raise ValueError("Input and output must have the same number of spatial dimensions, but got input with "
                         f"spatial dimensions of [{shape[-1]}] and output size of {list(out_hw)}. Please provide "
                         "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
    if mode == "lanczos":   # torchvision turns antialias off for every mode but bilinear and bicubic
        raise ValueError("Lanczos mode requires antialias=True")
    if mode not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {max(len(shape), 4)}D)"
                                  " for the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area "
                                  f"| nearest-exact (got {mode})")


def crop(img, top: int, left: int, height: int, width: int):
    """The (height, width) region whose top-left corner is (top, left); outside the image is zeros."""
    require_image(img)
    top, left, height, width = int(top), int(left), int(height), int(width)
    if is_pil(img):
        return img.crop((left, top, left + width, top + height))
    return on_tensor(img, lambda x: G.crop_array(x, top, left, height, width))


def _crop_size(output_size, message="Please provide only two dimensions (h, w) for size."):
    if isinstance(output_size, numbers.Number):
        return int(output_size), int(output_size)
    if isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        return int(output_size[0]), int(output_size[0])
    if len(output_size) != 2:
        raise ValueError(message)
    return int(output_size[0]), int(output_size[1])


def center_crop(img, output_size):
    """The central ``output_size`` (int or (h, w)) region; a smaller image is first padded with zeros."""
    require_image(img)
    crop_h, crop_w = _crop_size(output_size)
    _, height, width = get_dimensions(img)
    if crop_w > width or crop_h > height:
        dw, dh = max(crop_w - width, 0), max(crop_h - height, 0)
        img = pad(img, [dw // 2, dh // 2, (dw + 1) // 2, (dh + 1) // 2], fill=0)
        _, height, width = get_dimensions(img)
        if crop_w == width and crop_h == height:
            return img
    top = int(round((height - crop_h) / 2.0))
    left = int(round((width - crop_w) / 2.0))
    return crop(img, top, left, crop_h, crop_w)


def resized_crop(img, top: int, left: int, height: int, width: int, size,
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
    """:func:`crop` then :func:`resize` to ``size``."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def _padding_ltrb(padding):
    if not isinstance(padding, (numbers.Number, tuple, list)) or isinstance(padding, bool):
        raise TypeError("Got inappropriate padding arg")
    if isinstance(padding, numbers.Number):
        return [int(padding)] * 4
    if len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element "
                         "tuple")
    padding = [int(p) for p in padding]
    if len(padding) == 1:
        return padding * 4
    return padding * 2 if len(padding) == 2 else padding


def _pil_from_array(arr, like):
    """A PIL image of ``like``'s mode (and palette) from an (H, W[, C]) uint8 array."""
    out = Image.fromarray(np.ascontiguousarray(arr))
    if out.mode != like.mode:
        out = Image.frombytes(like.mode, (arr.shape[1], arr.shape[0]), np.ascontiguousarray(arr).tobytes())
    if like.mode == "P" and like.getpalette() is not None:
        out.putpalette(like.getpalette())
    return out


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad each side: ``padding`` int, (left/right, top/bottom) or (left, top, right, bottom);
    ``padding_mode`` "constant" (with ``fill``: a number, or for PIL images one per channel), "edge",
    "reflect" or "symmetric". Negative padding crops."""
    require_image(img)
    pil = is_pil(img)
    if not isinstance(padding, (int if not pil else numbers.Number, tuple, list)) or isinstance(padding, bool):
        raise TypeError("Got inappropriate padding arg")
    if fill is None:
        fill = 0
    if not isinstance(fill, (numbers.Number, tuple, list) if pil else (int, float)):
        raise TypeError("Got inappropriate fill arg")   # a Tensor takes one number, as torchvision's
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    ltrb = _padding_ltrb(padding)
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if pil:
        bad = [p for p in (padding if isinstance(padding, (tuple, list)) else [padding])
               if not isinstance(p, numbers.Integral)]
        if bad:   # Pillow's (and NumPy's) refusal of a fractional border
            raise TypeError(f"'{type(bad[0]).__name__}' object cannot be interpreted as an integer")
        if padding_mode == "constant":
            fill = _pil_fill(fill, img)
        arr = np.asarray(img)
        x = arr[None, None] if arr.ndim == 2 else arr.transpose(2, 0, 1)[None]
        y = G.pad_array(x, *ltrb, fill=fill, mode=padding_mode)[0]
        return _pil_from_array(y[0] if arr.ndim == 2 else y.transpose(1, 2, 0), img)
    _check_tensor_pad(tuple(img.shape), ltrb, padding_mode)
    return on_tensor(img, lambda x: G.pad_array(x, *ltrb, fill=fill, mode=padding_mode))


def _check_tensor_pad(shape, ltrb, mode):
    """torchvision's (torch.nn.functional.pad's) refusals of a non-constant Tensor padding."""
    left, top, right, bottom = ltrb
    if mode == "symmetric":
        if len(shape) not in (3, 4):
            raise RuntimeError("Symmetric padding of N-D tensors are not supported yet")
        for pad_a, pad_b, size, dim in ((top, bottom, shape[-2], 0), (left, right, shape[-1], 1)):
            if max(pad_a, pad_b) > size:
                bad = pad_a - 1 if pad_a > size else -pad_b
                raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
    elif mode in ("reflect", "edge"):
        if len(shape) > 4:
            raise NotImplementedError(f"Padding size 4 is not supported for {len(shape)}D input tensor.")
        if mode == "reflect":
            batched = list(shape) if len(shape) == 4 else [1] + list(shape)
            for pair, size, dim, arg in (((left, right), shape[-1], len(batched) - 1, 4),
                                         ((top, bottom), shape[-2], len(batched) - 2, 6)):
                if max(pair) >= size:
                    raise RuntimeError(f"Argument #{arg}: Padding size should be less than the corresponding input "
                                       f"dimension, but got: padding {pair} at dimension {dim} of input {batched}")


def hflip(img):
    """Mirror left-right."""
    require_image(img)
    if is_pil(img):
        return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return on_tensor(img, lambda x: x[..., ::-1])


def vflip(img):
    """Mirror top-bottom."""
    require_image(img)
    if is_pil(img):
        return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    return on_tensor(img, lambda x: x[..., ::-1, :])


def five_crop(img, size):
    """The four corner crops and the central crop of ``size`` (int or (h, w)):
    ``(top_left, top_right, bottom_left, bottom_right, center)``."""
    crop_h, crop_w = _crop_size(size)
    _, height, width = get_dimensions(img)
    if crop_w > width or crop_h > height:
        raise ValueError(f"Requested crop size {size} is bigger than input size {(height, width)}")
    tl = crop(img, 0, 0, crop_h, crop_w)
    tr = crop(img, 0, width - crop_w, crop_h, crop_w)
    bl = crop(img, height - crop_h, 0, crop_h, crop_w)
    br = crop(img, height - crop_h, width - crop_w, crop_h, crop_w)
    return tl, tr, bl, br, center_crop(img, [crop_h, crop_w])


def ten_crop(img, size, vertical_flip=False):
    """:func:`five_crop` of the image and of its mirror (left-right, or top-bottom with
    ``vertical_flip``): a tuple of 10 images."""
    first = five_crop(img, size)
    return first + five_crop(vflip(img) if vertical_flip else hflip(img), size)


def _pil_fill(fill, img):
    bands = len(img.getbands())
    if fill is None:
        fill = 0
    if isinstance(fill, numbers.Number) and bands > 1:
        fill = (fill,) * bands
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * bands
        elif len(fill) != bands:
            raise ValueError("The number of elements in 'fill' does not match the number of channels of the image "
                             f"({len(fill)} != {bands})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(v) for v in fill) if isinstance(fill, tuple) else int(fill)
    return fill


def _tensor_mode(interpolation, who):
    mode = interpolation_mode(interpolation).value
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{mode}' is unsupported with Tensor input ({who})")
    return mode


def _check_fill(fill, img=None):
    """torchvision checks no fill type up front: a fill that is not a number or a sequence fails where it
    is converted (``int`` for PIL images, ``float`` for Tensors, after a warning), with Python's error."""
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        if img is not None and not is_pil(img):
            warnings.warn("Argument fill should be either int, float, tuple or list", stacklevel=3)
        (int if img is not None and is_pil(img) else float)(fill)
        raise TypeError("Fill should be either a sequence or a number.")   # converted, yet no number


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """Rotate by ``angle`` degrees counter-clockwise about ``center`` ((x, y) pixels, default the image
    centre); ``expand`` grows the output to hold the whole image; ``fill`` where nothing maps."""
    require_image(img)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    _check_fill(fill, img)
    interpolation = interpolation_mode(interpolation)
    if is_pil(img):
        return img.rotate(angle, _PIL_FILTERS[interpolation.value], expand, center, fillcolor=_pil_fill(fill, img))
    mode = _tensor_mode(interpolation, "rotate")
    _, height, width = get_dimensions(img)
    center_f = [0.0, 0.0] if center is None else [c - s * 0.5 for c, s in zip(center, [width, height])]
    matrix = G.inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    out_size = G.affine_output_size(matrix, width, height) if expand else None
    return on_tensor(img, lambda x: G.warp_affine(x, matrix, mode, fill, out_size))


def affine(img, angle: float, translate, scale: float, shear, interpolation=InterpolationMode.NEAREST,
           fill=None, center=None):
    """Rotate by ``angle`` degrees (clockwise), shift by ``translate`` (dx, dy) pixels, zoom by
    ``scale`` and shear by ``shear`` degrees (a number: x only; (sx, sy)), about ``center``
    (default the image centre), keeping the input size."""
    require_image(img)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    if isinstance(shear, numbers.Number):
        shear = [shear, 0.0]
    if isinstance(shear, (list, tuple)) and len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    _check_fill(fill, img)
    interpolation = interpolation_mode(interpolation)
    _, height, width = get_dimensions(img)
    shear = [float(s) for s in shear]
    if is_pil(img):
        center_px = [width * 0.5, height * 0.5] if center is None else list(center)
        matrix = G.inverse_affine_matrix(center_px, angle, list(translate), scale, shear)
        return img.transform((width, height), Image.Transform.AFFINE, matrix, _PIL_FILTERS[interpolation.value],
                             fillcolor=_pil_fill(fill, img))
    mode = _tensor_mode(interpolation, "affine")
    center_f = [0.0, 0.0] if center is None else [c - s * 0.5 for c, s in zip(center, [width, height])]
    matrix = G.inverse_affine_matrix(center_f, angle, [float(t) for t in translate], scale, shear)
    return on_tensor(img, lambda x: G.warp_affine(x, matrix, mode, fill))


def perspective(img, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR, fill=None):
    """Warp so that the four ``startpoints`` ([x, y] corners: top-left, top-right, bottom-right,
    bottom-left) land on ``endpoints``."""
    require_image(img)
    coeffs = G.perspective_coeffs(startpoints, endpoints)
    _check_fill(fill, img)
    interpolation = interpolation_mode(interpolation)
    if is_pil(img):
        return img.transform(img.size, Image.Transform.PERSPECTIVE, coeffs, _PIL_FILTERS[interpolation.value],
                             fillcolor=_pil_fill(fill, img))
    mode = _tensor_mode(interpolation, "perspective")
    return on_tensor(img, lambda x: G.warp_perspective(x, coeffs, mode, fill))


def elastic_transform(img, displacement, interpolation=InterpolationMode.BILINEAR, fill=None):
    """Move every pixel by ``displacement`` (a Tensor (1, H, W, 2) of (dx, dy) in normalised units:
    1 is half the width / height), as torchvision's; PIL images are warped as uint8 Tensors."""
    require_image(img)
    if not isinstance(displacement, Tensor):
        raise TypeError("Argument displacement should be a Tensor")
    _, height, width = get_dimensions(img)
    if tuple(displacement.shape) != (1, height, width, 2):
        raise ValueError(f"Argument displacement shape should be {[1, height, width, 2]}, but given "
                         f"{list(displacement.shape)}")
    _check_fill(fill, img)
    mode = _tensor_mode(interpolation, "elastic_transform")
    disp = backend.to_numpy(displacement.array)[0].astype(np.float64)
    if is_pil(img):
        out = elastic_transform(pil_to_tensor(img), displacement, interpolation, fill)
        return to_pil_image(out, mode=img.mode)
    return on_tensor(img, lambda x: G.warp_elastic(x, disp, mode, fill))


def _check_erase_value(target, shape):
    """torch's RuntimeError when an erase value of ``shape`` does not expand to the region ``target``."""
    if len(shape) > len(target):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(target)}): the number of sizes "
                           f"provided ({len(target)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({len(shape)})")
    for dim in range(len(target) - 1, -1, -1):
        k = dim - (len(target) - len(shape))
        if k >= 0 and shape[k] != 1 and shape[k] != target[dim]:
            raise RuntimeError(f"The expanded size of the tensor ({target[dim]}) must match the existing size "
                               f"({shape[k]}) at non-singleton dimension {dim}.  Target sizes: {list(target)}.  "
                               f"Tensor sizes: {list(shape)}")


def erase(img, i: int, j: int, h: int, w: int, v, inplace=False):
    """Set the (h, w) region at row ``i``, column ``j`` of a Tensor image to ``v`` (a number or a
    Tensor broadcastable to (..., C, h, w))."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    value = backend.to_numpy(v.array) if isinstance(v, Tensor) else v
    if not isinstance(value, numbers.Number):
        _check_erase_value(tuple(img.shape[:-2]) + (len(range(img.shape[-2])[i:i + h]),
                                                    len(range(img.shape[-1])[j:j + w])), np.shape(value))
        value = backend.to_device(np.asarray(value), img.device)   # onto the image's device
    if inplace:
        img.array[..., i:i + h, j:j + w] = value
        return img
    data = img.array.copy()
    data[..., i:i + h, j:j + w] = value
    return Tensor(data)
