"""``keras.ops.image`` on minidl Tensors: ``resize``, ``affine_transform``, ``pad_images``,
``crop_images``, colour conversions, ``extract_patches``, ``gaussian_blur``, ``map_coordinates``.

Images are ``(H, W, C)`` or ``(N, H, W, C)`` (``data_format="channels_last"``, Keras' default)
or channels-first with ``"channels_first"``. Resampling reuses the Keras preprocessing layers'
kernels (``minidl.keras.layers._image_ops``: JAX's sampling rules), so values match Keras and
gradients flow to the pixels.
"""
from __future__ import annotations

import numpy as np

import minidl
import minidl.nn.functional as F
from minidl.keras.layers import _image_ops
from minidl.tensor import Tensor

__all__ = ["resize", "affine_transform", "pad_images", "crop_images", "rgb_to_grayscale", "rgb_to_hsv",
           "hsv_to_rgb", "extract_patches", "gaussian_blur", "map_coordinates"]


def _t(x):
    from minidl.keras.ops import convert_to_tensor
    x = convert_to_tensor(x)
    return x if x.is_floating_point() else x.float()


def _numpy(x):
    from minidl.keras.ops import convert_to_numpy
    return convert_to_numpy(x)


def _nchw(images, data_format, name):
    """``(x as (N, C, H, W), undo)``: ``undo`` maps a result back to the caller's layout and rank."""
    x = _t(images)
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{name}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    if x.ndim not in (3, 4):
        raise ValueError(f"Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
                         f"Received input with shape: images.shape={tuple(x.shape)}")
    single = x.ndim == 3
    x = x.unsqueeze(0) if single else x
    last = data_format == "channels_last"
    x = x.permute(0, 3, 1, 2) if last else x

    def undo(y):
        y = y.permute(0, 2, 3, 1) if last else y
        return y[0] if single else y
    return x, undo


_RESIZE_METHODS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None) -> Tensor:
    """``images`` resampled to ``size = (height, width)`` as ``jax.image.resize``: ``interpolation``
    ``"bilinear"``, ``"nearest"``, ``"bicubic"`` (Keys), ``"lanczos3"`` or ``"lanczos5"``, half-pixel
    centres, ``antialias`` widening the kernel when downscaling; ``crop_to_aspect_ratio`` first crops the
    centred window of the target aspect, ``pad_to_aspect_ratio`` first pads the short side evenly with
    ``fill_value``."""
    from minidl.keras.layers.image_preprocessing import _aspect_crop_box
    from minidl.keras.ops import _resample
    if interpolation not in _RESIZE_METHODS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected of one {_RESIZE_METHODS}. "
                         f"Received: interpolation={interpolation}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be True.")
    if fill_mode != "constant":
        raise ValueError(f"resize: only fill_mode='constant' is supported. Received: fill_mode={fill_mode}")
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers. Received: size={size}")
    height, width = int(size[0]), int(size[1])
    x, undo = _nchw(images, data_format, "resize")
    h, w = x.shape[2], x.shape[3]
    if crop_to_aspect_ratio:
        top, left, ch, cw = _aspect_crop_box(h, w, height, width)
        x = x[:, :, top:top + ch, left:left + cw]
    elif pad_to_aspect_ratio:
        pad_h, pad_w = max(h, int(float(w * height) / width)), max(w, int(float(h * width) / height))
        top, left = int(float(pad_h - h) / 2), int(float(pad_w - w) / 2)
        if top > 0:
            x = F.pad(x, (0, 0, top, top), value=float(fill_value))
        elif left > 0:
            x = F.pad(x, (left, left, 0, 0), value=float(fill_value))
    if interpolation == "nearest":
        return undo(_image_ops.resize(x, height, width, "nearest"))
    return undo(_resample.resize_nchw(x, height, width, interpolation, antialias))


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                     data_format=None) -> Tensor:
    """Resample each image through its projective ``transform`` ``[a0, a1, a2, b0, b1, b2, c0, c1]``
    (output pixel (x, y) reads input ``(a0 x + a1 y + a2, b0 x + b1 y + b2)``); ``fill_mode``
    ``"constant"``, ``"reflect"``, ``"wrap"`` or ``"nearest"`` decides what lies outside."""
    if interpolation not in _image_ops.INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected one of "
                         f"{set(_image_ops.INTERPOLATIONS)}. Received: interpolation={interpolation}")
    if fill_mode not in _image_ops.FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected one of {set(_image_ops.FILL_MODES)}. "
                         f"Received: fill_mode={fill_mode}")
    x, undo = _nchw(images, data_format, "affine_transform")
    t = np.asarray(_numpy(transform), dtype=np.float32)
    if t.shape[-1] != 8:
        raise ValueError(f"affine_transform: transform must have shape (8,) or (batch, 8), got {t.shape}")
    return undo(_image_ops.affine_transform(x, t, interpolation, fill_mode, float(fill_value)))


