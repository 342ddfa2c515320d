"""torchvision.utils: ``make_grid`` and ``save_image`` (tile a batch of images into one), and the
drawing functions ``draw_bounding_boxes``, ``draw_segmentation_masks``, ``draw_keypoints``."""
from __future__ import annotations

import math
import os

import numpy as np
from PIL import Image

from .. import backend
from ..tensor import Tensor
from ._draw import draw_bounding_boxes, draw_keypoints, draw_segmentation_masks, flow_to_image

__all__ = ["make_grid", "save_image", "draw_bounding_boxes", "draw_segmentation_masks", "draw_keypoints",
           "flow_to_image"]


def _as_array(tensor):
    if isinstance(tensor, (list, tuple)):
        return np.stack([_as_array(t) for t in tensor])
    if isinstance(tensor, Tensor):
        return np.asarray(backend.to_device(tensor.array, "cpu"))
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(f"tensor or list of tensors expected, got {type(tensor).__name__}")


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """Tile images (N, C, H, W) (or a list of (C, H, W)) into one (3 or C, H', W') Tensor.

    ``nrow`` images per row, ``padding`` pixels of ``pad_value`` between them.
    ``normalize`` rescales to [0, 1] by ``value_range`` (default: the min and
    max, of each image with ``scale_each``). One-channel images become RGB.

    >>> import minidl as mdl
    >>> make_grid(mdl.zeros(5, 1, 4, 4), nrow=3).shape
    minidl.Size([3, 14, 20])
    """
    x = _as_array(tensor).astype(np.float32, copy=True) if not np.issubdtype(
        _as_array(tensor).dtype, np.floating) else _as_array(tensor).copy()
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        x = np.concatenate([x] * 3) if x.shape[0] == 1 else x
        x = x[None]
    if x.ndim != 4:
        raise ValueError(f"make_grid expects (N, C, H, W), (C, H, W) or (H, W), got shape {x.shape}")
    if x.shape[1] == 1:
        x = np.concatenate([x] * 3, axis=1)
    if normalize:
        def norm(img, rng):
            lo, hi = (float(img.min()), float(img.max())) if rng is None else (float(rng[0]), float(rng[1]))
            np.clip(img, lo, hi, out=img)
            img -= lo
            img /= max(hi - lo, 1e-5)
        if scale_each:
            for img in x:
                norm(img, value_range)
        else:
            norm(x, value_range)
    if x.shape[0] == 1:
        return Tensor(x[0])
    n, c, h, w = x.shape
    xmaps = min(nrow, n)
    ymaps = int(math.ceil(n / xmaps))
    height, width = h + padding, w + padding
    grid = np.full((c, height * ymaps + padding, width * xmaps + padding), pad_value, dtype=x.dtype)
    for k in range(n):
        y, xx = divmod(k, xmaps)
        top, left = y * height + padding, xx * width + padding
        grid[:, top:top + h, left:left + w] = x[k]
    return Tensor(grid)


def save_image(tensor, fp, format=None, **kwargs):
    """Save ``make_grid(tensor, **kwargs)`` (values in [0, 1]) as an image file.

    ``fp``: a path (written atomically; its extension picks the format unless
    ``format`` is given) or a binary file object (then ``format`` is needed).
    """
    grid = _as_array(make_grid(tensor, **kwargs))
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    image = Image.fromarray(np.ascontiguousarray(pixels))
    if not isinstance(fp, (str, os.PathLike)):
        image.save(fp, format=format)
        return
    from ..io import atomic_path
    from ..serialization._common import chmod_for_umask
    if format is None:
        ext = os.path.splitext(os.fspath(fp))[1].lower()
        format = Image.registered_extensions().get(ext)
        if format is None:
            raise ValueError(f"{fp}: unknown image extension {ext!r}; pass format= (e.g. 'PNG')")
    with atomic_path(fp) as tmp:
        image.save(tmp, format=format)
        chmod_for_umask(tmp)
