"""``keras.datasets.cifar10.load_data()``: Keras' arrays from Keras' cache layout."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from minidl.keras.datasets._cache import datasets_dir, get_file

__all__ = ["load_data"]

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def _locate(folder: Path):
    for cand in (folder / "cifar-10-batches-py-target" / "cifar-10-batches-py",
                 folder / "cifar-10-batches-py", folder / "cifar10-jpeg.tar.gz"):
        if cand.exists():
            return cand
    return None


def load_data():
    """CIFAR-10 as ``(x_train, y_train), (x_test, y_test)``: uint8 (50000, 32, 32, 3) and
    (50000, 1) labels, (10000, 32, 32, 3) and (10000, 1).

    Read from ``<datasets dir>/cifar-10-batches-py-target/cifar-10-batches-py``
    (Keras 3) or ``<datasets dir>/cifar-10-batches-py`` (Keras 2), or a
    ``cifar10-jpeg.tar.gz`` re-encoding there; else downloaded from Keras' URL
    (SHA-256 checked) and extracted.
    """
    from minidl.data.cifar import CIFAR10
    where = _locate(datasets_dir())
    if where is None:
        get_file("cifar-10-batches-py-target", origin=ORIGIN, extract=True, file_hash=SHA256)
        where = _locate(datasets_dir())
        if where is None:
            raise FileNotFoundError(f"the CIFAR-10 archive did not extract into {datasets_dir()}")
    out = []
    for train in (True, False):
        ds = CIFAR10(root=where, train=train)
        out.append((np.asarray(ds.data, dtype=np.uint8),
                    np.asarray(ds.targets, dtype=np.uint8).reshape(-1, 1)))
    return out[0], out[1]
