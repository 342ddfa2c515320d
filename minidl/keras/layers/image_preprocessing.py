"""Image preprocessing layers of the Keras facade: ``Resizing``, ``CenterCrop``, ``RandomCrop``,
``RandomTranslation``, ``RandomRotation``, ``RandomZoom`` on channels-last images (batch, h, w, c)
or a single image (h, w, c).

``Resizing`` and ``CenterCrop`` act always. The random layers act when ``training`` is true: on a
plain call ``layer(x)`` (Keras' ``call(..., training=True)`` default), in ``fit``, or with
``training=True``; they are the identity in ``predict``/``evaluate``, with ``training=False``, and
inside a model called with ``training=False`` (see :func:`~minidl.keras.layers._symbolic.resolve_training`).
They draw from their own ``SeedGenerator(seed)`` stream. Their parameters follow
Keras 3.15: ``RandomTranslation`` shifts each image by ``U(height_factor) * h`` rows and
``U(width_factor) * w`` columns; ``RandomRotation`` turns it by ``U(factor) * 360`` degrees about
its centre; ``RandomZoom`` scales the sampling grid by ``1 + U(height_factor)`` (positive: zoom
out), with the same zoom for the width when ``width_factor`` is None; a float factor f means
(-f, f). ``RandomCrop`` crops one random window of the batch in training and returns its input
unchanged at inference, as Keras 3.15.
"""
from __future__ import annotations

import numpy as np

from minidl.keras._tensor import permute
from minidl.keras.layers._image_ops import FILL_MODES, INTERPOLATIONS, affine_transform, resize
from minidl.keras.layers.base import Layer
from minidl.keras.ops import _resample
from minidl.keras.random import SeedGenerator

__all__ = ["Resizing", "CenterCrop", "RandomCrop", "RandomTranslation", "RandomRotation", "RandomZoom"]


class _ImageLayer(Layer):
    """Channels-last checks and the (N, C, H, W) view of 4-D or single 3-D images."""

    _call_training_default = True  # augments on a plain call, as Keras' `call(..., training=True)`

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise NotImplementedError(f"{type(self).__name__}: only data_format='channels_last' is supported")

    def _check(self, shape):
        if len(shape) not in (3, 4):
            raise ValueError(f"{type(self).__name__} {self.name}: expected images of rank 4 (batch, height, width, "
                             f"channels) or 3 (height, width, channels), got shape {tuple(shape)}")

    @staticmethod
    def _to_nchw(x):
        """The internal tensor as (N, C, H, W) and whether it was a single (H, W, C) image."""
        if x.ndim == 3:
            return permute(x, (2, 0, 1)).unsqueeze(0), True
        return x, False

    @staticmethod
    def _from_nchw(x, single):
        return permute(x[0], (1, 2, 0)) if single else x

    def _resized_shape(self, input_shape, height, width):
        self._check(input_shape)
        if len(input_shape) == 3:
            return (height, width, input_shape[-1])
        return (input_shape[0], height, width, input_shape[-1])


def _crop(x, top, left, height, width):
    return x[:, :, top:top + height, left:left + width]


def _aspect_crop_box(height, width, target_height, target_width):
    """Keras' centred crop to the target aspect ratio: (top, left, crop height, crop width)."""
    crop_h = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_w = max(min(width, int(float(height * target_width) / target_height)), 1)
    return int(float(height - crop_h) / 2), int(float(width - crop_w) / 2), crop_h, crop_w


_RESIZE_METHODS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")   # jax.image.resize's


