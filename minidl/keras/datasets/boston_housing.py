"""``keras.datasets.boston_housing.load_data``: from Keras' cache (``boston_housing.npz``)."""
from __future__ import annotations

import numpy as np

from minidl.keras.datasets._cache import get_file
from minidl.keras.datasets._sequences import shuffled

__all__ = ["load_data", "split_regression"]

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def split_regression(x, y, test_split, seed):
    """Keras' regression split: one ``RandomState(seed)`` shuffle, then the first
    ``int(n * (1 - test_split))`` samples train and the rest test."""
    x, y = shuffled(seed, x, y)
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))


def check_test_split(test_split):
    """Keras' check: 0 <= test_split < 1."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 "
                         "(exclusive of 1).")


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Boston housing prices as ``(x_train, y_train), (x_test, y_test)``: float64 (n, 13) features
    and (n,) prices (404 / 102 samples with the real file)."""
    check_test_split(test_split)
    npz = get_file(path, origin=ORIGIN + "boston_housing.npz",
                   file_hash="f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5")
    with np.load(npz, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return split_regression(x, y, test_split, seed)
