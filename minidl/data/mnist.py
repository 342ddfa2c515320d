"""MNIST and Fashion-MNIST from their official gzip-compressed IDX files."""
from __future__ import annotations

import gzip
import zlib

import numpy as np

from .cache import dataset_dir
from .dataset import ArrayImageDataset
from .download import check_file, download_url, missing_files_error

__all__ = ["MNIST", "FashionMNIST", "read_idx"]


def read_idx(path) -> np.ndarray:
    """Read an IDX file, gzip-compressed or not: images -> uint8 (N, rows, cols), labels -> uint8 (N,).

    Raises ValueError naming the file when the magic number or the length is wrong.
    """
    with open(path, "rb") as f:
        compressed = str(path).endswith(".gz") or f.read(2) == b"\x1f\x8b"
    try:
        with (gzip.open(path, "rb") if compressed else open(path, "rb")) as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{path}: not a readable gzip file ({exc})") from exc
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    magic = int.from_bytes(raw[:4], "big")
    if magic == 2051:
        n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
        offset, shape = 16, (n, rows, cols)
    elif magic == 2049:
        n = int.from_bytes(raw[4:8], "big")
        offset, shape = 8, (n,)
    else:
        raise ValueError(f"{path}: IDX magic number is {magic}, expected 2051 (images) "
                         "or 2049 (labels)")
    expected = offset + int(np.prod(shape))
    if len(raw) != expected:
        raise ValueError(f"{path}: {len(raw)} bytes after decompression, the header "
                         f"{shape} implies {expected}")
    return np.frombuffer(raw, np.uint8, offset=offset).reshape(shape)


class MNIST(ArrayImageDataset):
    """The MNIST handwritten digits (LeCun et al., 1998): 60,000 train / 10,000 test, 28x28 gray.

    root: the folder holding the four ``*-ubyte.gz`` files directly (None:
    ``$MINIDL_DATA/mnist``, default ``~/.cache/minidl/mnist``). download=True
    fetches missing files from the official mirrors and checks their MD5.
    ``.data`` uint8 (N, 28, 28, 1); ``ds[i]`` -> (float32 (1, 28, 28) in [0, 1], label).
    """

    name = "mnist"
    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = {
        "train": [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                  ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432")],
        "test": [("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")],
    }
    class_names = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
                   "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root=None, train=True, download=False, transform=None):
        self.root = dataset_dir(self.name, root)
        self.train = bool(train)
        split = "train" if self.train else "test"
        if download:
            self.download(self.root)
        missing = [f for f, _ in self.resources[split] if not (self.root / f).is_file()]
        if missing:
            raise missing_files_error(type(self).__name__, self.root, missing, self.mirrors)
        (img_file, _), (lbl_file, _) = self.resources[split]
        images = read_idx(self.root / img_file)
        labels = read_idx(self.root / lbl_file)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"{self.root}: {img_file} holds {images.shape} and {lbl_file} "
                             f"holds {labels.shape}; expected (N, rows, cols) and (N,)")
        super().__init__(images[..., None], labels.astype(np.int64), self.class_names, transform)

    @classmethod
    def download(cls, root=None):
        """Download (and MD5-check) the files missing from ``root``; return ``root``."""
        root = dataset_dir(cls.name, root)
        for split in ("train", "test"):
            for fname, md5 in cls.resources[split]:
                if not (root / fname).is_file():
                    download_url([m + fname for m in cls.mirrors], root / fname, md5=md5)
        return root

    @classmethod
    def check_integrity(cls, root=None) -> None:
        """Raise ChecksumError (or FileNotFoundError) unless all four files match their MD5."""
        root = dataset_dir(cls.name, root)
        for split in ("train", "test"):
            for fname, md5 in cls.resources[split]:
                check_file(root / fname, md5=md5)


class FashionMNIST(MNIST):
    """Fashion-MNIST (Xiao, Rasul, Vollgraf, 2017): Zalando clothing, same format as MNIST.

    root: the folder holding the four ``*-ubyte.gz`` files (None:
    ``$MINIDL_DATA/fashion-mnist``).
    """

    name = "fashion-mnist"
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = {
        "train": [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                  ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe")],
        "test": [("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")],
    }
    class_names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]