class Resizing(_ImageLayer):
    """Resize images to (``height``, ``width``) with ``interpolation`` ``"bilinear"`` (default), ``"nearest"``,
    ``"bicubic"``, ``"lanczos3"`` or ``"lanczos5"`` (``antialias`` widens the kernel when downscaling, as
    ``jax.image.resize``); ``crop_to_aspect_ratio`` first crops the centred largest window of the target
    aspect ratio, ``pad_to_aspect_ratio`` first pads the short side evenly with ``fill_value``."""

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                 fill_mode="constant", fill_value=0.0, antialias=False, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        if interpolation not in _RESIZE_METHODS:
            raise ValueError(f"Invalid value for argument `interpolation`. Expected of one {_RESIZE_METHODS}. "
                             f"Received: interpolation={interpolation}")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be True.")
        if fill_mode != "constant":
            raise ValueError(f"Resizing: only fill_mode='constant' is supported. Received: fill_mode={fill_mode}")
        self.height, self.width = int(height), int(width)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = bool(crop_to_aspect_ratio), bool(pad_to_aspect_ratio)
        self.fill_mode, self.fill_value, self.antialias = fill_mode, float(fill_value), bool(antialias)

    def compute_output_shape(self, input_shape):
        """Height and width replaced by the targets."""
        return self._resized_shape(input_shape, self.height, self.width)

    def _resize(self, x):
        h, w = x.shape[2], x.shape[3]
        if self.crop_to_aspect_ratio:
            x = _crop(x, *_aspect_crop_box(h, w, self.height, self.width))
        elif self.pad_to_aspect_ratio:
            pad_h = max(h, int(float(w * self.height) / self.width))
            pad_w = max(w, int(float(h * self.width) / self.height))
            top, left = int(float(pad_h - h) / 2), int(float(pad_w - w) / 2)
            if top > 0:
                x = _pad_value(x, (0, 0, top, top), self.fill_value)
            elif left > 0:
                x = _pad_value(x, (left, left, 0, 0), self.fill_value)
        if self.interpolation in INTERPOLATIONS and not self.antialias:
            return resize(x, self.height, self.width, self.interpolation)
        return _resample.resize_nchw(x, self.height, self.width, self.interpolation, self.antialias)

    def _forward(self, x, training=False):
        self._check(tuple(x.shape))
        x, single = self._to_nchw(x)
        return self._from_nchw(self._resize(x), single)

    def get_config(self):
        return dict(super().get_config(), data_format="channels_last", height=self.height, width=self.width,
                    interpolation=self.interpolation, crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                    pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
                    fill_value=self.fill_value, antialias=self.antialias)


def _pad_value(x, pads, value):
    import minidl.nn.functional as F
    return F.pad(x, pads, value=value)


class CenterCrop(_ImageLayer):
    """Crop the centred (``height``, ``width``) window; an image smaller than that on either side is
    instead cropped to the target aspect ratio and resized bilinearly (Keras' ``smart_resize``)."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.height, self.width = int(height), int(width)

    def compute_output_shape(self, input_shape):
        """Height and width replaced by the targets."""
        return self._resized_shape(input_shape, self.height, self.width)

    def _forward(self, x, training=False):
        self._check(tuple(x.shape))
        x, single = self._to_nchw(x)
        h, w = x.shape[2], x.shape[3]
        if h >= self.height and w >= self.width:
            out = _crop(x, (h - self.height) // 2, (w - self.width) // 2, self.height, self.width)
        else:
            out = resize(_crop(x, *_aspect_crop_box(h, w, self.height, self.width)), self.height, self.width)
        return self._from_nchw(out, single)

    def get_config(self):
        return dict(super().get_config(), data_format="channels_last", height=self.height, width=self.width)


class _RandomImageLayer(_ImageLayer):
    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def _rng(self):
        return np.random.default_rng(self.generator.next())


class RandomCrop(_RandomImageLayer):
    """In training, crop one random (``height``, ``width``) window (the same for the whole batch);
    an input not larger than the window on both sides is centre-cropped to its aspect ratio and
    resized instead. At inference the input passes unchanged (Keras 3.15)."""

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        if seed is None:  # Keras draws a default seed and keeps it in the config
            seed = int(np.random.default_rng(SeedGenerator(None).next()).integers(0, 2 ** 30))
        super().__init__(seed, data_format, name=name, **kwargs)
        self.height, self.width = int(height), int(width)

    def compute_output_shape(self, input_shape):
        """Height and width replaced by the window's."""
        return self._resized_shape(input_shape, self.height, self.width)

    def _forward(self, x, training=False):
        self._check(tuple(x.shape))
        if not training:
            return x
        x, single = self._to_nchw(x)
        h, w = x.shape[2], x.shape[3]
        if h > self.height and w > self.width:
            rng = self._rng()
            top = int(rng.uniform(0, h - self.height + 1))
            left = int(rng.uniform(0, w - self.width + 1))
        else:
            top, left, _, _ = _aspect_crop_box(h, w, self.height, self.width)
        out = _crop(x, top, left, self.height, self.width)
        if out.shape[2] != self.height or out.shape[3] != self.width:
            out = resize(out, self.height, self.width)
        return self._from_nchw(out, single)

    def get_config(self):
        return dict(super().get_config(), data_format="channels_last", height=self.height, width=self.width,
                    seed=self.seed)


