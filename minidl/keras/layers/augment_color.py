"""Colour and value augmentation layers of the Keras facade, on channels-last images in ``value_range``.

``RandomBrightness``, ``RandomContrast``, ``RandomGrayscale``, ``RandomHue``, ``RandomSaturation``,
``RandomColorJitter``, ``RandomColorDegeneration``, ``RandomInvert``, ``RandomPosterization``,
``Solarization``, ``AutoContrast``, ``Equalization``, ``RandomSharpness``, ``RandomGaussianBlur``.

They follow Keras 3.15 draw for draw in distribution (one draw per image) and formula for formula,
act when ``training`` is true (a plain call, as Keras' ``call(..., training=True)`` default, ``fit``,
or ``training=True``; the identity in ``predict``/``evaluate`` or with ``training=False``) except
``AutoContrast``, which Keras applies always.
Factors parse as Keras': a number f means ``(max(-f, low), f)`` within the layer's
bounds, a pair is sorted.
"""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.keras.layers._augment_base import (
                                      AugmentLayer,
                                      filter_same,
                                      hsv_to_rgb,
                                      parse_factor,
                                      parse_value_range,
                                      rgb_to_grayscale,
                                      rgb_to_hsv,
                                      to_range,
)

__all__ = ["RandomBrightness", "RandomContrast", "RandomGrayscale", "RandomHue", "RandomSaturation",
           "RandomColorJitter", "RandomColorDegeneration", "RandomInvert", "RandomPosterization", "Solarization",
           "AutoContrast", "Equalization", "RandomSharpness", "RandomGaussianBlur"]

_EPSILON = 1e-7  # keras.config.epsilon()


def _per_image(values, images):
    """(N,) NumPy draws as an (N, 1, 1, 1) array on ``images``' device."""
    return AugmentLayer._device(np.asarray(values).reshape(-1, 1, 1, 1), images)


class _FactorLayer(AugmentLayer):
    """A layer with Keras' ``factor``, ``value_range`` and ``seed``."""

    _BOUNDS = (-1.0, 1.0)
    _SORT_RANGE = True

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = parse_factor(factor, self._BOUNDS)
        self.value_range = parse_value_range(value_range) if self._SORT_RANGE else self._raw_range(value_range)

    @staticmethod
    def _raw_range(value_range):
        parse_value_range(value_range)
        return value_range

    def _uniform(self, rng, n):
        return rng.uniform(self.factor[0], self.factor[1], n)

    def get_config(self):
        return dict(super().get_config(), factor=self.factor, value_range=self.value_range, seed=self.seed)


class RandomBrightness(_FactorLayer):
    """Add ``U(factor) * (value_range[1] - value_range[0])`` to each image (factor in [-1, 1]), then clip
    to ``value_range``."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor, value_range, seed=seed, **kwargs)

    def augment_images(self, images, rng):
        """Shift each image's values by one draw."""
        delta = self._uniform(rng, len(images)) * (self.value_range[1] - self.value_range[0])
        xp = backend.get_array_module(images)
        return xp.clip(images + _per_image(delta, images), self.value_range[0], self.value_range[1])


class RandomContrast(_FactorLayer):
    """Scale each image's deviation from its per-channel mean by ``U(1 - factor[0], 1 + factor[1])``
    (factor in [0, 1]), then clip to ``value_range``."""

    _BOUNDS = (0.0, 1.0)
    _SORT_RANGE = False

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor, value_range, seed=seed, **kwargs)

    def augment_images(self, images, rng):
        """Keras' ``(x - mean) * f + mean`` per image."""
        scale = rng.uniform(1.0 - self.factor[0], 1.0 + self.factor[1], len(images))
        xp = backend.get_array_module(images)
        mean = images.mean(axis=1, keepdims=True).mean(axis=2, keepdims=True)
        out = (images - mean) * _per_image(scale, images) + mean
        return xp.clip(out, self.value_range[0], self.value_range[1])


class RandomGrayscale(AugmentLayer):
    """Turn each image to grey (luma copied to every channel) with probability ``factor``."""

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        if factor < 0 or factor > 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor = factor

    def augment_images(self, images, rng):
        """Grey where ``U(0, 1) < factor``."""
        xp = backend.get_array_module(images)
        apply = _per_image(rng.uniform(0, 1, len(images)) < self.factor, images) > 0
        return xp.where(apply, rgb_to_grayscale(images), images)

    def get_config(self):
        return dict(super().get_config(), factor=self.factor)


