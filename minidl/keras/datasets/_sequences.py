"""Shared pieces of the word-index datasets (``imdb``, ``reuters``): a safe reader for their
ragged ``.npz`` files and Keras' sequence preprocessing.

The ``.npz`` files hold object arrays of lists (pickled); :func:`load_npz` unpickles only NumPy
arrays, dtypes and lists, as Keras' ``npz_utils.load_npz`` does, so a crafted file cannot run code.
"""
from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np

__all__ = ["load_npz", "remove_long_seq", "offset_words", "index_sequences", "shuffled", "object_array"]

_ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct")}


class _ArrayOnlyUnpickler(pickle.Unpickler):
    def __init__(self, f, where):
        super().__init__(f)
        self._where = where

    def find_class(self, module, name):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{self._where}: refusing to deserialize `{module}.{name}` while loading "
                                         "a Keras dataset; the file may be corrupted or malicious.")
        if module.startswith("numpy.core"):  # NumPy 2 moved the reconstructor
            module = "numpy._core.multiarray" if hasattr(np, "_core") else module
        return super().find_class(module, name)


def _read_member(raw: bytes, where):
    buffer = io.BytesIO(raw)
    try:
        return np.lib.format.read_array(buffer, allow_pickle=False)
    except ValueError:  # an object array: its pickle stream follows the header
        buffer.seek(0)
        version = np.lib.format.read_magic(buffer)
        if version[0] == 1:
            np.lib.format.read_array_header_1_0(buffer)
        elif version[0] in (2, 3):
            np.lib.format.read_array_header_2_0(buffer)
        else:
            raise ValueError(f"{where}: unsupported .npy format version {version}") from None
        return _ArrayOnlyUnpickler(buffer, where).load()


def load_npz(path) -> dict:
    """The arrays of the ``.npz`` archive ``path`` by name (object arrays unpickled safely)."""
    out = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith(".npy"):
                    out[member[:-4]] = _read_member(archive.read(member), f"{path}:{member}")
    except zipfile.BadZipFile:
        raise ValueError(f"{path}: not an .npz archive") from None
    return out


def shuffled(seed, *arrays):
    """``arrays`` reordered by one ``np.random.RandomState(seed)`` permutation (Keras' shuffle)."""
    indices = np.arange(len(arrays[0]))
    np.random.RandomState(seed).shuffle(indices)
    return tuple(a[indices] for a in arrays)


def remove_long_seq(maxlen, seq, label):
    """Keep the sequences shorter than ``maxlen`` (and their labels), as Keras."""
    kept = [(x, y) for x, y in zip(seq, label) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def offset_words(xs, start_char, index_from):
    """Keras' first step: ``start_char`` prepended and ``index_from`` added to every word id."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    if index_from:
        return [[w + index_from for w in x] for x in xs]
    return [list(x) for x in xs]


def index_sequences(xs, num_words, skip_top, oov_char):
    """Keras' last step: ids outside [skip_top, num_words) become ``oov_char`` (or are dropped when
    it is None); ``num_words`` defaults to the largest id."""
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def object_array(lists):
    """A 1-D object array of lists (``np.array(lists, dtype=object)`` would make a 2-D array when
    the lists have equal lengths; Keras' own call does that too, so match it)."""
    return np.array(lists, dtype="object")
