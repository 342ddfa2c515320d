"""``keras.datasets.reuters``: ``load_data``, ``get_word_index`` and ``get_label_names`` from Keras'
cache (``reuters.npz``, ``reuters_word_index.json``), with Keras' preprocessing."""
from __future__ import annotations

import json

import numpy as np

from minidl.keras.datasets._cache import get_file
from minidl.keras.datasets._sequences import (
    index_sequences,
    load_npz,
    object_array,
    offset_words,
    remove_long_seq,
    shuffled,
)

__all__ = ["load_data", "get_word_index", "get_label_names"]

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

LABEL_NAMES = ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
               "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
               "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
               "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
               "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113, start_char=1,
              oov_char=2, index_from=3):
    """Reuters newswires (46 topics) as ``(x_train, y_train), (x_test, y_test)``: object arrays of
    word-id lists and int labels. One ``RandomState(seed)`` shuffle of all samples, then the
    IMDB-style ``start_char`` / ``index_from`` / ``maxlen`` / ``num_words`` / ``skip_top`` /
    ``oov_char`` steps, then the first ``int(n * (1 - test_split))`` samples are the train split."""
    npz = load_npz(get_file(fname=path, origin=ORIGIN + "reuters.npz",
                            file_hash="d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"))
    xs, labels = shuffled(seed, npz["x"], npz["y"])
    xs = offset_words(xs, start_char, index_from)
    if maxlen:
        xs, labels = remove_long_seq(maxlen, xs, labels)
    xs = index_sequences(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return (object_array(xs[:idx]), np.array(labels[:idx])), (object_array(xs[idx:]), np.array(labels[idx:]))


def get_word_index(path="reuters_word_index.json"):
    """The word -> rank dict (rank 1 = most frequent)."""
    with open(get_file(fname=path, origin=ORIGIN + "reuters_word_index.json",
                       file_hash="4d44cc38712099c9e383dc6e5f11a921"), encoding="utf-8") as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, indexed by label."""
    return LABEL_NAMES
