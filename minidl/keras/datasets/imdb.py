"""``keras.datasets.imdb``: ``load_data`` and ``get_word_index`` from Keras' cache
(``imdb.npz``, ``imdb_word_index.json``), with Keras' preprocessing."""
from __future__ import annotations

import json

import numpy as np

from minidl.keras.datasets._cache import get_file
from minidl.keras.datasets._sequences import index_sequences, load_npz, object_array, offset_words, remove_long_seq

__all__ = ["load_data", "get_word_index"]

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    """IMDB reviews as ``(x_train, y_train), (x_test, y_test)``: object arrays of word-id lists
    and int labels, as Keras.

    Each split is shuffled with ``np.random.RandomState(seed)`` (train first, then test, one
    generator); every review starts with ``start_char`` and its ids are shifted by
    ``index_from``; with ``maxlen``, reviews of ``maxlen`` words or more are dropped; ids
    outside [``skip_top``, ``num_words``) become ``oov_char`` (or are removed when it is None).
    """
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
    npz = load_npz(get_file(fname=path, origin=ORIGIN + "imdb.npz",
                            file_hash="69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"))
    rng = np.random.RandomState(seed)
    splits = []
    for xk, yk in (("x_train", "y_train"), ("x_test", "y_test")):
        x, y = npz[xk], npz[yk]
        indices = np.arange(len(x))
        rng.shuffle(indices)
        splits.append((offset_words(x[indices], start_char, index_from), y[indices]))
    (x_train, labels_train), (x_test, labels_test) = splits
    if maxlen:
        x_train, labels_train = remove_long_seq(maxlen, x_train, labels_train)
        x_test, labels_test = remove_long_seq(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                             "Increase maxlen.")
    xs = index_sequences(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    idx = len(x_train)
    return (object_array(xs[:idx]), labels[:idx]), (object_array(xs[idx:]), labels[idx:])


def get_word_index(path="imdb_word_index.json"):
    """The word -> rank dict (rank 1 = most frequent; ``load_data`` ids are rank + ``index_from``)."""
    with open(get_file(fname=path, origin=ORIGIN + "imdb_word_index.json",
                       file_hash="bfafd718b763782e994055a2d397834f"), encoding="utf-8") as f:
        return json.load(f)
