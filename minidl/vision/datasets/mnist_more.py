"""KMNIST, EMNIST and QMNIST: MNIST's format in torchvision's layout ``<root>/<ClassName>/raw/``."""
from __future__ import annotations

import gzip
import lzma
import os
import shutil
import string
from pathlib import Path

import numpy as np

from ...data.download import download_url, extract_archive
from ...tensor import Tensor
from .._image import array_to_pil
from ._base import verify_str_arg
from .mnist import MNIST

__all__ = ["KMNIST", "EMNIST", "QMNIST", "read_sn3_pascalvincent"]

_SN3_TYPES = {8: np.uint8, 9: np.int8, 11: np.dtype(">i2"), 12: np.dtype(">i4"),
              13: np.dtype(">f4"), 14: np.dtype(">f8")}


def _read_bytes(path):
    path = str(path)
    with open(path, "rb") as f:
        head = f.read(6)
    if path.endswith(".gz") or head[:2] == b"\x1f\x8b":
        opener = gzip.open
    elif path.endswith(".xz") or head == b"\xfd7zXZ\x00":
        opener = lzma.open
    else:
        opener = open
    with opener(path, "rb") as f:
        return f.read()


def read_sn3_pascalvincent(path) -> np.ndarray:
    """Read an IDX ("SN3 Pascal Vincent") file of any element type and rank; ``.gz`` / ``.xz``
    files are decompressed. ValueError naming the file when the header and size disagree."""
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _SN3_TYPES:
        raise ValueError(f"{path}: not an IDX file (magic bytes {raw[:4].hex()})")
    ty, nd = raw[2], raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(nd))
    dtype = np.dtype(_SN3_TYPES[ty])
    offset = 4 + 4 * nd
    expected = offset + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"{path}: {len(raw)} bytes after decompression, the header "
                         f"{shape} implies {expected}")
    return np.frombuffer(raw, dtype, offset=offset).reshape(shape).astype(dtype.newbyteorder("="))


