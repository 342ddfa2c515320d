"""Augmenting a dataset up front: flipped copies appended, grouped with their original.

The fruit paper enlarged its training set once, before training, with flipped
copies of every image. A copy must land on the same side of a train/val split
as its original, otherwise validation sees mirror images of training images.
:func:`augment_with_flips` therefore returns a group id per sample (the index
of the original image), and :func:`~minidl.data.stratified_split` keeps each
group together (it reads ``dataset.groups`` by default).
"""
from __future__ import annotations

import numpy as np

from .dataset import ArrayImageDataset, image_source, targets_of

__all__ = ["augment_with_flips"]

_FLIPS = {
    "horizontal": lambda d: d[:, :, ::-1],
    "vertical": lambda d: d[:, ::-1],
    "both": lambda d: d[:, ::-1, ::-1],
}


def augment_with_flips(dataset, flips=("horizontal", "vertical"), transform=None):
    """Append flipped copies of every image of ``dataset``.

    dataset: an image dataset with uint8 ``.data`` (N, H, W, C), or a Subset of
    one. flips: any of "horizontal", "vertical", "both" (the 180-degree turn).
    Returns ``(augmented, groups)``: an :class:`ArrayImageDataset` holding the
    N originals followed by one block of N copies per flip (labels repeated),
    and ``groups`` (int64, (1 + len(flips)) * N), the original's index for each
    sample, also stored as ``augmented.groups``.
    """
    src = image_source(dataset)
    if src is None:
        raise TypeError(f"augment_with_flips needs a dataset with uint8 .data (N, H, W, C), "
                        f"got {type(dataset).__name__}")
    data, idx = src
    if idx is not None:
        data = data[idx]
    unknown = [f for f in flips if f not in _FLIPS]
    if unknown:
        raise ValueError(f"unknown flips {unknown}; choose from {sorted(_FLIPS)}")
    targets = targets_of(dataset)
    n = len(data)
    blocks = [data] + [_FLIPS[f](data) for f in flips]
    out = ArrayImageDataset(np.concatenate(blocks), np.tile(targets, len(blocks)),
                            classes=getattr(dataset, "classes", None), transform=transform)
    groups = np.tile(np.arange(n, dtype=np.int64), len(blocks))
    out.groups = groups
    return out, groups
