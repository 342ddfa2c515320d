"""STL-10 in torchvision's layout: ``<root>/stl10_binary/{train,test,unlabeled}_X.bin``,
``{train,test}_y.bin``, ``class_names.txt``, ``fold_indices.txt``."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ...data.download import download_url, extract_archive
from ._base import ArrayVisionDataset, verify_str_arg
from .svhn import _not_found, integrity_problem

__all__ = ["STL10"]


class STL10(ArrayVisionDataset):
    """STL-10 (torchvision's ``datasets.STL10``): 96x96 RGB, ``split`` "train", "test",
    "unlabeled" or "train+unlabeled"; ``folds`` 0-9 picks one of the ten 1,000-image
    training folds of ``fold_indices.txt`` (None: all).

    Images are stored column-major (3, 96, 96) bytes; labels 1-10 become 0-9, the
    unlabeled images get -1. ``.data`` uint8 ndarray (N, 3, 96, 96), ``.labels``
    ndarray (uint8 for train/test, int64 with the unlabeled, as torchvision's);
    ``.classes`` from ``class_names.txt``. Every file's MD5 is checked, as torchvision does.
    """

    base_folder = "stl10_binary"
    url = "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz"
    filename = "stl10_binary.tar.gz"
    tgz_md5 = "91f7769df0f17e558f3565bffb0c7dfb"
    class_names_file = "class_names.txt"
    folds_list_file = "fold_indices.txt"
    train_list = [["train_X.bin", "918c2871b30a85fa023e0c44e0bee87f"],
                  ["train_y.bin", "5a34089d4802c674881badbb80307741"],
                  ["unlabeled_X.bin", "5242ba1fed5e4be9e1e742405eb56ca4"]]
    test_list = [["test_X.bin", "7f263ba9f9e0b06b93213547f721ac82"],
                 ["test_y.bin", "36f9794fa4beb8a2c72628de14fa638e"]]
    splits = ("train", "train+unlabeled", "unlabeled", "test")

    def __init__(self, root, split="train", folds=None, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = verify_str_arg(split, "split", self.splits)
        self.folds = self._verify_folds(folds)
        if download:
            self.download()
        else:
            problem = self._integrity_problem()
            if problem is not None:
                raise _not_found(problem)
        if self.split in ("train", "train+unlabeled"):
            data, labels = self._loadfile(self.train_list[0][0], self.train_list[1][0])
            data, labels = self._load_folds(data, labels, folds)
            if self.split == "train+unlabeled":
                unlabeled, _ = self._loadfile(self.train_list[2][0])
                data = np.concatenate((data, unlabeled))
                labels = np.concatenate((labels, np.asarray([-1] * unlabeled.shape[0])))
        elif self.split == "unlabeled":
            data, _ = self._loadfile(self.train_list[2][0])
            labels = np.asarray([-1] * data.shape[0])
        else:
            data, labels = self._loadfile(self.test_list[0][0], self.test_list[1][0])
        self.data, self.labels = data, labels
        class_file = os.path.join(self.root, self.base_folder, self.class_names_file)
        if os.path.isfile(class_file):
            with open(class_file) as f:
                self.classes = f.read().splitlines()

    @property
    def data(self) -> np.ndarray:
        """uint8 (N, 3, 96, 96)."""
        return self._images.transpose(0, 3, 1, 2)

    @data.setter
    def data(self, value):
        self._images = np.asarray(value).transpose(0, 2, 3, 1)

    @property
    def labels(self) -> np.ndarray:
        """0-9, -1 for the unlabeled images."""
        return self._stl_labels

    @labels.setter
    def labels(self, value):
        self._stl_labels = value
        self._labels = np.asarray(value, dtype=np.int64).reshape(-1)

    @staticmethod
    def _verify_folds(folds):
        if folds is None:
            return folds
        if isinstance(folds, int):
            if folds in range(10):
                return folds
            raise ValueError(f"Value for argument folds should be in the range [0, 10), but got {folds}.")
        raise ValueError(f"Expected type None or int for argument folds, but got type {type(folds)}.")

    def _path(self, name):
        return os.path.join(self.root, self.base_folder, name)

    def _loadfile(self, data_file, labels_file=None):
        labels = None
        if labels_file:
            labels = np.fromfile(self._path(labels_file), dtype=np.uint8) - 1
        everything = np.fromfile(self._path(data_file), dtype=np.uint8)
        if everything.size % (3 * 96 * 96):
            raise ValueError(f"{self._path(data_file)}: {everything.size} bytes is not a whole number "
                             "of 3x96x96 images")
        images = everything.reshape(-1, 3, 96, 96).transpose(0, 1, 3, 2)
        if labels is not None and len(labels) != len(images):
            raise ValueError(f"{self._path(labels_file)}: {len(labels)} labels for {len(images)} images")
        return images, labels

    def _load_folds(self, data, labels, folds):
        if folds is None:
            return data, labels
        with open(self._path(self.folds_list_file)) as f:
            line = f.read().splitlines()[folds]
        idx = np.array(line.split(), dtype=np.int64)
        return data[idx], labels[idx]

    def _integrity_problem(self):
        for name, md5 in self.train_list + self.test_list:
            problem = integrity_problem(self._path(name), md5)
            if problem is not None:
                return problem
        return None

    def _check_integrity(self) -> bool:
        return self._integrity_problem() is None

    def download(self) -> None:
        """Fetch ``stl10_binary.tar.gz`` (MD5-checked) into ``root`` and unpack it there."""
        if self._check_integrity():
            return
        root = Path(self.root)
        archive = root / self.filename
        if not archive.is_file():
            download_url(self.url, archive, md5=self.tgz_md5)
        extract_archive(archive, root)

    def extra_repr(self) -> str:
        """``Split: <split>``."""
        return f"Split: {self.split}"
