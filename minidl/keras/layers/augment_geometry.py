"""Geometric augmentation layers of the Keras facade: ``RandomShear``, ``RandomPerspective``,
``RandomErasing`` and ``RandomElasticTransform``, on channels-last images,
when ``training`` is true (a plain call too, as Keras).

Resampling follows Keras 3.15 (``jax.scipy.ndimage.map_coordinates`` semantics, as
``_image_ops.affine_transform``): output pixel (x, y) reads the input at a computed (x', y') with
``"bilinear"`` or ``"nearest"`` sampling and ``fill_mode`` for neighbours outside the image.
``RandomShear`` maps (x, y) to (x + s_x y, s_y x + y) about the top-left corner, one sign (a fair
coin) for both draws, as Keras. ``RandomPerspective`` moves each corner by ``U(-scale/2, scale/2)``
times its own coordinates and resamples through the homography (constant ``fill_value`` outside).
``RandomElasticTransform`` displaces pixels by Gaussian noise smoothed with a Gaussian of
``sigma = 0.05 * f * min(h, w)`` and scaled by ``alpha = 0.1 * f * max(h, w)``, f ~ ``U(scale)``;
its x and y noise fields are drawn independently (Keras 3.15 on JAX draws both from one key, so
its field moves pixels along the diagonal only). ``RandomErasing`` replaces a random box per
image (each side ``sqrt(U(scale))`` of the image's) by ``fill_value`` (None: clipped Gaussian noise
times ``value_range[1]``).
"""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.keras.layers._augment_base import AugmentLayer, filter_same, parse_factor
from minidl.keras.layers._image_ops import FILL_MODES, INTERPOLATIONS, _fix, _taps
from minidl.keras.layers.augment_color import gaussian_kernel

__all__ = ["RandomShear", "RandomPerspective", "RandomErasing", "RandomElasticTransform", "sample_grid",
           "perspective_transform", "homography"]


def _on_device(index, like):
    """An integer NumPy index array on ``like``'s device."""
    return backend.to_device(np.ascontiguousarray(index), backend.device_of(like))


def sample_grid(images, x_in, y_in, interpolation="bilinear", fill_mode="constant", fill_value=0.0):
    """(N, H, W, C) ``images`` read at NumPy positions ``x_in``/``y_in`` (N, H, W) of each output pixel."""
    xp = backend.get_array_module(images)
    n, h, w, _ = images.shape
    rows = np.arange(n)[:, None, None]
    out = xp.zeros(images.shape, dtype=images.dtype)
    constant = np.zeros((n, h, w))
    for iy, wy in _taps(y_in, interpolation):
        iy, valid_y = _fix(iy, h, fill_mode)
        for ix, wx in _taps(x_in, interpolation):
            ix, valid_x = _fix(ix, w, fill_mode)
            weight = wy * wx
            if valid_y is not None:
                valid = valid_y & valid_x
                constant += weight * ~valid * float(fill_value)
                weight = weight * valid
            picked = images[_on_device(rows, images), _on_device(iy, images), _on_device(ix, images)]
            out += picked * AugmentLayer._device(weight[..., None], images)
    if fill_mode == "constant" and fill_value:
        out += AugmentLayer._device(constant[..., None], images)
    return out


def _check_modes(fill_mode, interpolation):
    if fill_mode not in FILL_MODES:
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one {FILL_MODES}.")
    if interpolation not in INTERPOLATIONS:
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one {INTERPOLATIONS}.")


def _shear_factor(factor, name):
    message = (f"The `x_factor` and `y_factor` arguments should be a number (or a list of two numbers) in the "
               f"range [0, 1]. Received: {name}={factor}")
    if isinstance(factor, (tuple, list)):
        # (a pair may hold negative ends, as the layer's own config does; Keras 3.15 rejects its own config)
        if len(factor) != 2 or any(f > 1.0 or f < -1.0 for f in factor):
            raise ValueError(message)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float, np.integer, np.floating)) and not isinstance(factor, bool):
        if factor > 1.0 or factor < 0:
            raise ValueError(message)
        return (-abs(factor), abs(factor))
    raise ValueError(message)


def _grid(n, h, w):
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    return np.broadcast_to(xx, (n, h, w)), np.broadcast_to(yy, (n, h, w))


