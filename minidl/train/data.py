"""Turning what ``fit``/``evaluate``/``predict`` receive into re-iterable batches.

Accepted: a DataLoader (or any re-iterable of ``(x, y)`` NumPy batches;
``set_epoch(e)`` is called when present), an ``(x, y)`` tuple of arrays, or,
for ``predict``, a bare array ``x``.
"""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.metrics import to_numpy

__all__ = ["ArrayBatches", "as_batches", "epoch_seed", "num_samples"]


def epoch_seed(seed: int, epoch: int, stream: int = 0) -> int:
    """A 63-bit seed derived from ``(seed, epoch, stream)`` only (SeedSequence hashing)."""
    state = np.random.SeedSequence([int(seed), int(epoch), int(stream)]).generate_state(2, np.uint32)
    return int(state[0]) << 31 ^ int(state[1])


class ArrayBatches:
    """Batches of in-memory arrays ``x`` (N, ...) and ``y`` (N,) (or None).

    With ``shuffle``, epoch ``e`` uses a permutation drawn from
    ``(seed, e)`` when ``seed`` is set, else from minidl's global generator.

    >>> b = ArrayBatches(np.zeros((5, 2)), np.arange(5), batch_size=2)
    >>> [len(y) for _, y in b]
    [2, 2, 1]
    """

    def __init__(self, x, y=None, batch_size=32, shuffle=False, seed=None):
        self.x = to_numpy(x)
        self.y = None if y is None else to_numpy(y)
        if self.y is not None and len(self.y) != len(self.x):
            raise ValueError(f"x has {len(self.x)} samples but y has {len(self.y)}")
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration epoch ``epoch``."""
        self.epoch = int(epoch)

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __iter__(self):
        n = len(self.x)
        if self.shuffle:
            gen = (np.random.default_rng(epoch_seed(self.seed, self.epoch, 1))
                   if self.seed is not None else backend.rng())
            order = gen.permutation(n)
        else:
            order = None
        self.epoch += 1
        for i in range(0, n, self.batch_size):
            idx = slice(i, i + self.batch_size) if order is None else order[i:i + self.batch_size]
            yield self.x[idx], (None if self.y is None else self.y[idx])


def as_batches(data, batch_size=32, shuffle=False, seed=None, allow_bare=False):
    """``data`` as a re-iterable of ``(x, y)`` batches (see the module docstring)."""
    if isinstance(data, tuple) and len(data) == 2 and not hasattr(data, "_fields"):
        return ArrayBatches(data[0], data[1], batch_size, shuffle, seed)
    if allow_bare and (isinstance(data, np.ndarray) or hasattr(data, "requires_grad")
                       or backend.is_device_array(data)):
        return ArrayBatches(data, None, batch_size, False, None)
    if isinstance(data, (list, tuple)) and data and isinstance(data[0], np.ndarray) and not allow_bare:
        raise TypeError("pass arrays as a 2-tuple (x, y)")
    if not hasattr(data, "__iter__"):
        raise TypeError(f"expected a DataLoader, an iterable of (x, y) batches or an (x, y) tuple, "
                        f"got {type(data).__name__}")
    if iter(data) is data:
        raise TypeError("the data is a one-shot iterator; fit needs a re-iterable (a DataLoader, "
                        "a list of batches, or an (x, y) tuple)")
    return data


def num_samples(data):
    """Number of samples in ``data`` when cheaply known, else None."""
    if isinstance(data, ArrayBatches):
        return len(data.x)
    ds = getattr(data, "dataset", None)
    if ds is not None and hasattr(ds, "__len__"):
        n = len(ds)
        if getattr(data, "drop_last", False):
            n = (n // data.batch_size) * data.batch_size
        return n
    return None
