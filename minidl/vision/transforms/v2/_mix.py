"""torchvision v2's batch mixing: ``MixUp`` and ``CutMix`` on ``(images (B, C, H, W), labels (B,))``.

Called after collation, e.g. ``images, labels = cutmix_or_mixup(images, labels)`` with
``cutmix_or_mixup = v2.RandomChoice([v2.CutMix(num_classes=10), v2.MixUp(num_classes=10)])``.
Each image is mixed with the previous one of the batch (``roll(1, 0)``); labels become mixed
one-hot float rows (B, num_classes). The mixing weight comes from minidl's current generator.
"""
from __future__ import annotations

import math

import numpy as np

from .... import backend
from ....generator import current_rng
from ....nn.module import Module
from ....tensor import Tensor
from ..._image import is_pil

__all__ = ["MixUp", "CutMix"]


class _BatchMix(Module):
    def __init__(self, *, alpha=1.0, num_classes=None, labels_getter="default"):
        super().__init__()
        if not alpha > 0:
            raise ValueError("Alpha should be greater than 0")
        if num_classes is not None and num_classes < 1:
            raise ValueError(f"num_classes should be >= 1 or None, got {num_classes}")
        if labels_getter != "default":
            raise ValueError(f"{type(self).__name__}: only labels_getter='default' (inputs (images, labels)) is "
                             "supported by minidl")
        self.alpha, self.num_classes, self.labels_getter = alpha, num_classes, labels_getter

    def _inputs(self, inputs):
        pair = inputs if len(inputs) > 1 else inputs[0]
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"{type(self).__name__}() expects (images, labels), got {type(pair).__name__}")
        images, labels = pair
        if is_pil(images):
            raise ValueError(f"{type(self).__name__}() does not support PIL images, bounding boxes and masks.")
        if not isinstance(labels, Tensor):
            raise ValueError(f"The labels must be a tensor, but got {type(labels)} instead.")
        if not isinstance(images, Tensor) or images.ndim != 4:
            got = images.ndim if isinstance(images, Tensor) else type(images).__name__
            raise ValueError(f"Expected a batched input with 4 dims, but got {got} dimensions instead.")
        if images.shape[0] != labels.shape[0]:
            raise ValueError("The batch size of the image or video does not match the batch size of the labels: "
                             f"{images.shape[0]} != {labels.shape[0]}.")
        return images, labels

    def _one_hot(self, labels):
        arr = backend.to_numpy(labels.array)
        if arr.ndim == 2:                                      # already one-hot / soft labels
            return arr.astype(np.float32) if arr.dtype.kind != "f" else arr
        if arr.ndim != 1:
            raise ValueError(f"labels should be of shape (batch_size,) but got shape {tuple(arr.shape)} instead.")
        if self.num_classes is None:
            raise ValueError("num_classes must be passed when the labels are class indices (batch_size,)")
        out = np.zeros((arr.shape[0], self.num_classes), np.float32)
        out[np.arange(arr.shape[0]), arr.astype(np.int64)] = 1.0
        return out

    def _mix_labels(self, labels, lam):
        one_hot = self._one_hot(labels)
        mixed = np.roll(one_hot, 1, axis=0) * one_hot.dtype.type(1.0 - lam) + one_hot * one_hot.dtype.type(lam)
        return Tensor(backend.to_device(mixed, labels.device))

    def _lam(self):
        return float(np.float32(current_rng().beta(self.alpha, self.alpha)))

    def __repr__(self):
        return f"{type(self).__name__}(alpha={self.alpha}, num_classes={self.num_classes})"


class MixUp(_BatchMix):
    """MixUp (Zhang et al., 2017): ``lam * x + (1 - lam) * x_prev`` with ``lam ~ Beta(alpha, alpha)``,
    labels mixed the same way."""

    def __call__(self, *inputs):
        images, labels = self._inputs(inputs)
        lam = self._lam()
        x = backend.to_numpy(images.array)
        dt = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
        mixed = (np.roll(x, 1, axis=0).astype(dt) * dt.type(1.0 - lam) + x.astype(dt) * dt.type(lam)).astype(x.dtype)
        return Tensor(backend.to_device(mixed, images.device)), self._mix_labels(labels, lam)


class CutMix(_BatchMix):
    """CutMix (Yun et al., 2019): paste a box of the previous image, box area ``1 - lam`` with
    ``lam ~ Beta(alpha, alpha)`` (clipped at the borders); labels mixed by the pasted area."""

    def __call__(self, *inputs):
        images, labels = self._inputs(inputs)
        lam = self._lam()
        rng = current_rng()
        height, width = images.shape[-2:]
        r_x, r_y = int(rng.integers(width)), int(rng.integers(height))
        r = 0.5 * math.sqrt(1.0 - lam)
        r_w_half, r_h_half = int(r * width), int(r * height)
        x1, y1 = max(r_x - r_w_half, 0), max(r_y - r_h_half, 0)
        x2, y2 = min(r_x + r_w_half, width), min(r_y + r_h_half, height)
        lam_adjusted = float(1.0 - (x2 - x1) * (y2 - y1) / (width * height))
        x = backend.to_numpy(images.array)
        out = x.copy()
        out[..., y1:y2, x1:x2] = np.roll(x, 1, axis=0)[..., y1:y2, x1:x2]
        return Tensor(backend.to_device(out, images.device)), self._mix_labels(labels, lam_adjusted)
