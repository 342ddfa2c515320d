"""``keras.datasets.mnist.load_data()``: Keras' arrays from Keras' cache (``mnist.npz``)."""
from __future__ import annotations

import numpy as np

from minidl.keras.datasets._cache import datasets_dir, get_file

__all__ = ["load_data"]

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
IDX_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
             "t10k-labels-idx1-ubyte.gz")


def read_idx_folder(folder):
    """``(x_train, y_train), (x_test, y_test)`` uint8 arrays from the four IDX ``.gz`` files."""
    from minidl.data.mnist import read_idx
    xtr, ytr, xte, yte = (read_idx(folder / name) for name in IDX_FILES)
    return (np.asarray(xtr), np.asarray(ytr)), (np.asarray(xte), np.asarray(yte))


def load_data(path="mnist.npz"):
    """MNIST as ``(x_train, y_train), (x_test, y_test)``: uint8 (60000, 28, 28) / (60000,) and
    (10000, 28, 28) / (10000,).

    Read from ``<datasets dir>/mnist.npz`` (``$KERAS_HOME/datasets`` or
    ``~/.keras/datasets``, or ``$MINIDL_KERAS_DATASETS``), else from the four
    official IDX files in ``<datasets dir>/mnist/``, else downloaded from
    Keras' URL (SHA-256 checked).
    """
    folder = datasets_dir()
    npz = folder / path
    idx = folder / "mnist"
    if not npz.exists() and all((idx / name).is_file() for name in IDX_FILES):
        return read_idx_folder(idx)
    npz = get_file(fname=path, origin=ORIGIN, file_hash=SHA256)
    with np.load(npz, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