class RandomHue(_FactorLayer):
    """Rotate each image's hue by ``+-U(factor) / 2`` of a turn (factor in [0, 1]; the sign a fair coin)."""

    _BOUNDS = (0.0, 1.0)
    _SORT_RANGE = False

    def augment_images(self, images, rng):
        """In HSV on [0, 1] values: h += shift, wrapped into [0, 1]."""
        self._require_rgb(images)
        xp = backend.get_array_module(images)
        n = len(images)
        sign = np.where(rng.uniform(0, 1, n) > 0.5, -1.0, 1.0)
        shift = self._device(sign * self._uniform(rng, n) * 0.5, images)[:, None, None]
        hsv = rgb_to_hsv(to_range(images, self.value_range, (0, 1)))
        hue = hsv[..., 0] + shift
        hue = xp.where(hue > 1.0, hue - 1.0, hue)
        hue = xp.where(hue < 0.0, hue + 1.0, hue)
        rgb = hsv_to_rgb(xp.stack([hue, hsv[..., 1], hsv[..., 2]], axis=-1).astype(images.dtype))
        return to_range(xp.clip(rgb, 0, 1), (0, 1), self.value_range)


class RandomSaturation(_FactorLayer):
    """Multiply each image's HSV saturation by ``f / (1 - f)``, f ~ ``U(factor)`` (Keras' formula: a
    factor near 1 saturates fully, 0.5 keeps the image, a negative draw greys it), clipped to
    ``value_range``."""

    def augment_images(self, images, rng):
        """In HSV: s *= f / (1 - f + eps)."""
        self._require_rgb(images)
        xp = backend.get_array_module(images)
        draw = self._uniform(rng, len(images))
        scale = self._device(draw / (1 - draw + _EPSILON), images)[:, None, None]
        hsv = rgb_to_hsv(images)
        saturation = xp.clip(hsv[..., 1] * scale, self.value_range[0], self.value_range[1])
        return hsv_to_rgb(xp.stack([hsv[..., 0], saturation, hsv[..., 2]], axis=-1).astype(images.dtype))


class RandomColorDegeneration(_FactorLayer):
    """Blend each image towards its grey version by ``U(factor)`` (``x + f * (grey - x)``), clipped."""

    def augment_images(self, images, rng):
        """One blend weight per image."""
        self._require_rgb(images)
        xp = backend.get_array_module(images)
        weight = _per_image(self._uniform(rng, len(images)), images)
        out = images + weight * (rgb_to_grayscale(images) - images)
        return xp.clip(out, self.value_range[0], self.value_range[1])

    def compute_output_shape(self, input_shape):
        """Unchanged; the images must have 3 channels."""
        self._check(input_shape)
        if input_shape[-1] is not None and input_shape[-1] != 3:
            raise ValueError(f"Input images must have 3 channels, but received images with {input_shape[-1]} "
                             "channels.")
        return input_shape


class RandomInvert(_FactorLayer):
    """Invert each image (``value_range[1] - x``) with probability ``p ~ U(factor)`` (factor in [0, 1];
    ``factor=(1.0, 1.0)`` inverts every image)."""

    _BOUNDS = (0.0, 1.0)
    _SORT_RANGE = False

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(factor, value_range, data_format=data_format, seed=seed, **kwargs)

    def augment_images(self, images, rng):
        """Invert where ``U(0, 1) < p``."""
        xp = backend.get_array_module(images)
        n = len(images)
        probability = self._uniform(rng, n)
        apply = _per_image(rng.uniform(0, 1, n) < probability, images) > 0
        return xp.where(apply, self.value_range[1] - images, images)


class RandomPosterization(_FactorLayer):
    """Keep only the top ``b`` bits of each 8-bit value, ``b`` drawn per image as an integer in
    ``[factor[0], factor[1])`` (factor in [1, 8]; equal ends: that many bits)."""

    _BOUNDS = (1, 8)

    def augment_images(self, images, rng):
        """``(v >> (8 - b)) << (8 - b)`` on the values mapped to [0, 255] and truncated to uint8."""
        xp = backend.get_array_module(images)
        n = len(images)
        if self.factor[0] != self.factor[1]:
            bits = rng.integers(int(self.factor[0]), int(self.factor[1]), n)
        else:
            bits = np.full(n, int(self.factor[0]))
        shift = self._device((8 - bits).reshape(-1, 1, 1, 1), images).astype(np.uint8)
        values = xp.clip(to_range(images, self.value_range, (0, 255)), 0, 255).astype(np.uint8)  # (saturating)
        values = xp.left_shift(xp.right_shift(values, shift), shift).astype(images.dtype)
        return to_range(values, (0, 255), self.value_range)