def _probability_mask(rng, factor, n, images):
    """Keras' per-image coin: ``U(0, 1) < U(factor)`` as an (N, 1, 1, 1) boolean array on the device."""
    probability = rng.uniform(factor[0], factor[1], n)
    return AugmentLayer._device((rng.uniform(0, 1, n) < probability).reshape(-1, 1, 1, 1), images) > 0


class RandomShear(AugmentLayer):
    """Shear each image: output (x, y) reads input (x + s_x y, s_y x + y), s_x ~ U(x_factor),
    s_y ~ U(y_factor) (a number f in [0, 1] means (-f, f)), both negated together with probability 1/2."""

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.x_factor = _shear_factor(x_factor, "x_factor")
        self.y_factor = _shear_factor(y_factor, "y_factor")
        _check_modes(fill_mode, interpolation)
        self.fill_mode, self.fill_value, self.interpolation = fill_mode, fill_value, interpolation

    def augment_images(self, images, rng):
        """One (s_x, s_y) per image."""
        n, h, w, _ = images.shape
        sign = np.where(rng.uniform(0, 1, n) > 0.5, -1.0, 1.0)
        shear_y = rng.uniform(self.y_factor[0], self.y_factor[1], n) * sign
        shear_x = rng.uniform(self.x_factor[0], self.x_factor[1], n) * sign
        xx, yy = _grid(n, h, w)
        x_in = xx + shear_x[:, None, None] * yy
        y_in = shear_y[:, None, None] * xx + yy
        return sample_grid(images, x_in, y_in, self.interpolation, self.fill_mode, self.fill_value)

    def get_config(self):
        return dict(super().get_config(), x_factor=self.x_factor, y_factor=self.y_factor, fill_mode=self.fill_mode,
                    interpolation=self.interpolation, seed=self.seed, fill_value=self.fill_value)


def homography(start_points, end_points):
    """Keras' ``compute_homography_matrix``: the (N, 8) projective maps taking ``end_points`` to
    ``start_points`` (both (N, 4, 2) as (x, y))."""
    sx, sy = start_points[..., 0], start_points[..., 1]
    ex, ey = end_points[..., 0], end_points[..., 1]
    zeros, ones = np.zeros_like(ex), np.ones_like(ex)
    x_rows = np.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], axis=-1)
    y_rows = np.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], axis=-1)
    matrix = np.concatenate([x_rows, y_rows], axis=1)
    target = np.concatenate([sx, sy], axis=-1)[..., None]
    return np.linalg.solve(matrix, target)[..., 0]


def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0.0):
    """Keras' ``ops.image.perspective_transform`` on (N, H, W, C) ``images``: the quadrilateral
    ``start_points`` (N, 4, 2) moves to ``end_points``; outside reads ``fill_value``."""
    n, h, w, _ = images.shape
    t = homography(np.asarray(start_points, np.float64), np.asarray(end_points, np.float64))[:, :, None, None]
    xx, yy = _grid(n, h, w)
    denominator = t[:, 6] * xx + t[:, 7] * yy + 1.0
    x_in = (t[:, 0] * xx + t[:, 1] * yy + t[:, 2]) / denominator
    y_in = (t[:, 3] * xx + t[:, 4] * yy + t[:, 5]) / denominator
    return sample_grid(images, x_in, y_in, interpolation, "constant", fill_value)


class RandomPerspective(AugmentLayer):
    """With probability ``p ~ U(factor)`` per image, warp it by moving each corner c to
    ``c + c * U(-scale/2, scale/2)`` (per coordinate), filling outside with ``fill_value``."""

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=None, data_format=None,
                 **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = parse_factor(factor, (0, 1))
        if scale < 0.0 or scale > 1.0:
            raise ValueError(f"The `scale` argument should be a number in the range [0,1]. Received: scale={scale}")
        if interpolation not in INTERPOLATIONS:
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one {INTERPOLATIONS}.")
        self.scale, self.interpolation, self.fill_value = scale, interpolation, fill_value

    def augment_images(self, images, rng):
        """The corner draws and the homography per image."""
        xp = backend.get_array_module(images)
        n, h, w, _ = images.shape
        apply = _probability_mask(rng, self.factor, n, images)
        moves = rng.uniform(-0.5 * self.scale, 0.5 * self.scale, (n, 4, 2))
        start = np.repeat(np.array([[[0.0, 0.0], [w - 1, 0.0], [0.0, h - 1], [w - 1, h - 1]]]), n, axis=0)
        warped = perspective_transform(images, start, start + start * moves, self.interpolation, self.fill_value)
        return xp.where(apply, warped, images)

    def get_config(self):
        return dict(super().get_config(), factor=self.factor, scale=self.scale, interpolation=self.interpolation,
                    fill_value=self.fill_value, seed=self.seed)


