"""CIFAR-10 and CIFAR-100 in torchvision's layout: ``<root>/cifar-10-batches-py/`` and
``<root>/cifar-100-python/`` (the official python pickles).

The decoding is :mod:`minidl.data.cifar`'s, which also reads an image tree
(``train/<class>/*.jpg``, ``test/<class>/*.jpg``) or a ``.tar.gz`` of either,
so ``root`` may be such a tree too.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ...data import cifar as _cifar
from ...data.download import download_url, extract_archive
from ._base import ArrayVisionDataset

__all__ = ["CIFAR10", "CIFAR100"]


class CIFAR10(ArrayVisionDataset):
    """CIFAR-10 (torchvision's ``datasets.CIFAR10``): 50,000 train / 10,000 test 32x32 RGB.

    ``download=True`` fetches ``cifar-10-python.tar.gz`` (MD5-checked) into
    ``root`` and unpacks it there. ``.data`` uint8 ndarray (N, 32, 32, 3),
    ``.targets`` list of ints, ``.classes`` from ``batches.meta``;
    ``ds[i]`` -> ``(PIL image mode "RGB", int)``.
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    _reader = _cifar.CIFAR10

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        root = Path(os.path.expanduser(os.fspath(root)))
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = bool(train)
        if download:
            self.download()
        kind, _ = self._reader._locate(root)
        if kind is None:
            name = type(self).__name__
            files = ", ".join(f for f, _ in self._reader.files["train" if self.train else "test"])
            raise RuntimeError(f"{root}: {name} not found: expected torchvision's layout "
                               f"{root / self.base_folder}/ ({files}) or an image tree "
                               "train/<class>/, test/<class>/; pass download=True to fetch it")
        ds = self._reader(root, train=self.train)
        self._set_arrays(ds.data, ds.targets, ds.classes)

    @property
    def data(self) -> np.ndarray:
        """uint8 (N, 32, 32, 3); assignable (e.g. ``ds.data = ds.data[:100]``)."""
        return self._images

    @data.setter
    def data(self, value):
        self._images = np.asarray(value)

    @property
    def targets(self) -> list:
        """The labels, a list of ints; assignable."""
        return self._labels.tolist()

    @targets.setter
    def targets(self, value):
        self._labels = np.asarray(value, dtype=np.int64).reshape(-1)

    def _check_integrity(self) -> bool:
        return self._reader._locate(Path(self.root))[0] is not None

    def download(self) -> None:
        """Fetch and unpack the official archive unless the batches are already there."""
        root = Path(self.root)
        if self._check_integrity():
            return
        archive = download_url(self.url, root / self.filename, md5=self.tgz_md5)
        extract_archive(archive, root / self.base_folder, prefix=self.base_folder)

    def extra_repr(self) -> str:
        """``Split: Train`` or ``Split: Test``."""
        return f"Split: {'Train' if self.train else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100 (torchvision's ``datasets.CIFAR100``): 100 fine classes, ``root/cifar-100-python/``."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    _reader = _cifar.CIFAR100
