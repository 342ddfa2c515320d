"""Shared machinery of the Keras image augmentation layers (``RandomBrightness`` ... ``AugMix``).

Each layer computes on a channels-last (N, H, W, C) float array of the images' array module
(NumPy or CuPy): :class:`AugmentLayer` turns the internal Tensor (4-D internal tensors are NCHW,
a single image is (H, W, C)) into that view and back. Random draws come from the layer's own
``SeedGenerator(seed)`` stream as NumPy numbers and move to the images' device. The layers are
input augmentation, so their outputs carry no gradient (as data entering a model); an input that
requires a gradient (the output of a trainable layer) is refused with a clear error rather than
silently cut from the graph.

Also here: Keras' factor and ``value_range`` parsing, ``rgb_to_grayscale``, ``rgb_to_hsv`` /
``hsv_to_rgb`` (Keras' formulas, after dm_pix) and a zero-padded "same" depthwise filter.
"""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.keras.layers.image_preprocessing import _ImageLayer
from minidl.keras.random import SeedGenerator
from minidl.tensor import Tensor

__all__ = ["AugmentLayer", "parse_factor", "parse_value_range", "to_range", "rgb_to_grayscale", "rgb_to_hsv",
           "hsv_to_rgb", "filter_same"]

_GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)


def parse_factor(factor, bounds=(-1.0, 1.0), name="factor"):
    """Keras' ``_set_factor``: a number f -> ``(max(-|f|, low), |f|)``; a pair -> sorted; checked against ``bounds``."""
    message = (f"The `{name}` argument should be a number (or a list of two numbers) in the range "
               f"[{bounds[0]}, {bounds[1]}]. Received: {name}={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(message)
        lower, upper = sorted(factor)
        return (lower, upper)
    if isinstance(factor, (int, float, np.integer, np.floating)) and not isinstance(factor, bool):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(message)
        factor = abs(factor)
        return (max(-factor, bounds[0]), factor)
    raise ValueError(message)


def parse_value_range(value_range):
    """Keras' ``_set_value_range``: a sorted list of two numbers."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(f"The `value_range` argument should be a list of two numbers. Received: "
                         f"value_range={value_range}")
    return sorted(value_range)


def to_range(images, source, target):
    """Keras' ``_transform_value_range``: map ``source`` = (lo, hi) linearly onto ``target``."""
    if source[0] == target[0] and source[1] == target[1]:
        return images
    images = (images - source[0]) / (source[1] - source[0])
    return images * (target[1] - target[0]) + target[0]


def rgb_to_grayscale(images):
    """(N, H, W, 3) -> (N, H, W, 1) luma with tf.image's weights; one channel passes unchanged."""
    if images.shape[-1] == 1:
        return images
    if images.shape[-1] != 3:
        raise ValueError(f"Invalid channel size: expected 3 (RGB) or 1 (Grayscale). Received input with shape: "
                         f"images.shape={tuple(images.shape)}")
    xp = backend.get_array_module(images)
    weights = xp.asarray(_GRAY_WEIGHTS, dtype=images.dtype)
    return (images @ weights)[..., None]


def rgb_to_hsv(images):
    """(N, H, W, 3) RGB -> HSV, hue and saturation in [0, 1], value in the input's scale."""
    xp = backend.get_array_module(images)
    eps = np.finfo(images.dtype).eps
    images = xp.where(xp.abs(images) < eps, 0.0, images).astype(images.dtype)
    r, g, b = images[..., 0], images[..., 1], images[..., 2]
    value = xp.maximum(xp.maximum(r, g), b)
    span = value - xp.minimum(xp.minimum(r, g), b)
    safe_value = xp.where(value > 0, value, 1.0)
    safe_span = xp.where(span > 0, span, 1.0)
    saturation = xp.where(value > 0, span / safe_value, 0.0)
    norm = 1.0 / (6.0 * safe_span)
    hue = xp.where(value == g, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
    hue = xp.where(value == r, norm * (g - b), hue)
    hue = xp.where(span > 0, hue, 0.0) + (hue < 0.0)
    return xp.stack([hue, saturation, value], axis=-1).astype(images.dtype)


def hsv_to_rgb(images):
    """(N, H, W, 3) HSV -> RGB (inverse of :func:`rgb_to_hsv`)."""
    xp = backend.get_array_module(images)
    hue, saturation, value = images[..., 0], images[..., 1], images[..., 2]
    dh = xp.mod(hue, 1.0) * 6.0
    dr = xp.clip(xp.abs(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = xp.clip(2.0 - xp.abs(dh - 2.0), 0.0, 1.0)
    db = xp.clip(2.0 - xp.abs(dh - 4.0), 0.0, 1.0)
    one_minus_s = 1.0 - saturation
    planes = [value * (one_minus_s + saturation * d) for d in (dr, dg, db)]
    return xp.stack(planes, axis=-1).astype(images.dtype)


def filter_same(images, kernel):
    """Depthwise correlation of (N, H, W, C) ``images`` with one (kh, kw) ``kernel`` for every channel,
    zero padding, output the input's size ("same", as ``depthwise_conv(padding="same")``)."""
    xp = backend.get_array_module(images)
    kh, kw = kernel.shape
    n, h, w, c = images.shape
    top, left = (kh - 1) // 2, (kw - 1) // 2
    padded = xp.zeros((n, h + kh - 1, w + kw - 1, c), dtype=images.dtype)
    padded[:, top:top + h, left:left + w] = images
    out = xp.zeros_like(images)
    for i in range(kh):
        for j in range(kw):
            out += float(kernel[i, j]) * padded[:, i:i + h, j:j + w]
    return out


class AugmentLayer(_ImageLayer):
    """Base of the augmentation layers: ``_augment(images, rng)`` on (N, H, W, C) float arrays.

    Acts when ``training`` is true (a plain call, ``fit``, ``training=True``) unless ``_ALWAYS``
    (``AutoContrast``);
    ``_RANDOM`` layers own a ``SeedGenerator(seed)``."""

    _ALWAYS = False
    _RANDOM = True

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        if self._RANDOM:
            if seed is not None and not isinstance(seed, (int, np.integer)):
                raise ValueError(f"{type(self).__name__}: `seed` must be an integer or None. Received: seed={seed!r}")
            self.seed = None if seed is None else int(seed)
            self.generator = SeedGenerator(seed)

    def compute_output_shape(self, input_shape):
        """Unchanged."""
        self._check(input_shape)
        return input_shape

    def _rng(self):
        return np.random.default_rng(self.generator.next())

    def _require_rgb(self, images):
        """A clear error for layers that need 3-channel RGB images."""
        if images.shape[-1] != 3:
            raise ValueError(f"{type(self).__name__} {self.name}: expected RGB images with 3 channels, got "
                             f"{images.shape[-1]} channel(s) (shape {tuple(images.shape)})")

    def _forward(self, x, training=False):
        self._check(tuple(x.shape))
        if not (training or self._ALWAYS):
            return x
        if x.requires_grad:  # (a silent cut in the graph would leave the layers before it untrained)
            raise NotImplementedError(f"{type(self).__name__} {self.name}: minidl.keras' augmentation layers do not "
                                      "propagate gradients; place them before the trainable layers (on the inputs)")
        arr = x.array
        if not np.issubdtype(arr.dtype, np.floating):
            arr = arr.astype(np.float32)
        images = arr.transpose(0, 2, 3, 1) if arr.ndim == 4 else arr[None]
        out = self.augment_images(images, self._rng() if self._RANDOM else None)
        out = out.astype(arr.dtype, copy=False)
        out = out.transpose(0, 3, 1, 2) if arr.ndim == 4 else out[0]
        xp = backend.get_array_module(out)
        return Tensor(xp.ascontiguousarray(out))

    def augment_images(self, images, rng):
        """The augmented copy of channels-last (N, H, W, C) ``images`` (override)."""
        raise NotImplementedError

    @staticmethod
    def _device(values, like):
        """NumPy ``values`` as an array of ``like``'s dtype on ``like``'s device."""
        return backend.to_device(np.asarray(values, dtype=like.dtype), backend.device_of(like))

    def get_config(self):
        config = dict(super().get_config(), data_format="channels_last")
        return config