def _exactly_two(name, values, labels):
    if sum(v is None for v in values) != 1:
        raise ValueError(f"{name}: must specify exactly two of {labels}. Received: "
                         + ", ".join(f"{k}={v}" for k, v in zip(labels, values)))


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None) -> Tensor:
    """``images`` padded with zeros; give two of ``top_padding``/``bottom_padding``/``target_height``
    and two of ``left_padding``/``right_padding``/``target_width``."""
    _exactly_two("pad_images", (top_padding, bottom_padding, target_height),
                 ("top_padding", "bottom_padding", "target_height"))
    _exactly_two("pad_images", (left_padding, right_padding, target_width),
                 ("left_padding", "right_padding", "target_width"))
    x, undo = _nchw(images, data_format, "pad_images")
    h, w = x.shape[2], x.shape[3]
    top = target_height - bottom_padding - h if top_padding is None else top_padding
    bottom = target_height - top - h if bottom_padding is None else bottom_padding
    left = target_width - right_padding - w if left_padding is None else left_padding
    right = target_width - left - w if right_padding is None else right_padding
    for label, v in (("top_padding", top), ("bottom_padding", bottom), ("left_padding", left),
                     ("right_padding", right)):
        if v < 0:
            raise ValueError(f"pad_images: {label} must be >= 0, got {v} (the image is {h}x{w})")
    return undo(F.pad(x, (int(left), int(right), int(top), int(bottom))))


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None) -> Tensor:
    """``images`` cropped; give two of ``top_cropping``/``bottom_cropping``/``target_height`` and two of
    ``left_cropping``/``right_cropping``/``target_width``."""
    _exactly_two("crop_images", (top_cropping, bottom_cropping, target_height),
                 ("top_cropping", "bottom_cropping", "target_height"))
    _exactly_two("crop_images", (left_cropping, right_cropping, target_width),
                 ("left_cropping", "right_cropping", "target_width"))
    x, undo = _nchw(images, data_format, "crop_images")
    h, w = x.shape[2], x.shape[3]
    top = h - target_height - bottom_cropping if top_cropping is None else top_cropping
    height = h - bottom_cropping - top if target_height is None else target_height
    left = w - target_width - right_cropping if left_cropping is None else left_cropping
    width = w - right_cropping - left if target_width is None else target_width
    if top < 0 or left < 0 or height <= 0 or width <= 0 or top + height > h or left + width > w:
        raise ValueError(f"crop_images: cropping top={top}, left={left} to {height}x{width} does not fit an "
                         f"image of {h}x{w}")
    return undo(x[:, :, int(top):int(top + height), int(left):int(left + width)])


def rgb_to_grayscale(images, data_format=None) -> Tensor:
    """Luma ``0.2989 R + 0.587 G + 0.114 B``, keeping a channel axis of length 1."""
    x, undo = _nchw(images, data_format, "rgb_to_grayscale")
    if x.shape[1] != 3:
        raise ValueError(f"rgb_to_grayscale needs 3 channels, got {x.shape[1]}")
    weights = minidl.tensor([0.2989, 0.5870, 0.1140], dtype=x.dtype).reshape(1, 3, 1, 1)
    return undo((x * weights).sum(dim=1, keepdim=True))


