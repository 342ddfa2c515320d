"""SVHN (``{split}_32x32.mat``, read with scipy) and USPS (libsvm ``.bz2``) in torchvision's
layout: the files directly in ``root``."""
from __future__ import annotations

import bz2
import os
from pathlib import Path

import numpy as np

from ...data.download import download_url, file_hash
from ._base import ArrayVisionDataset, verify_str_arg

__all__ = ["SVHN", "USPS", "integrity_problem"]


def integrity_problem(path, md5=None):
    """None when ``path`` is a file whose MD5 is ``md5`` (any, when None); else why not."""
    if not os.path.isfile(path):
        return f"{path} is missing"
    if md5 is not None and file_hash(path, "md5") != md5:
        return f"{path} does not have MD5 {md5}"
    return None


def _not_found(problem):
    return RuntimeError("Dataset not found or corrupted. You can use download=True to download it "
                        f"({problem})")


def _loadmat(path):
    try:
        import scipy.io as sio
    except ImportError as exc:
        raise ImportError(f"SVHN reads {os.path.basename(path)} with scipy.io.loadmat, and scipy is not "
                          "installed: pip install scipy") from exc
    return sio.loadmat(path)


class SVHN(ArrayVisionDataset):
    """Street View House Numbers (torchvision's ``datasets.SVHN``), ``split`` "train", "test"
    or "extra", read from ``root/{split}_32x32.mat`` (needs scipy).

    The label 10 of the digit 0 becomes 0. ``.data`` uint8 ndarray (N, 3, 32, 32),
    ``.labels`` int64 ndarray (N,); ``ds[i]`` -> ``(PIL image mode "RGB", int)``.
    The file's MD5 is checked, as torchvision does.
    """

    split_list = {
        "train": ["http://ufldl.stanford.edu/housenumbers/train_32x32.mat", "train_32x32.mat",
                  "e26dedcc434d2e4c54c9b2d4a06d8373"],
        "test": ["http://ufldl.stanford.edu/housenumbers/test_32x32.mat", "test_32x32.mat",
                 "eb5a983be6a315427106f1b164d9cef3"],
        "extra": ["http://ufldl.stanford.edu/housenumbers/extra_32x32.mat", "extra_32x32.mat",
                  "a93ce644f1a588dc4d68dda5feec44a7"],
    }

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = verify_str_arg(split, "split", tuple(self.split_list.keys()))
        self.url, self.filename, self.file_md5 = self.split_list[split]
        if download:
            self.download()
        problem = self._integrity_problem()
        if problem is not None:
            raise _not_found(problem)
        loaded = _loadmat(os.path.join(self.root, self.filename))
        x = np.asarray(loaded["X"])
        if x.ndim != 4 or x.shape[2] != 3:
            raise ValueError(f"{self.filename}: X has shape {x.shape}; expected (32, 32, 3, N)")
        labels = np.asarray(loaded["y"]).astype(np.int64).squeeze()
        np.place(labels, labels == 10, 0)
        self._set_arrays(x.transpose(3, 0, 1, 2), labels, [str(i) for i in range(10)])

    @property
    def data(self) -> np.ndarray:
        """uint8 (N, 3, 32, 32)."""
        return self._images.transpose(0, 3, 1, 2)

    @data.setter
    def data(self, value):
        self._images = np.asarray(value).transpose(0, 2, 3, 1)

    @property
    def labels(self) -> np.ndarray:
        """int64 (N,), 0-9."""
        return self._labels

    @labels.setter
    def labels(self, value):
        self._labels = np.asarray(value)

    def _integrity_problem(self):
        return integrity_problem(os.path.join(self.root, self.filename), self.split_list[self.split][2])

    def _check_integrity(self) -> bool:
        return self._integrity_problem() is None

    def download(self) -> None:
        """Fetch ``{split}_32x32.mat`` (MD5-checked) into ``root``."""
        if self._check_integrity():
            return
        download_url(self.url, Path(self.root) / self.filename, md5=self.split_list[self.split][2])

    def extra_repr(self) -> str:
        """``Split: <split>``."""
        return f"Split: {self.split}"


class USPS(ArrayVisionDataset):
    """USPS handwritten digits (torchvision's ``datasets.USPS``): 7,291 train / 2,007 test 16x16
    gray, read from ``root/usps.bz2`` or ``root/usps.t.bz2`` (libsvm format, labels 1-10 -> 0-9,
    pixels [-1, 1] -> uint8). ``.data`` uint8 ndarray (N, 16, 16), ``.targets`` list of ints.
    """

    split_list = {
        "train": ["https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/usps.bz2",
                  "usps.bz2", "ec16c51db3855ca6c91edd34d0e9b197"],
        "test": ["https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/usps.t.bz2",
                 "usps.t.bz2", "8ea070ee2aca1ac39742fdd1ef5ed118"],
    }

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        url, filename, checksum = self.split_list["train" if train else "test"]
        full_path = os.path.join(self.root, filename)
        if download and not os.path.exists(full_path):
            download_url(url, full_path, md5=checksum)
        if not os.path.isfile(full_path):
            raise FileNotFoundError(f"No such file: {full_path!r} (USPS; pass download=True to fetch it)")
        with bz2.open(full_path) as fp:
            raw = [line.decode().split() for line in fp.readlines()]
        pixels = [[x.split(":")[-1] for x in row[1:]] for row in raw]
        imgs = np.asarray(pixels, dtype=np.float32).reshape((-1, 16, 16))
        imgs = ((imgs + 1) / 2 * 255).astype(np.uint8)
        self._set_arrays(imgs, [int(row[0]) - 1 for row in raw], [str(i) for i in range(10)])

    @property
    def data(self) -> np.ndarray:
        """uint8 (N, 16, 16)."""
        return self._images

    @data.setter
    def data(self, value):
        self._images = np.asarray(value)

    @property
    def targets(self) -> list:
        """The labels 0-9, a list of ints."""
        return self._labels.tolist()

    @targets.setter
    def targets(self, value):
        self._labels = np.asarray(value, dtype=np.int64)
