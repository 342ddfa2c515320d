"""Running a dataset's torchvision-style transform on a whole batch at once.

:func:`batch_plan` accepts a transform made only of :mod:`minidl.vision.transforms`
(in any nesting of ``Compose``) that turns a PIL image into a Tensor, and
returns its steps; :func:`run_plan` applies them to a uint8 batch
(N, C, H, W). Random parameters are drawn image by image, each image drawing
for every step in order, which is exactly the order of calling the transform
on image 0, then image 1, ... So a DataLoader batch built here equals the
batch of the same images transformed one by one and stacked by
``default_collate`` (bit for bit for crops, flips, ``ToTensor`` and
``Normalize``, and for the resampling of PIL images, which ``Resize``,
``RandomResizedCrop``, ``RandomAffine`` and ``RandomRotation`` hand to Pillow image
by image through ``apply_batch_pil``; resampling Tensor images may differ by a
rounding step in rare pixels).
"""
from __future__ import annotations

import numpy as np

from .transforms import Compose, VisionTransform

__all__ = ["batch_plan", "run_plan"]


def _flatten(transform, out):
    if isinstance(transform, Compose):
        for t in transform.transforms:
            if not _flatten(t, out):
                return False
        return True
    if isinstance(transform, VisionTransform) and transform.batchable:
        out.append(transform)
        return True
    return False


def batch_plan(transform):
    """The list of steps of ``transform`` if it can run batched from PIL images to a Tensor,
    else None (then samples are transformed one by one)."""
    if transform is None:
        return None
    steps = []
    if not _flatten(transform, steps):
        return None
    kind = "pil"
    for s in steps:
        kind = s.out_kind(kind)
        if kind is None:
            return None
    return steps if kind == "tensor" else None


def run_plan(steps, x: np.ndarray, rng) -> np.ndarray:
    """Apply ``steps`` to the uint8 batch ``x`` (N, C, H, W), drawing from ``rng`` image by image."""
    sizes = []
    h, w = x.shape[2:]
    for s in steps:
        sizes.append((h, w))
        h, w = s.out_size(h, w)
    drawn = [[] for _ in steps]
    random_steps = [j for j, s in enumerate(steps) if s.random]
    for _ in range(x.shape[0]):
        for j in random_steps:
            drawn[j].append(steps[j].draw(rng, *sizes[j]))
    kind = "pil"
    for j, s in enumerate(steps):
        params = None
        if s.random:
            params = {k: np.concatenate([d[k] for d in drawn[j]]) for k in drawn[j][0]}
        if kind == "pil" and hasattr(s, "apply_batch_pil"):  # Pillow's resampling, image by image
            x = s.apply_batch_pil(x, params)
        else:
            x = s.apply_batch(x, params)
        kind = s.out_kind(kind)
    return x