def _factor_range(factor, name, lowest=-1.0, include_lowest=True):
    """Keras' ``(lower, upper)`` of a factor: f -> (-|f|, |f|); a pair -> sorted."""
    def check(v):
        if v > 1.0 or v < lowest or (v == lowest and not include_lowest):
            bounds = f"[{lowest}, 1.0]" if include_lowest else f"({lowest}, 1.0]"
            raise ValueError(f"The `{name}` argument should be a number (or a list of two numbers) in the range "
                             f"{bounds}. Received: {name}={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(f"The `{name}` argument should be a number or a list of two numbers. "
                             f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        return tuple(sorted(float(f) for f in factor))
    if isinstance(factor, (int, float, np.integer, np.floating)):
        check(factor)
        return (-abs(float(factor)), abs(float(factor)))
    raise ValueError(f"The `{name}` argument should be a number or a list of two numbers. Received: {name}={factor}")


class _RandomAffine(_RandomImageLayer):
    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(seed, data_format, **kwargs)
        if fill_mode not in FILL_MODES:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one {FILL_MODES}.")
        if interpolation not in INTERPOLATIONS:
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one "
                                      f"{INTERPOLATIONS}.")
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, float(fill_value)

    def compute_output_shape(self, input_shape):
        """Unchanged."""
        self._check(input_shape)
        return input_shape

    def _forward(self, x, training=False):
        self._check(tuple(x.shape))
        if not training:
            return x
        x, single = self._to_nchw(x)
        transforms = self._transforms(self._rng(), x.shape[0], x.shape[2], x.shape[3])
        out = affine_transform(x, transforms, self.interpolation, self.fill_mode, self.fill_value)
        return self._from_nchw(out, single)

    def _affine_config(self):
        return dict(fill_mode=self.fill_mode, interpolation=self.interpolation, seed=self.seed,
                    fill_value=self.fill_value)


class RandomTranslation(_RandomAffine):
    """In training, shift each image by ``U(height_factor) * height`` rows and ``U(width_factor) * width``
    columns (fractions in [-1, 1]; a float f means (-f, f)), filling by ``fill_mode``."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _factor_range(height_factor, "height_factor")
        self.width_lower, self.width_upper = _factor_range(width_factor, "width_factor")

    def _transforms(self, rng, n, height, width):
        dy = rng.uniform(self.height_lower, self.height_upper, n) * height
        dx = rng.uniform(self.width_lower, self.width_upper, n) * width
        ones, zeros = np.ones(n), np.zeros(n)
        return np.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)

    def get_config(self):
        return dict(super().get_config(), data_format="channels_last", height_factor=self.height_factor,
                    width_factor=self.width_factor, fill_mode=self.fill_mode, interpolation=self.interpolation,
                    seed=self.seed, fill_value=self.fill_value)


class RandomRotation(_RandomAffine):
    """In training, rotate each image about its centre by ``U(factor) * 360`` degrees (``factor`` a
    fraction of a full turn; a float f means (-f, f)), filling by ``fill_mode``."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = _factor_range(factor, "factor")

    def _transforms(self, rng, n, height, width):
        angle = np.deg2rad(rng.uniform(self.factor[0] * 360.0, self.factor[1] * 360.0, n))
        cos, sin = np.cos(angle), np.sin(angle)
        cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
        zeros = np.zeros(n)
        return np.stack([cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos, zeros, zeros], axis=1)

    def get_config(self):
        return dict(super().get_config(), data_format="channels_last", factor=self.factor, fill_mode=self.fill_mode,
                    fill_value=self.fill_value, interpolation=self.interpolation, seed=self.seed)


class RandomZoom(_RandomAffine):
    """In training, zoom each image about its centre: the sampling grid is scaled by ``1 + U(height_factor)``
    vertically and ``1 + U(width_factor)`` horizontally (the vertical zoom when ``width_factor`` is
    None); factors in (-1, 1], positive values zoom out."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _factor_range(height_factor, "height_factor", include_lowest=False)
        if width_factor is not None:
            self.width_lower, self.width_upper = _factor_range(width_factor, "width_factor", include_lowest=False)

    def _transforms(self, rng, n, height, width):
        zoom_h = rng.uniform(1.0 + self.height_lower, 1.0 + self.height_upper, n)
        zoom_w = zoom_h if self.width_factor is None else rng.uniform(1.0 + self.width_lower,
                                                                      1.0 + self.width_upper, n)
        zeros = np.zeros(n)
        return np.stack([zoom_w, zeros, (width - 1.0) / 2.0 * (1.0 - zoom_w), zeros, zoom_h,
                         (height - 1.0) / 2.0 * (1.0 - zoom_h), zeros, zeros], axis=1)

    def get_config(self):
        return dict(super().get_config(), data_format="channels_last", height_factor=self.height_factor,
                    width_factor=self.width_factor, fill_mode=self.fill_mode, interpolation=self.interpolation,
                    seed=self.seed, fill_value=self.fill_value)

