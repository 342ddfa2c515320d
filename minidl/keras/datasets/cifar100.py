"""``keras.datasets.cifar100.load_data(label_mode)``: Keras' arrays from Keras' cache layout."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from minidl.keras.datasets._cache import datasets_dir, get_file

__all__ = ["load_data"]

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
SHA256 = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def _locate(folder: Path):
    for cand in (folder / "cifar-100-python-target" / "cifar-100-python", folder / "cifar-100-python"):
        if (cand / "train").is_file() and (cand / "test").is_file():
            return cand
    return None


def _load_batch(path, label_key):
    from minidl.data.cifar import load_cifar_pickle
    batch = load_cifar_pickle(path)
    if label_key not in batch or "data" not in batch:
        raise ValueError(f"{path}: no 'data' / {label_key!r} entries (keys: {sorted(batch)})")
    data = np.asarray(batch["data"])
    if data.ndim != 2 or data.shape[1] != 3072:
        raise ValueError(f"{path}: 'data' has shape {data.shape}, expected (N, 3072)")
    labels = np.reshape(batch[label_key], (len(batch[label_key]), 1))
    return data.reshape(data.shape[0], 3, 32, 32).transpose(0, 2, 3, 1), labels


def load_data(label_mode="fine"):
    """CIFAR-100 as ``(x_train, y_train), (x_test, y_test)``: uint8 (50000, 32, 32, 3) images and
    (50000, 1) int64 labels (100 ``"fine"`` classes or 20 ``"coarse"`` superclasses), and the
    10000 test images likewise.

    Read from ``<datasets dir>/cifar-100-python-target/cifar-100-python`` (Keras 3) or
    ``<datasets dir>/cifar-100-python`` (Keras 2); else ``cifar-100-python.tar.gz`` is downloaded
    from Keras' URL (SHA-256 checked) and extracted.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.')
    where = _locate(datasets_dir())
    if where is None:
        get_file("cifar-100-python-target", origin=ORIGIN, extract=True, file_hash=SHA256)
        where = _locate(datasets_dir())
        if where is None:
            raise FileNotFoundError(f"the CIFAR-100 archive did not extract into {datasets_dir()}")
    key = f"{label_mode}_labels"
    return _load_batch(where / "train", key), _load_batch(where / "test", key)
