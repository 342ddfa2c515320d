"""``FakeData``: torchvision's dataset of random images, for smoke tests (no files involved)."""
from __future__ import annotations

import numpy as np

from ... import backend
from .._image import array_to_pil
from ._base import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """``size`` random images of ``image_size`` (C, H, W) with labels in ``[0, num_classes)``.

    As torchvision's: item ``i`` is drawn from a generator seeded with
    ``i + random_offset`` (the same item every time, whatever the global seed),
    the standard-normal pixels become a PIL image the way ``ToPILImage``
    converts a float tensor (``x * 255`` truncated to a byte), and items are
    ``(PIL image, int)`` before ``transform`` / ``target_transform``.
    """

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None,
                 target_transform=None, random_offset=0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = int(size)
        self.image_size = tuple(int(s) for s in image_size)
        if len(self.image_size) != 3 or self.image_size[0] not in (1, 2, 3, 4):
            raise ValueError(f"FakeData: image_size must be (C, H, W) with C in 1-4, got {image_size}")
        self.num_classes = int(num_classes)
        self.random_offset = int(random_offset)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index):
        if not -self.size <= index < self.size:
            raise IndexError(f"{self.__class__.__name__} index out of range")
        index = index % self.size
        rng = backend.new_rng(index + self.random_offset)
        pixels = rng.standard_normal(self.image_size).astype(np.float32)
        target = int(rng.integers(0, self.num_classes))
        as_bytes = (np.trunc(pixels * 255).astype(np.int64) & 255).astype(np.uint8)
        return self._apply(array_to_pil(as_bytes), target)