def _solarization_factor(factor, name):
    message = (f"The `addition_factor` and `threshold_factor` arguments should be a number (or a list of two "
               f"numbers) in the range [0, 1]. Received: {name}={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or any(f > 1.0 or f < 0 for f in factor):
            raise ValueError(message)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float, np.integer, np.floating)) and not isinstance(factor, bool):
        if factor > 1.0 or factor < 0:
            raise ValueError(message)
        return (0, factor)
    raise ValueError(message)


class Solarization(AugmentLayer):
    """On values mapped to [0, 255]: add ``U(addition_factor[0], addition_factor[1] * 255)``, clip, and
    invert (``255 - v``) every value not below ``U(threshold_factor[0], threshold_factor[1] * 255)``
    (Keras' draws); a number f means (0, f)."""

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed, kwargs.pop("data_format", None), **kwargs)
        self.addition_factor = _solarization_factor(addition_factor, "addition_factor")
        self.threshold_factor = _solarization_factor(threshold_factor, "threshold_factor")
        self.value_range = parse_value_range(value_range)

    def augment_images(self, images, rng):
        """One addition and one threshold per image."""
        xp = backend.get_array_module(images)
        n = len(images)
        additions = _per_image(rng.uniform(self.addition_factor[0], self.addition_factor[1] * 255, n), images)
        thresholds = _per_image(rng.uniform(self.threshold_factor[0], self.threshold_factor[1] * 255, n), images)
        values = xp.clip(to_range(images, self.value_range, (0, 255)) + additions, 0, 255)
        values = xp.where(values < thresholds, values, 255 - values)
        return to_range(values, (0, 255), self.value_range)

    def get_config(self):
        return dict(super().get_config(), value_range=self.value_range, addition_factor=self.addition_factor,
                    threshold_factor=self.threshold_factor, seed=self.seed)


