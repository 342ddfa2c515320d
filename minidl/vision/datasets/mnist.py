"""MNIST and Fashion-MNIST in torchvision's layout: ``<root>/<ClassName>/raw/*-ubyte[.gz]``."""
from __future__ import annotations

import gzip
import os
import shutil
import warnings
from pathlib import Path

import numpy as np

from ...data.download import download_url
from ...data.mnist import read_idx
from ...tensor import Tensor
from ._base import ArrayVisionDataset

__all__ = ["MNIST", "FashionMNIST"]


def _to_array(value):
    """A Tensor / array / list as an ndarray (for the assignable ``data`` / ``targets``)."""
    return np.asarray(value.numpy() if isinstance(value, Tensor) else value)


def _renamed(old, new):
    """A property ``old`` that answers ``new`` after torchvision's "``old`` has been renamed ``new``" warning."""
    def get(self):
        warnings.warn(f"{old} has been renamed {new}", stacklevel=2)
        return getattr(self, new)
    return property(get, doc=f"``{new}`` under its pre-0.2 name (torchvision warns, then answers).")


class MNIST(ArrayVisionDataset):
    """MNIST digits (torchvision's ``datasets.MNIST``): 60,000 train / 10,000 test, 28x28 gray.

    Reads ``root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte`` (the
    ``.gz`` files are read too), as torchvision leaves them; ``download=True``
    fetches the missing ones from the official mirrors and checks their MD5.
    ``.data`` uint8 Tensor (N, 28, 28), ``.targets`` int64 Tensor (N,);
    ``ds[i]`` -> ``(PIL image mode "L", int)``.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        root = Path(os.path.expanduser(os.fspath(root)))
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = bool(train)
        if download:
            self.download()
        x, y = self._load_data()
        if x.ndim != 3 or len(x) != len(y):
            raise ValueError(f"{self.raw_folder}: holds {x.shape} images but {y.shape} labels; "
                             "expected (N, rows, cols) and (N,)")
        self._set_arrays(x, y, type(self).classes)

    _also_read = "or .gz"

    def _raw_names(self):
        """The (images, labels) file names in ``raw_folder``, without ``.gz``."""
        prefix = "train" if self.train else "t10k"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def _require(self, names):
        """The paths of ``names`` in ``raw_folder`` (``.gz`` accepted); RuntimeError naming the
        first missing one otherwise (torchvision's message, then the file)."""
        paths = [self._find(n) for n in names]
        for name, path in zip(names, paths):
            if path is None:
                raise RuntimeError("Dataset not found. You can use download=True to download it "
                                   f"(expected {self.raw_folder / name} ({self._also_read}), torchvision's layout)")
        return paths

    def _load_data(self):
        """(images uint8 (N, H, W), labels (N,)) read from ``raw_folder``."""
        images, labels = self._require(self._raw_names())
        x, y = read_idx(images), read_idx(labels)
        if y.ndim != 1:
            raise ValueError(f"{labels}: holds labels of shape {y.shape}; expected (N,)")
        return x, y

    @property
    def raw_folder(self) -> Path:
        """``root/<ClassName>/raw``."""
        return Path(self.root) / type(self).__name__ / "raw"

    def _find(self, name):
        for candidate in (self.raw_folder / name, self.raw_folder / (name + ".gz")):
            if candidate.is_file():
                return candidate
        return None

    @property
    def data(self):
        """uint8 Tensor (N, 28, 28); assignable (e.g. ``ds.data = ds.data[:100]``)."""
        return Tensor(self._images)

    @data.setter
    def data(self, value):
        self._images = _to_array(value)

    @property
    def targets(self):
        """int64 Tensor (N,); assignable."""
        return Tensor(self._labels)

    @targets.setter
    def targets(self, value):
        self._labels = _to_array(value).astype(np.int64).reshape(-1)

    train_labels = _renamed("train_labels", "targets")
    test_labels = _renamed("test_labels", "targets")
    train_data = _renamed("train_data", "data")
    test_data = _renamed("test_data", "data")

    def _check_exists(self) -> bool:
        return all(self._find(f[:-3]) is not None for f, _ in self.resources)

    def download(self) -> None:
        """Fetch the missing files into ``raw_folder`` (MD5-checked) and unpack the ``.gz``."""
        if self._check_exists():
            return
        self.raw_folder.mkdir(parents=True, exist_ok=True)
        for fname, md5 in self.resources:
            target = self.raw_folder / fname[:-3]
            if target.is_file():
                continue
            archive = self.raw_folder / fname
            if not archive.is_file():
                download_url([m + fname for m in self.mirrors], archive, md5=md5)
            tmp = target.with_name(f".{target.name}.tmp")
            with gzip.open(archive, "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.replace(tmp, target)

    def extra_repr(self) -> str:
        """``Split: Train`` or ``Split: Test``."""
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando): MNIST's format, ``root/FashionMNIST/raw/``."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
