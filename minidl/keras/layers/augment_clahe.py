"""``ContrastLimitedAdaptiveHistogramEqualization`` (CLAHE) of the Keras facade, as Keras 3.15.

Each image is padded symmetrically to a whole number of ``tile_grid_size`` tiles; every tile's
256-bin histogram of its (truncated) 0..255 values is clipped at ``clip_limit * tile_area / 256``
with the excess spread evenly over all bins, its CDF mapped to 0..255 (``(cdf - cdf[0]) * 255 /
(area - cdf[0])``), and each pixel takes the bilinear blend of the four nearest tiles' mappings of
its value (edge tiles repeated). Applied at inference too, as Keras (the layer ignores ``training``).
"""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.keras.layers._augment_base import AugmentLayer, to_range

__all__ = ["ContrastLimitedAdaptiveHistogramEqualization"]


class ContrastLimitedAdaptiveHistogramEqualization(AugmentLayer):
    """Contrast-limited adaptive histogram equalisation per channel on ``value_range`` images."""

    _ALWAYS = True
    _RANDOM = False

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8), data_format=None, **kwargs):
        super().__init__(None, data_format, **kwargs)
        self.value_range, self.clip_limit = value_range, clip_limit
        self.tile_grid_size = tuple(int(v) for v in tile_grid_size)
        if len(self.tile_grid_size) != 2 or min(self.tile_grid_size) < 1:
            raise ValueError(f"`tile_grid_size` must be two positive integers. Received: tile_grid_size="
                             f"{tile_grid_size}")

    def _forward(self, x, training=False):
        if x.requires_grad:  # Keras' result reaches the values only through integer casts: a zero gradient
            return super()._forward(x.detach(), True)
        return super()._forward(x, True)

    def augment_images(self, images, rng):
        """The equalised images (computed in NumPy; moved back to the images' device)."""
        device = backend.device_of(images)
        values = to_range(backend.to_numpy(images).astype(np.float32), self.value_range, (0, 255))
        out = to_range(self._clahe(values), (0, 255), self.value_range).astype(np.float32)
        return backend.to_device(out, device)

    def _clahe(self, images):
        n, height, width, channels = images.shape
        grid_h, grid_w = self.tile_grid_size
        tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
        padded = np.pad(images, ((0, 0), (0, tile_h * grid_h - height), (0, tile_w * grid_w - width), (0, 0)),
                        mode="symmetric")
        tiles = padded.reshape(n, grid_h, tile_h, grid_w, tile_w, channels).transpose(0, 1, 3, 5, 2, 4)
        bins = np.clip(tiles.reshape(n, grid_h, grid_w, channels, -1).astype(np.int32), 0, 255)
        hists = np.zeros((n, grid_h, grid_w, channels, 256), np.float32)
        flat = bins.reshape(-1, bins.shape[-1])
        np.add.at(hists.reshape(-1, 256), (np.arange(len(flat))[:, None], flat), 1.0)
        area = tile_h * tile_w
        if self.clip_limit > 0:
            clipped = np.clip(hists, 0, np.float32(self.clip_limit * area / 256.0))
            hists = clipped + (hists - clipped).sum(axis=-1, keepdims=True) / 256.0
        cdf = np.cumsum(hists, axis=-1)
        cdf_min = cdf.min(axis=-1, keepdims=True)
        denominator = np.float32(area) - cdf_min
        denominator = np.where(denominator == 0, np.float32(1), denominator)
        lookup = np.clip((cdf - cdf_min) * 255.0 / denominator, 0, 255)
        lookup = np.pad(lookup, ((0, 0), (1, 1), (1, 1), (0, 0), (0, 0)), mode="edge")
        ys = (np.arange(tile_h * grid_h, dtype=np.float32) - tile_h / 2.0) / tile_h + 1.0
        xs = (np.arange(tile_w * grid_w, dtype=np.float32) - tile_w / 2.0) / tile_w + 1.0
        y0, x0 = np.floor(ys), np.floor(xs)
        wy, wx = (ys - y0)[None, :, None, None], (xs - x0)[None, None, :, None]
        y0, y1 = (np.clip(v, 0, grid_h + 1).astype(np.int64) for v in (y0, y0 + 1))
        x0, x1 = (np.clip(v, 0, grid_w + 1).astype(np.int64) for v in (x0, x0 + 1))
        pixels = np.clip(padded, 0, 255).astype(np.int32)
        b = np.arange(n)[:, None, None, None]
        c = np.arange(channels)[None, None, None, :]

        def at(rows, cols):
            return lookup[b, rows[None, :, None, None], cols[None, None, :, None], c, pixels]
        top = at(y0, x0) * (1.0 - wx) + at(y0, x1) * wx
        bottom = at(y1, x0) * (1.0 - wx) + at(y1, x1) * wx
        return (top * (1.0 - wy) + bottom * wy)[:, :height, :width, :]

    def get_config(self):
        return dict(super().get_config(), value_range=self.value_range, clip_limit=self.clip_limit,
                    tile_grid_size=self.tile_grid_size)
