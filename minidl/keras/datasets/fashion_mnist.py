"""``keras.datasets.fashion_mnist.load_data()``: from ``<datasets dir>/fashion-mnist/*.gz``."""
from __future__ import annotations

from pathlib import Path

from minidl.keras.datasets._cache import get_file
from minidl.keras.datasets.mnist import IDX_FILES, read_idx_folder

__all__ = ["load_data"]

BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def load_data():
    """Fashion-MNIST as ``(x_train, y_train), (x_test, y_test)`` (uint8, MNIST's shapes).

    The four IDX files are read from ``<datasets dir>/fashion-mnist/`` (Keras'
    cache layout); missing ones are downloaded from Keras' URLs.
    """
    paths = [Path(get_file(name, origin=BASE + name, cache_subdir="datasets/fashion-mnist"))
             for name in IDX_FILES]
    return read_idx_folder(paths[0].parent)
