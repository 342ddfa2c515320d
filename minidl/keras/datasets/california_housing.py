"""``keras.datasets.california_housing.load_data``: from Keras' cache (``california_housing.npz``)."""
from __future__ import annotations

import numpy as np

from minidl.keras.datasets._cache import get_file
from minidl.keras.datasets.boston_housing import check_test_split, split_regression

__all__ = ["load_data"]

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """California housing as ``(x_train, y_train), (x_test, y_test)``: (n, 8) features and (n,)
    median house values; ``version="small"`` keeps the file's first 600 samples (before the
    seeded shuffle), as Keras."""
    check_test_split(test_split)
    npz = get_file(path, origin=ORIGIN + "california_housing.npz",
                   file_hash="1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f")
    with np.load(npz, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    elif version != "large":
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: version={version}")
    return split_regression(x, y, test_split, seed)