class RandomErasing(AugmentLayer):
    """With probability ``p ~ U(factor)`` per image, replace one box (width ``sqrt(U(scale)) * w`` and
    height ``sqrt(U(scale)) * h`` at a uniform position) by ``fill_value`` (a number, an RGB triple,
    or None: Gaussian noise times ``value_range[1]``), clipped to ``value_range``."""

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255), seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = parse_factor(factor, (0, 1))
        self.scale = parse_factor(scale, (0, 1), "scale")
        if fill_value is not None and not (isinstance(fill_value, (int, float)) or
                                           (isinstance(fill_value, (tuple, list)) and len(fill_value) == 3)):
            raise ValueError(f"The `fill_value` argument should be a number or a list of three numbers. "
                             f"Received: fill_value={fill_value}")
        self.fill_value, self.value_range = fill_value, value_range

    def augment_images(self, images, rng):
        """The boxes, the coins and the fill."""
        xp = backend.get_array_module(images)
        n, h, w, _ = images.shape
        side = np.sqrt(rng.uniform(self.scale[0], self.scale[1], (n, 2)))
        x0 = rng.uniform(0, 1, n) * (w - side[:, 0] * w)
        y0 = rng.uniform(0, 1, n) * (h - side[:, 1] * h)
        x1, y1 = x0 + side[:, 0] * w, y0 + side[:, 1] * h
        xx, yy = _grid(n, h, w)
        inside = ((xx >= x0[:, None, None]) & (xx < x1[:, None, None]) & (yy >= y0[:, None, None]) &
                  (yy < y1[:, None, None]))
        apply = _probability_mask(rng, self.factor, n, images)
        if self.fill_value is None:
            fill = rng.standard_normal(images.shape) * self.value_range[1]
        else:
            fill = np.broadcast_to(np.asarray(self.fill_value, dtype=np.float64), images.shape)
        fill = self._device(np.clip(fill, self.value_range[0], self.value_range[1]), images)
        mask = self._device(inside[..., None], images) > 0
        return xp.where(apply & mask, fill, images)

    def get_config(self):
        return dict(super().get_config(), factor=self.factor, scale=self.scale, fill_value=self.fill_value,
                    value_range=self.value_range, seed=self.seed)


class RandomElasticTransform(AugmentLayer):
    """With probability ``p ~ U(factor)`` per image, displace pixels by a smoothed random field
    (strength ``f ~ U(scale)``, one per batch), resampled with ``fill_mode``; clipped to ``value_range``."""

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = parse_factor(factor, (0, 1))
        self.scale = parse_factor(scale, (0, 1), "scale")
        _check_modes(fill_mode, interpolation)
        self.interpolation, self.fill_mode, self.fill_value = interpolation, fill_mode, fill_value
        self.value_range = value_range

    def augment_images(self, images, rng):
        """The displacement fields and the resampling."""
        xp = backend.get_array_module(images)
        if self.scale[1] == 0 or self.factor[1] == 0:
            return images
        n, h, w, _ = images.shape
        apply = _probability_mask(rng, self.factor, n, images)
        strength = rng.uniform(self.scale[0], self.scale[1])
        alpha, sigma = max(h, w) * 0.1 * strength, min(h, w) * 0.05 * strength
        if sigma <= 0:
            return images
        size = int(6 * sigma) | 1
        kernel = gaussian_kernel((size, size), (sigma, sigma))
        dx, dy = (filter_same(rng.standard_normal((n, h, w, 1)) * sigma, kernel)[..., 0] for _ in range(2))
        xx, yy = _grid(n, h, w)
        warped = sample_grid(images, xx + alpha * dx, yy + alpha * dy, self.interpolation, self.fill_mode,
                             self.fill_value)
        return xp.clip(xp.where(apply, warped, images), self.value_range[0], self.value_range[1])

    def get_config(self):
        return dict(super().get_config(), factor=self.factor, scale=self.scale, interpolation=self.interpolation,
                    fill_mode=self.fill_mode, fill_value=self.fill_value, value_range=self.value_range,
                    seed=self.seed)
