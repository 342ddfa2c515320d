"""What ``fit``/``evaluate``/``predict`` accept, turned into batches of NumPy arrays.

* NumPy arrays (or lists / dicts of arrays for several inputs or outputs, or Tensors): batched
  with ``batch_size`` (default 32) and reshuffled every epoch when ``shuffle``;
* a ``keras.utils.PyDataset``/``Sequence`` (``__len__`` + ``__getitem__``
  returning batches);
* any other iterable of batches (a minidl DataLoader, a generator): items
  ``x``, ``(x, y)`` or ``(x, y, sample_weight)``; an iterator that cannot be
  restarted needs ``steps_per_epoch``.
"""
from __future__ import annotations

import math

import numpy as np

from minidl import backend
from minidl.keras._tensor import numpy_of

__all__ = ["is_array", "is_structure", "to_arrays", "num_samples", "ArrayData", "IterableData", "make_data",
           "train_validation_split", "class_weights_to_sample_weights"]


def is_array(x) -> bool:
    """True for NumPy/CuPy arrays, Tensors and (nested) lists of numbers."""
    return isinstance(x, (np.ndarray, np.generic)) or hasattr(x, "creator") or \
        backend.device_of(x).type != "cpu"


def is_structure(x) -> bool:
    """True for a non-empty list/tuple of arrays or a dict of arrays (several inputs/outputs)."""
    if isinstance(x, dict):
        return all(v is None or is_array(v) or isinstance(v, (list, tuple)) for v in x.values())
    return isinstance(x, (list, tuple)) and bool(x) and all(is_array(v) for v in x)


