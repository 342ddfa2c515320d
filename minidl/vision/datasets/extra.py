"""minidl's own datasets with torchvision's item convention: ``TinyImageNet`` and ``Shapes``."""
from __future__ import annotations

from ...data.shapes import Shapes as _Shapes
from ...data.tiny_imagenet import TinyImageNet as _TinyImageNet
from ._base import ArrayVisionDataset

__all__ = ["TinyImageNet", "Shapes"]


class _Wrapped(ArrayVisionDataset):
    """An array dataset of :mod:`minidl.data` giving ``(PIL image, int)`` items."""

    def _wrap(self, source, root, transform, target_transform):
        ArrayVisionDataset.__init__(self, root, transform=transform,
                                    target_transform=target_transform)
        self._set_arrays(source.data, source.targets, source.classes)
        self.source = source

    @property
    def data(self):
        """uint8 (N, H, W, 3)."""
        return self._images

    @property
    def targets(self):
        """The labels, a list of ints."""
        return self._labels.tolist()


class TinyImageNet(_Wrapped):
    """Tiny ImageNet (200 classes, 64x64 RGB), ``split`` "train" or "val", read by
    :class:`minidl.data.TinyImageNet` from ``root`` (``tiny-imagenet-200`` as unpacked)."""

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False):
        self.split = split
        self._wrap(_TinyImageNet(root, split=split, download=download), root, transform,
                   target_transform)


class Shapes(_Wrapped):
    """minidl's generated shapes dataset (:class:`minidl.data.Shapes`): ``n`` RGB images of
    ``image_size`` px in ``num_classes`` classes, the same for the same ``seed``."""

    def __init__(self, n, image_size=32, num_classes=10, seed=0, transform=None,
                 target_transform=None):
        self._wrap(_Shapes(n, image_size=image_size, num_classes=num_classes, seed=seed), None,
                   transform, target_transform)