class AutoContrast(AugmentLayer):
    """Stretch each image's channels to the full ``value_range`` (per image and channel: min -> low,
    max -> high); constant channels pass unchanged. Applied at inference too, as Keras."""

    _ALWAYS = True
    _RANDOM = False

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(None, kwargs.pop("data_format", None), **kwargs)
        self.value_range = parse_value_range(value_range)

    def augment_images(self, images, rng):
        """``(x - min) * 255 / (max - min)`` on [0, 255] values."""
        xp = backend.get_array_module(images)
        values = to_range(images, self.value_range, (0, 255))
        low = values.min(axis=(1, 2), keepdims=True)
        high = values.max(axis=(1, 2), keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = 255.0 / (high - low)
            out = xp.clip(values * scale - low * scale, 0.0, 255.0)
        out = to_range(out, (0, 255), self.value_range)
        return xp.where(xp.isnan(out), images, out)

    def get_config(self):
        return dict(super().get_config(), value_range=self.value_range)


class Equalization(AugmentLayer):
    """Histogram equalisation per channel with ``bins`` bins; as Keras, one histogram per channel over
    the whole batch. Acts in training only (Keras 3.15)."""

    _RANDOM = False

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(None, data_format, **kwargs)
        self.bins = int(bins)
        self.value_range = parse_value_range(value_range)

    def _equalize(self, channel):
        xp = backend.get_array_module(channel)
        bins = self.bins
        channel = to_range(channel, self.value_range, (0, 255))
        indices = xp.clip((channel * (bins - 1) / 255.0).astype(np.int32), 0, bins - 1)
        hist = xp.bincount(indices.reshape(-1), minlength=bins)
        if int(xp.count_nonzero(hist)) > 1:
            cdf = xp.cumsum(hist)
            cdf_min = cdf[int(xp.argmax(cdf > 0))]
            denominator = cdf[-1] - cdf_min
            denominator = denominator if int(denominator) != 0 else 1
            lookup = xp.clip(xp.round((cdf - cdf_min) * 255 / float(denominator)), 0, 255)
            picks = xp.clip(channel / 255.0 * (bins - 1), 0, bins - 1).astype(np.int32)
            channel = lookup[picks].astype(channel.dtype)
        return to_range(channel, (0, 255), self.value_range)

    def augment_images(self, images, rng):
        """Each channel through its cumulative-histogram lookup table."""
        xp = backend.get_array_module(images)
        return xp.stack([self._equalize(images[..., i]) for i in range(images.shape[-1])], axis=-1)

    def get_config(self):
        return dict(super().get_config(), bins=self.bins, value_range=self.value_range)


class RandomSharpness(_FactorLayer):
    """Blend each image with its 3x3 smoothing (centre 5/13, others 1/13): ``x + (1 - s) * (smooth - x)``,
    ``s = 2 U(factor)`` (factor in [0, 1]; s > 1 sharpens), clipped to ``value_range``."""

    _BOUNDS = (0.0, 1.0)

    def augment_images(self, images, rng):
        """One sharpness per image."""
        xp = backend.get_array_module(images)
        sharpness = _per_image(self._uniform(rng, len(images)) * 2, images)
        a, b = 1.0 / 13.0, 5.0 / 13.0
        smoothed = filter_same(images, np.array([[a, a, a], [a, b, a], [a, a, a]]))
        out = images + (1.0 - sharpness) * (smoothed - images)
        return xp.clip(out, self.value_range[0], self.value_range[1])


def _kernel_size(size):
    message = f"kernel_size must be an odd number. Received: kernel_size={size}"
    if isinstance(size, (tuple, list)):
        if len(size) != 2:
            raise ValueError(f"The `kernel_size` argument should be a number (or a list of two numbers) "
                             f"Received: kernel_size={size}")
        if size[0] % 2 == 0 or size[1] % 2 == 0:
            raise ValueError(message)
        return (size[0], size[1])
    if isinstance(size, (int, float, np.integer)) and not isinstance(size, bool):
        if size % 2 == 0:
            raise ValueError(message)
        return (size, size)
    raise ValueError(message)


def gaussian_kernel(kernel_size, sigma):
    """Keras' normalised 2-D Gaussian: (kernel_size[1], kernel_size[0]) from sigma = (sigma_x, sigma_y)."""
    def one_d(size, s):
        offsets = np.arange(size, dtype=np.float64) - (size - 1) / 2
        kernel = np.exp(-0.5 * (offsets / s) ** 2)
        return kernel / kernel.sum()
    return np.outer(one_d(int(kernel_size[1]), sigma[1]), one_d(int(kernel_size[0]), sigma[0]))


class RandomGaussianBlur(AugmentLayer):
    """Blur each image with probability ``p ~ U(factor)`` by a ``kernel_size`` Gaussian of
    ``sigma ~ U(sigma)`` (one (sigma_x, sigma_y) pair per batch, as Keras), zero-padded; the batch is
    then clipped to ``value_range``."""

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = parse_factor(factor, (0, 1))
        self.kernel_size = _kernel_size(kernel_size)
        self.sigma = parse_factor(sigma, (0, 1), "sigma")
        parse_value_range(value_range)
        self.value_range = value_range

    def augment_images(self, images, rng):
        """Blurred where ``U(0, 1) < p``."""
        xp = backend.get_array_module(images)
        n = len(images)
        probability = rng.uniform(self.factor[0], self.factor[1], n)
        apply = _per_image(rng.uniform(0, 1, n) < probability, images) > 0
        sigma = rng.uniform(self.sigma[0], self.sigma[1], 2) + 1e-6
        blurred = filter_same(images, gaussian_kernel(self.kernel_size, sigma))
        return xp.clip(xp.where(apply, blurred, images), self.value_range[0], self.value_range[1])

    def get_config(self):
        return dict(super().get_config(), factor=self.factor, kernel_size=self.kernel_size, sigma=self.sigma,
                    value_range=self.value_range, seed=self.seed)


class RandomColorJitter(AugmentLayer):
    """``RandomBrightness``, ``RandomContrast``, ``RandomSaturation`` and ``RandomHue`` in that order,
    each only when its factor is given, sharing ``value_range``."""

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None, saturation_factor=None,
                 hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
        steps = ((RandomBrightness, brightness_factor), (RandomContrast, contrast_factor),
                 (RandomSaturation, saturation_factor), (RandomHue, hue_factor))
        self._steps = [cls(factor, value_range, seed=0) for cls, factor in steps if factor is not None]

    def augment_images(self, images, rng):
        """Each configured adjustment in turn, all drawing from this layer's stream."""
        for step in self._steps:
            images = step.augment_images(images, rng)
        return images

    def get_config(self):
        return dict(super().get_config(), value_range=self.value_range, brightness_factor=self.brightness_factor,
                    contrast_factor=self.contrast_factor, saturation_factor=self.saturation_factor,
                    hue_factor=self.hue_factor, seed=self.seed)