def to_arrays(x):
    """NumPy array(s) of ``x`` (a list/tuple of arrays stays a list, a dict stays a dict)."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: to_arrays(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and all(is_array(v) for v in x):
        return [np.asarray(numpy_of(v)) for v in x]
    return np.asarray(numpy_of(x))


def _leaves(x):
    if isinstance(x, dict):
        return [v for v in x.values() if v is not None]
    return list(x) if isinstance(x, list) else [x]


def num_samples(x) -> int:
    """Number of samples of an array, a list or a dict of arrays."""
    leaves = _leaves(x)
    if not leaves:
        raise ValueError("The data holds no arrays")
    return len(leaves[0])


def _take(x, idx):
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: None if v is None else v[idx] for k, v in x.items()}
    return [v[idx] for v in x] if isinstance(x, list) else x[idx]


def train_validation_split(arrays, validation_split):
    """Keras' split: the **last** ``validation_split`` fraction (``floor(n * (1 - split))`` onwards),
    taken before any shuffling."""
    if not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    n = num_samples(arrays[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to split it "
                         f"into a validation and training set as specified by "
                         f"`validation_split={validation_split}`. Either provide more data, or a "
                         "different value for the `validation_split` argument.")
    train = tuple(_take(a, slice(0, split_at)) for a in arrays)
    val = tuple(_take(a, slice(split_at, n)) for a in arrays)
    return train, val


def class_weights_to_sample_weights(y, class_weight):
    """Keras' ``class_weight_to_sample_weights``: per-sample weights ``class_weight.get(class, 1.0)``, the
    class the rounded label (or the argmax of a one-hot row)."""
    y = np.asarray(y)
    if y.ndim > 1:
        y = np.argmax(y, axis=-1) if y.shape[-1] != 1 else np.squeeze(y, axis=-1)
    ids = np.round(y).astype(np.int32).reshape(len(y))
    return np.array([class_weight.get(int(c), 1.0) for c in ids], dtype=np.float32)


class ArrayData:
    """Batches of in-memory arrays; ``shuffle`` draws a new order each epoch from minidl's RNG."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, steps=None):
        self.x, self.y, self.sw = x, y, sample_weight
        n = num_samples(x)
        for name, arr in (("x", x), ("y", y), ("sample_weight", sample_weight)):
            sizes = [len(v) for v in _leaves(arr)] if arr is not None else []
            if any(size != n for size in sizes):
                raise ValueError(f"Data cardinality is ambiguous: x sizes: {n}, {name} sizes: "
                                 f"{', '.join(str(v) for v in sizes)}. Make sure all arrays contain the "
                                 "same number of samples.")
        self.n, self.batch_size, self.shuffle = n, int(batch_size), shuffle
        self.full = -(-n // self.batch_size)
        self.explicit_steps = steps is not None
        self.steps = self.full if steps is None else int(steps)
        self.reset()

    def __len__(self):
        return self.steps

    def reset(self):
        """Start the next epoch on a fresh pass (Keras' ``EpochIterator.reset``)."""
        self._order, self._pos = None, None

    def epoch(self):
        """The batches of one epoch: ``(x, y, sample_weight)`` tuples. With explicit ``steps`` an epoch
        takes the next ``steps`` batches of the current pass, as Keras' ``EpochIterator``: it ends early
        (with Keras' warning) where the pass runs out, and the next epoch starts a new pass."""
        if self._pos is None or not self.explicit_steps:
            self._order = backend.rng().permutation(self.n) if self.shuffle else None
            self._pos = 0
        for _ in range(self.steps):
            if self._pos >= self.full:
                if self.explicit_steps:
                    _interrupted_warning()
                break
            sl = slice(self._pos * self.batch_size, (self._pos + 1) * self.batch_size)
            self._pos += 1
            idx = sl if self._order is None else self._order[sl]
            yield _take(self.x, idx), _take(self.y, idx), _take(self.sw, idx)
        if self._pos >= self.full:
            self._pos = None


def _interrupted_warning():
    import warnings
    warnings.warn("Your input ran out of data; interrupting training. Make sure that your dataset or generator "
                  "can generate at least `steps_per_epoch * epochs` batches. You may need to use the "
                  "`.repeat()` function when building your dataset.", stacklevel=3)


def _unpack(batch):
    if isinstance(batch, (tuple, list)) and not (batch and is_array(batch[0]) and len(batch) > 3):
        items = list(batch) + [None] * (3 - len(batch))
        if len(batch) == 1:
            return to_arrays(items[0]), None, None
        return to_arrays(items[0]), to_arrays(items[1]), to_arrays(items[2])
    return to_arrays(batch), None, None


class IterableData:
    """Batches from a PyDataset/Sequence, a re-iterable (DataLoader) or an iterator."""

    def __init__(self, data, steps=None, shuffle=False):
        self.data, self.shuffle = data, shuffle
        self.indexable = hasattr(data, "__getitem__") and hasattr(data, "__len__") and \
            not hasattr(data, "__next__") and not hasattr(data, "dataset")
        self.one_shot = iter(data) is data if not self.indexable else False
        if steps is None:
            try:  # (a dataset of unknown length, e.g. a filtered keras Dataset, raises TypeError)
                steps = len(data) if hasattr(data, "__len__") else None
            except TypeError as exc:
                if "infinite" in str(exc):
                    raise ValueError("When passing an infinitely repeating dataset, you must specify the "
                                     "`steps_per_epoch` argument.") from None
                steps = None
        self.steps = None if steps is None else int(steps)

    def __len__(self):
        return self.steps

    def epoch(self):
        """The batches of one epoch: ``(x, y, sample_weight)`` tuples."""
        if self.indexable:
            order = range(len(self.data))
            for i, k in enumerate(order):
                if self.steps is not None and i >= self.steps:
                    break
                yield _unpack(self.data[k])
            if hasattr(self.data, "on_epoch_end"):
                self.data.on_epoch_end()
            return
        source = self.data if self.one_shot else iter(self.data)
        for i, batch in enumerate(source):
            yield _unpack(batch)
            if self.steps is not None and i + 1 >= self.steps:
                break


def make_data(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None, what="x"):
    """An :class:`ArrayData` or :class:`IterableData` for ``x`` (see the module docstring)."""
    if x is None:
        raise ValueError(f"Unrecognized data type: {what}=None")
    if is_array(x) or is_structure(x):
        return ArrayData(to_arrays(x), to_arrays(y), to_arrays(sample_weight),
                         32 if batch_size is None else batch_size, shuffle, steps)
    kind = "PyDataset" if hasattr(x, "__getitem__") and hasattr(x, "on_epoch_end") else \
        "torch DataLoader" if type(x).__name__ == "DataLoader" else "generator"
    for arg, value, holds in (("y", y, "the targets"), ("sample_weight", sample_weight, "the sample weights")):
        if value is not None:  # Keras' message; (batch_size is ignored for batched data, as in Keras)
            raise ValueError(f"When providing `x` as a {kind}, `{arg}` should not be passed. Instead, {holds} "
                             f"should be included as part of the {kind}.")
    if not hasattr(x, "__iter__") and not hasattr(x, "__getitem__"):
        raise ValueError(f"Unrecognized data type: {what}={x!r} (of type {type(x).__name__})")
    return IterableData(x, steps, shuffle)
