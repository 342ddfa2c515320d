"""Keras' image helpers (``keras.utils.load_img`` ... ``keras.preprocessing.image.smart_resize``), on Pillow.

``load_img`` opens a file (or ``io.BytesIO``) as a PIL image, converts it to ``color_mode``
(``"grayscale"`` keeps 16/32-bit grey modes), and resizes it with PIL's ``interpolation``
(``keep_aspect_ratio`` first crops the centred box of the target aspect ratio). ``img_to_array``
and ``array_to_img`` convert between PIL images and float32 (H, W, C) arrays (``scale`` stretches
the array's min..max to 0..255). ``save_img`` writes atomically under the user's umask.
``smart_resize`` crops the centred largest box of the target aspect ratio, then resizes
(``jax.image.resize``-style half-pixel bilinear or nearest), for (H, W, C) or (N, H, W, C) inputs.
``resize_image`` and ``resize_with_pad`` are the NumPy resizes ``image_dataset_from_directory`` uses
(``tf.image.resize`` / ``tf.image.resize_with_pad`` without antialiasing).
"""
from __future__ import annotations

import io
import os
import pathlib
import warnings

import numpy as np
from PIL import Image

from minidl import backend
from minidl.keras.layers._image_ops import _resize_matrix
from minidl.tensor import Tensor

__all__ = ["load_img", "img_to_array", "array_to_img", "save_img", "smart_resize", "resize_image",
           "resize_with_pad", "PIL_INTERPOLATION_METHODS"]

PIL_INTERPOLATION_METHODS = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "hamming": Image.Resampling.HAMMING,
    "box": Image.Resampling.BOX,
    "lanczos": Image.Resampling.LANCZOS,
}
_ARRAY_INTERPOLATIONS = ("bilinear", "nearest")


def _data_format(data_format):
    if data_format is None:
        return "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. "
                         f"Received: data_format={data_format}")
    return data_format


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A PIL image of the (H, W, C) array ``x`` (C = 1, 3 or 4); ``scale`` maps min..max to 0..255."""
    data_format = _data_format(data_format)
    if isinstance(x, Tensor):
        x = backend.to_numpy(x.array)
    x = np.array(x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:  # 32-bit signed grey (PIL mode "I")
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image (or array) as a float32 (H, W, C) array ((C, H, W) for ``channels_first``)."""
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1,) + x.shape) if data_format == "channels_first" else x.reshape(x.shape + (1,))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save the (H, W, C) array ``x`` as an image file (the format from ``file_format`` or the extension;
    a path is written atomically with the user's umask)."""
    data_format = _data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.", stacklevel=2)
        img = img.convert("RGB")
    if not isinstance(path, (str, os.PathLike)):
        img.save(path, format=file_format, **kwargs)
        return
    from minidl.io import atomic_path
    from minidl.serialization._common import chmod_for_umask
    with atomic_path(path) as tmp:
        img.save(tmp, format=file_format or None, **kwargs)
        chmod_for_umask(tmp)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """Load an image file as a PIL image in ``color_mode`` (``"rgb"``, ``"rgba"``, ``"grayscale"``),
    resized to ``target_size`` = (height, width) when given."""
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if target_size is not None:
        width_height = (int(target_size[1]), int(target_size[0]))
        if img.size != width_height:
            if interpolation not in PIL_INTERPOLATION_METHODS:
                raise ValueError(f"Invalid interpolation method {interpolation} specified. Supported methods "
                                 f"are {', '.join(PIL_INTERPOLATION_METHODS)}")
            resample = PIL_INTERPOLATION_METHODS[interpolation]
            if keep_aspect_ratio:
                width, height = img.size
                crop_height = min(height, (width * width_height[1]) // width_height[0])
                crop_width = min(width, (height * width_height[0]) // width_height[1])
                top, left = (height - crop_height) // 2, (width - crop_width) // 2
                img = img.resize(width_height, resample, box=[left, top, left + crop_width, top + crop_height])
            else:
                img = img.resize(width_height, resample)
    return img


def resize_image(image, size, interpolation="bilinear"):
    """(H, W, C) or (N, H, W, C) NumPy ``image`` resized to ``size`` = (height, width), float32."""
    if interpolation not in _ARRAY_INTERPOLATIONS:
        raise NotImplementedError(f"interpolation={interpolation!r} is not supported by minidl.keras for array "
                                  f"resizing (use one of {_ARRAY_INTERPOLATIONS})")
    image = np.asarray(image, dtype=np.float32)
    height, width = int(size[0]), int(size[1])
    h, w = image.shape[-3], image.shape[-2]
    out = image
    if h != height:
        out = np.einsum("oh,...hwc->...owc", _resize_matrix(h, height, interpolation), out)
    if w != width:
        out = np.einsum("ow,...hwc->...hoc", _resize_matrix(w, width, interpolation), out)
    return out.astype(np.float32)


def _aspect_box(height, width, target_height, target_width):
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return int(float(height - crop_height) / 2), int(float(width - crop_width) / 2), crop_height, crop_width


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", **kwargs):
    """Resize (H, W, C) or (N, H, W, C) images to ``size`` without distorting them: crop the centred
    largest box of the target aspect ratio, then resize. NumPy in, NumPy out; a Tensor in, a Tensor out."""
    kwargs.pop("backend_module", None)
    if kwargs:
        raise TypeError(f"smart_resize() got unexpected keyword arguments: {list(kwargs.keys())}")
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    is_tensor = isinstance(x, Tensor)
    img = backend.to_numpy(x.array) if is_tensor else np.asarray(x)
    if img.ndim < 3 or img.ndim > 4:
        raise ValueError("Expected an image array with shape `(height, width, channels)`, or `(batch_size, "
                         f"height, width, channels)`, but got input with incorrect rank, of shape {img.shape}.")
    if data_format == "channels_first":
        img = np.moveaxis(img, -3, -1)
    top, left, crop_height, crop_width = _aspect_box(img.shape[-3], img.shape[-2], size[0], size[1])
    img = img[..., top:top + crop_height, left:left + crop_width, :]
    out = resize_image(img, size, interpolation)
    if data_format == "channels_first":
        out = np.moveaxis(out, -1, -3)
    return Tensor(np.ascontiguousarray(out)) if is_tensor else out


def resize_with_pad(image, height, width, interpolation="bilinear"):
    """``tf.image.resize_with_pad``: resize (H, W, C) ``image`` to fit (height, width) keeping its aspect
    ratio, then pad with zeros, centred."""
    h, w = image.shape[0], image.shape[1]
    ratio = max(h / height, w / width)
    new_h, new_w = int(np.floor(h / ratio)), int(np.floor(w / ratio))
    resized = resize_image(image, (new_h, new_w), interpolation)
    top = max(0, int(np.floor((height - h / ratio) / 2)))  # (tf pads by the unrounded size)
    left = max(0, int(np.floor((width - w / ratio) / 2)))
    out = np.zeros((height, width, image.shape[2]), np.float32)
    out[top:top + new_h, left:left + new_w] = resized
    return out