def _decompress(archive: Path, target: Path) -> None:
    opener = lzma.open if archive.suffix == ".xz" else gzip.open
    tmp = target.with_name(f".{target.name}.tmp")
    with opener(archive, "rb") as src, open(tmp, "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.replace(tmp, target)


class KMNIST(MNIST):
    """Kuzushiji-MNIST (torchvision's ``datasets.KMNIST``): 10 cursive hiragana, MNIST's format,
    ``root/KMNIST/raw/``."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
                 ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
                 ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
                 ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134")]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """EMNIST (torchvision's ``datasets.EMNIST``): ``split`` one of ``EMNIST.splits``.

    Reads ``root/EMNIST/raw/emnist-{split}-{train|test}-{images-idx3|labels-idx1}-ubyte``
    (``.gz`` too), as torchvision leaves them after unpacking ``gzip.zip``; images are
    kept as stored (transposed, as torchvision gives them). ``classes`` per split as
    torchvision's ``classes_split_dict``. Other keyword arguments are MNIST's.
    """

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    _merged_classes = {"c", "i", "j", "k", "l", "m", "o", "p", "s", "u", "v", "w", "x", "y", "z"}
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root, split, **kwargs):
        self.split = verify_str_arg(split, "split", self.splits)
        super().__init__(root, **kwargs)
        self.classes = list(self.classes_split_dict[self.split])

    @property
    def _file_prefix(self) -> str:
        return f"emnist-{self.split}-{'train' if self.train else 'test'}"

    def _raw_names(self):
        return f"{self._file_prefix}-images-idx3-ubyte", f"{self._file_prefix}-labels-idx1-ubyte"

    @property
    def images_file(self) -> str:
        """Path of this split's images file."""
        return os.path.join(self.raw_folder, self._raw_names()[0])

    @property
    def labels_file(self) -> str:
        """Path of this split's labels file."""
        return os.path.join(self.raw_folder, self._raw_names()[1])

    def _check_exists(self) -> bool:
        return all(self._find(n) is not None for n in self._raw_names())

    def download(self) -> None:
        """Fetch ``gzip.zip`` (MD5-checked) into ``raw_folder`` and unpack every split's files."""
        if self._check_exists():
            return
        raw = Path(self.raw_folder)
        raw.mkdir(parents=True, exist_ok=True)
        archive = raw / os.path.basename(self.url)
        if not archive.is_file():
            download_url(self.url, archive, md5=self.md5)
        gzip_folder = raw / "gzip"
        extract_archive(archive, gzip_folder, prefix="gzip")
        for member in sorted(gzip_folder.iterdir()):
            if member.name.endswith(".gz"):
                _decompress(member, raw / member.name[:-3])
        shutil.rmtree(gzip_folder)


class QMNIST(MNIST):
    """QMNIST (torchvision's ``datasets.QMNIST``): ``what`` one of "train", "test", "test10k",
    "test50k", "nist" (default by ``train``).

    Reads ``root/QMNIST/raw/{qmnist-train,qmnist-test,xnist}-{images-idx3-ubyte,labels-idx2-int}``
    (``.gz`` / ``.xz`` too). ``.targets`` int64 Tensor (N, 8) of QMNIST's full
    information; items give ``int(targets[i][0])`` with ``compat=True``, else the row.
    """

    subsets = {"train": "train", "test": "test", "test10k": "test", "test50k": "test", "nist": "nist"}
    _base = "https://raw.githubusercontent.com/facebookresearch/qmnist/master/"
    resources = {
        "train": [(_base + "qmnist-train-images-idx3-ubyte.gz", "ed72d4157d28c017586c42bc6afe6370"),
                  (_base + "qmnist-train-labels-idx2-int.gz", "0058f8dd561b90ffdd0f734c6a30e5e4")],
        "test": [(_base + "qmnist-test-images-idx3-ubyte.gz", "1394631089c404de565df7b7aeaf9412"),
                 (_base + "qmnist-test-labels-idx2-int.gz", "5b5b05890a5e13444e108efe57b788aa")],
        "nist": [(_base + "xnist-images-idx3-ubyte.xz", "7f124b3b8ab81486c9d8c2749c17f834"),
                 (_base + "xnist-labels-idx2-int.xz", "5ed0e788978e45d4a8bd4b7caec3d79d")],
    }
    del _base
    _also_read = "or .gz, .xz"

    def __init__(self, root, what=None, compat=True, train=True, **kwargs):
        if what is None:
            what = "train" if train else "test"
        self.what = verify_str_arg(what, "what", tuple(self.subsets.keys()))
        self.compat = compat
        self.data_file = what + ".pt"
        super().__init__(root, train, **kwargs)

    def _raw_names(self):
        return tuple(os.path.splitext(os.path.basename(url))[0]
                     for url, _ in self.resources[self.subsets[self.what]])

    @property
    def images_file(self) -> str:
        """Path of the images file."""
        return os.path.join(self.raw_folder, self._raw_names()[0])

    @property
    def labels_file(self) -> str:
        """Path of the labels file."""
        return os.path.join(self.raw_folder, self._raw_names()[1])

    def _find(self, name):
        for candidate in (name, name + ".gz", name + ".xz"):
            if (Path(self.raw_folder) / candidate).is_file():
                return Path(self.raw_folder) / candidate
        return None

    def _check_exists(self) -> bool:
        return all(self._find(n) is not None for n in self._raw_names())

    def _load_data(self):
        images, labels = self._require(self._raw_names())
        data = read_sn3_pascalvincent(images)
        if data.dtype != np.uint8:
            raise TypeError(f"data should be of dtype torch.uint8 instead of {data.dtype}")
        if data.ndim != 3:
            raise ValueError(f"data should have 3 dimensions instead of {data.ndim}")
        targets = read_sn3_pascalvincent(labels).astype(np.int64)
        if targets.ndim != 2:
            raise ValueError(f"targets should have 2 dimensions instead of {targets.ndim}")
        if self.what == "test10k":
            data, targets = data[:10000], targets[:10000]
        elif self.what == "test50k":
            data, targets = data[10000:], targets[10000:]
        self._full_targets = np.ascontiguousarray(targets)
        return data, targets[:, 0]

    @property
    def targets(self):
        """int64 Tensor (N, 8); assignable."""
        return Tensor(self._full_targets)

    @targets.setter
    def targets(self, value):
        full = np.asarray(value.numpy() if isinstance(value, Tensor) else value, dtype=np.int64)
        self._full_targets = full
        self._labels = full[:, 0] if full.ndim == 2 else full.reshape(-1)

    def __getitem__(self, index):
        if self.compat:
            return super().__getitem__(index)
        img = array_to_pil(self._images[index][None])
        return self._apply(img, Tensor(self._full_targets[index]))

    def _fast_batch(self, indices):
        out = super()._fast_batch(indices)
        if out is not None and not self.compat:
            out[1] = Tensor(self._full_targets[np.asarray(indices, dtype=np.intp)])
        return out

    def download(self) -> None:
        """Fetch this subset's two files (MD5-checked) into ``raw_folder`` and unpack them."""
        if self._check_exists():
            return
        raw = Path(self.raw_folder)
        raw.mkdir(parents=True, exist_ok=True)
        for url, md5 in self.resources[self.subsets[self.what]]:
            archive = raw / os.path.basename(url)
            if not archive.is_file():
                download_url(url, archive, md5=md5)
            _decompress(archive, raw / os.path.splitext(archive.name)[0])

    def extra_repr(self) -> str:
        """``Split: <what>``."""
        return f"Split: {self.what}"