def rgb_to_hsv(images, data_format=None) -> Tensor:
    """RGB in [0, 1] to hue, saturation, value in [0, 1] (TensorFlow's conversion)."""
    x, undo = _nchw(images, data_format, "rgb_to_hsv")
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    value = minidl.maximum(minidl.maximum(r, g), b)
    minimum = minidl.minimum(minidl.minimum(r, g), b)
    rng = value - minimum
    safe_v = minidl.where(value > 0, value, minidl.ones_like(value))
    saturation = minidl.where(value > 0, rng / safe_v, minidl.zeros_like(value))
    safe = minidl.where(rng > 0, rng, minidl.ones_like(rng))
    norm = 1.0 / (6.0 * safe)
    hue = minidl.where(value == g, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
    hue = minidl.where(value == r, norm * (g - b), hue)
    hue = minidl.where(rng > 0, hue, minidl.zeros_like(hue))
    hue = hue + minidl.where(hue < 0, minidl.ones_like(hue), minidl.zeros_like(hue))
    return undo(minidl.stack([hue, saturation, value], dim=1))


def hsv_to_rgb(images, data_format=None) -> Tensor:
    """Hue, saturation, value in [0, 1] to RGB (TensorFlow's conversion)."""
    x, undo = _nchw(images, data_format, "hsv_to_rgb")
    hue, saturation, value = x[:, 0], x[:, 1], x[:, 2]
    dh = (hue % 1.0) * 6.0
    dr = minidl.clamp(minidl.abs(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = minidl.clamp(2.0 - minidl.abs(dh - 2.0), 0.0, 1.0)
    db = minidl.clamp(2.0 - minidl.abs(dh - 4.0), 0.0, 1.0)
    one_minus_s = 1.0 - saturation
    channels = [(one_minus_s + saturation * d) * value for d in (dr, dg, db)]
    return undo(minidl.stack(channels, dim=1))


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None) -> Tensor:
    """Patches of ``size`` (an int or ``(ph, pw)``) every ``strides`` (default: ``size``), each flattened
    in ``(row, column, channel)`` order: ``(N, out_h, out_w, ph * pw * C)``."""
    from minidl.keras.ops._nn_conv import conv
    ph, pw = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    x, undo = _nchw(images, data_format, "extract_patches")
    c = x.shape[1]
    kernel = minidl.eye(ph * pw * c, dtype=x.dtype).reshape(ph, pw, c, ph * pw * c)
    out = conv(x, kernel, strides=(ph, pw) if strides is None else strides, padding=padding,
               data_format="channels_first", dilation_rate=dilation_rate)
    return undo(out)


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None) -> Tensor:
    """Each channel convolved with a normalised Gaussian (``kernel_size`` and ``sigma`` as (x, y) pairs,
    as Keras), ``"same"`` padding with zeros."""
    from minidl.keras.ops._nn_conv import depthwise_conv
    x, undo = _nchw(images, data_format, "gaussian_blur")
    sizes = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    sigmas = (sigma, sigma) if isinstance(sigma, (int, float)) else tuple(sigma)

    def kernel1d(n, s):
        pos = np.arange(n, dtype=np.float64) - (n - 1) / 2
        k = np.exp(-0.5 * (pos / float(s)) ** 2)
        return k / k.sum()
    kernel = np.outer(kernel1d(sizes[1], sigmas[1]), kernel1d(sizes[0], sigmas[0]))
    c = x.shape[1]
    weights = minidl.tensor(np.repeat(kernel[:, :, None, None], c, axis=2), dtype=x.dtype)
    return undo(depthwise_conv(x, weights, padding="same", data_format="channels_first"))


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0) -> Tensor:
    """``inputs`` sampled at ``coordinates`` (one array per input axis, each of the output's shape) with
    spline ``order`` 0 (nearest) or 1 (linear); ``fill_mode`` as :func:`affine_transform`."""
    if order not in (0, 1):
        raise NotImplementedError(f"map_coordinates: order={order} is not supported (use 0 or 1)")
    if fill_mode not in _image_ops.FILL_MODES:
        raise ValueError(f"map_coordinates: fill_mode must be one of {_image_ops.FILL_MODES}, got {fill_mode!r}")
    x = _t(inputs)
    coords = [np.asarray(_numpy(c), dtype=np.float64) for c in coordinates]
    if len(coords) != x.ndim:
        raise ValueError(f"map_coordinates: {len(coords)} coordinate arrays for an input of rank {x.ndim}")
    taps = [_image_ops._taps(c, "nearest" if order == 0 else "bilinear") for c in coords]
    out, outside = None, np.zeros(coords[0].shape)
    for combo in np.ndindex(*[len(t) for t in taps]):
        weight = np.ones(coords[0].shape)
        valid = np.ones(coords[0].shape, bool)
        index = []
        for axis, pick in enumerate(combo):
            idx, w = taps[axis][pick]
            idx, ok = _image_ops._fix(idx, x.shape[axis], fill_mode)
            weight = weight * w
            if ok is not None:
                valid &= ok
            index.append(minidl.as_tensor(idx).to(x.device))
        outside = outside + weight * ~valid
        term = x[tuple(index)] * minidl.as_tensor((weight * valid).astype(np.float64)).to(x.dtype)
        out = term if out is None else out + term
    if fill_mode == "constant" and fill_value:
        out = out + minidl.as_tensor(outside * float(fill_value)).to(x.dtype)
    return out
