"""``Dataset``: the part of ``tf.data.Dataset`` Keras scripts use, for what minidl.keras' dataset
utilities (``image_dataset_from_directory``) return.

A Dataset is a lazy, re-iterable pipeline: each ``iter()`` runs it from its source again (files
are read as elements are needed). Elements are a Tensor, a tuple of Tensors or a dict of Tensors;
after ``batch`` the first axis is the batch. ``model.fit/evaluate/predict`` take a Dataset of
``(x, y)`` batches as they take any iterable of batches.

Methods, each doing what ``tf.data`` does: ``batch``, ``unbatch``, ``rebatch``, ``map`` (the function
gets the element's parts as arguments, as tf's), ``filter``, ``take``, ``skip``, ``repeat``,
``shuffle`` (a ``buffer_size`` reservoir, reshuffled on every iteration unless
``reshuffle_each_iteration=False``), ``cache`` (the first complete pass is kept in memory; later
passes replay it; ``filename`` is not supported), ``prefetch`` (a background thread keeps up to
``buffer_size`` elements ready; AUTOTUNE (-1) means 2), ``enumerate``, ``concatenate``,
``as_numpy_iterator``, ``cardinality`` / ``len``, ``from_tensor_slices`` / ``from_tensors`` /
``range`` / ``zip``.
"""
from __future__ import annotations

import itertools
import queue
import threading

import numpy as np

from minidl import backend
from minidl.tensor import Tensor

__all__ = ["Dataset", "split_dataset", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY"]

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


def _to_numpy(value):
    """An element part as a NumPy array (Tensors, CuPy arrays, numbers, strings)."""
    if isinstance(value, Tensor):
        return backend.to_numpy(value.array)
    if backend.is_device_array(value):
        return backend.to_numpy(value)
    return np.asarray(value)


def _structure(element, leaf):
    """``element`` with ``leaf`` applied to every part (tuples, lists and dicts kept)."""
    if isinstance(element, dict):
        return {k: _structure(v, leaf) for k, v in element.items()}
    if isinstance(element, (tuple, list)):
        return tuple(_structure(v, leaf) for v in element)
    return leaf(element)


def _leaves(element):
    if isinstance(element, dict):
        return [x for v in element.values() for x in _leaves(v)]
    if isinstance(element, (tuple, list)):
        return [x for v in element for x in _leaves(v)]
    return [element]


def _to_tensor(arr):
    arr = np.asarray(arr)
    if arr.dtype.kind in "USO":  # strings (file paths) stay NumPy
        return arr
    return Tensor(np.ascontiguousarray(arr))


def _stack(elements):
    """One batched element from a list of elements of the same structure."""
    first = elements[0]
    if isinstance(first, dict):
        return {k: _stack([e[k] for e in elements]) for k in first}
    if isinstance(first, tuple):
        return tuple(_stack([e[i] for e in elements]) for i in range(len(first)))
    try:
        return np.stack(elements)
    except ValueError:
        shapes = sorted({tuple(np.shape(e)) for e in elements})
        raise ValueError(f"Dataset.batch: cannot batch elements of different shapes {shapes}; resize them "
                         "first (e.g. with .map)") from None


def _split(element):
    """The elements of a batched element, along its first axis."""
    n = len(_leaves(element)[0])
    for i in range(n):
        yield _structure(element, lambda a, i=i: a[i])


class Dataset:
    """A lazy pipeline of elements (see the module docstring). Construct with :meth:`from_tensor_slices`,
    :meth:`from_tensors`, :meth:`range`, :meth:`zip` or a dataset utility."""

    def __init__(self, source, cardinality=UNKNOWN_CARDINALITY):
        self._source = source  # () -> iterator of NumPy-structured elements
        self._cardinality = int(cardinality)
        self._batch_size = None  # set by batch(), kept by element-wise transforms

    # ----------------------------------------------------------------- creation
    @classmethod
    def from_tensor_slices(cls, tensors):
        """One element per slice along the first axis of ``tensors`` (an array, a tuple or a dict of arrays)."""
        data = _structure(tensors, _to_numpy)
        sizes = {len(v) for v in _leaves(data)}
        if len(sizes) != 1:
            raise ValueError(f"Dataset.from_tensor_slices: the parts have different first dimensions {sorted(sizes)}")
        n = sizes.pop()
        return cls(lambda: _split(data), n)

    @classmethod
    def from_tensors(cls, tensors):
        """A dataset of the single element ``tensors``."""
        data = _structure(tensors, _to_numpy)
        return cls(lambda: iter([data]), 1)

    @classmethod
    def range(cls, *args):
        """Integers as ``range(*args)`` (int64 scalars)."""
        values = range(*args)
        return cls(lambda: (np.int64(v) for v in values), len(values))

    @staticmethod
    def zip(*datasets):
        """Elements of several datasets side by side (a tuple), until the shortest ends."""
        if len(datasets) == 1 and isinstance(datasets[0], (tuple, list)):
            datasets = tuple(datasets[0])
        known = [d._cardinality for d in datasets]
        finite = [c for c in known if c >= 0]
        if finite:
            cardinality = min(finite)
        else:
            cardinality = INFINITE_CARDINALITY if all(c == INFINITE_CARDINALITY for c in known) else UNKNOWN_CARDINALITY
        return Dataset(lambda: zip(*(d._source() for d in datasets)), cardinality)

    # ----------------------------------------------------------------- iteration
    def __iter__(self):
        for element in self._source():
            yield _structure(element, _to_tensor)

    def as_numpy_iterator(self):
        """Iterate with NumPy arrays instead of Tensors."""
        return iter(self._source())

    def cardinality(self) -> int:
        """The number of elements; -1 infinite, -2 unknown (as tf.data)."""
        return self._cardinality

    def __len__(self):
        if self._cardinality == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if self._cardinality < 0:
            raise TypeError("The dataset length is unknown.")
        return self._cardinality

    def __repr__(self):
        return f"<Dataset cardinality={self._cardinality}>"

    # ----------------------------------------------------------------- transforms
    def _derived(self, source, cardinality):
        out = Dataset(source, cardinality)
        out._batch_size = self._batch_size
        for attr in ("class_names", "file_paths"):
            if hasattr(self, attr):
                setattr(out, attr, getattr(self, attr))
        return out

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None, name=None):
        """Consecutive elements stacked into batches of ``batch_size`` (the last may be smaller)."""
        batch_size = int(batch_size)
        if batch_size < 1:
            raise ValueError(f"Dataset.batch: batch_size must be positive, got {batch_size}")

        def source():
            items = iter(self._source())
            while True:
                chunk = list(itertools.islice(items, batch_size))
                if not chunk or (drop_remainder and len(chunk) < batch_size):
                    return
                yield _stack(chunk)
        n = self._cardinality
        if n >= 0:
            n = n // batch_size if drop_remainder else -(-n // batch_size)
        out = self._derived(source, n)
        out._batch_size = batch_size
        return out

    def unbatch(self, name=None):
        """The elements of each batch, one by one."""
        def source():
            for element in self._source():
                yield from _split(element)
        out = self._derived(source, UNKNOWN_CARDINALITY if self._cardinality >= 0 else self._cardinality)
        out._batch_size = None
        return out

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        """``unbatch().batch(batch_size)``."""
        return self.unbatch().batch(batch_size, drop_remainder)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """``map_func`` applied to every element (a tuple element's parts are its arguments)."""
        def source():
            for element in self._source():
                args = _structure(element, _to_tensor)
                out = map_func(*args) if isinstance(args, tuple) else map_func(args)
                yield _structure(out, _to_numpy)
        return self._derived(source, self._cardinality)

    def filter(self, predicate, name=None):
        """Only the elements for which ``predicate`` (called as in :meth:`map`) is true."""
        def source():
            for element in self._source():
                args = _structure(element, _to_tensor)
                keep = predicate(*args) if isinstance(args, tuple) else predicate(args)
                if bool(_to_numpy(keep)):
                    yield element
        return self._derived(source, UNKNOWN_CARDINALITY if self._cardinality != INFINITE_CARDINALITY
                             else INFINITE_CARDINALITY)

    def take(self, count, name=None):
        """The first ``count`` elements (all of them for -1)."""
        count = int(count)
        if count < 0:
            return self
        if self._cardinality == INFINITE_CARDINALITY:
            n = count
        else:
            n = min(count, self._cardinality) if self._cardinality >= 0 else UNKNOWN_CARDINALITY
        return self._derived(lambda: itertools.islice(self._source(), count), n)

    def skip(self, count, name=None):
        """All but the first ``count`` elements."""
        count = int(count)
        n = max(self._cardinality - count, 0) if self._cardinality >= 0 else self._cardinality
        return self._derived(lambda: itertools.islice(self._source(), count, None), n)

    def repeat(self, count=None, name=None):
        """The elements ``count`` times over (None or -1: forever)."""
        def source():
            rounds = itertools.count() if count is None or count < 0 else range(int(count))
            for _ in rounds:
                yield from self._source()
        if count is None or count < 0:
            n = INFINITE_CARDINALITY if self._cardinality != 0 else 0
        else:
            n = self._cardinality * int(count) if self._cardinality >= 0 else self._cardinality
        return self._derived(source, n)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """Elements drawn at random from a ``buffer_size`` reservoir filled in order (tf.data's shuffle);
        with ``seed`` the orders repeat from run to run."""
        buffer_size = int(buffer_size)
        if buffer_size < 1:
            raise ValueError(f"Dataset.shuffle: buffer_size must be positive, got {buffer_size}")
        if seed is None:
            seed = int(backend.rng().integers(0, 2 ** 31 - 1))
        state = {"rng": np.random.default_rng(seed)}

        def source():
            rng = state["rng"] if reshuffle_each_iteration else np.random.default_rng(seed)
            buffer = []
            for element in self._source():
                if len(buffer) < buffer_size:
                    buffer.append(element)
                    continue
                i = int(rng.integers(len(buffer)))
                yield buffer[i]
                buffer[i] = element
            while buffer:
                yield buffer.pop(int(rng.integers(len(buffer))))
        return self._derived(source, self._cardinality)

    def cache(self, filename="", name=None):
        """Keep the elements of the first complete pass in memory and replay them afterwards."""
        if filename:
            raise NotImplementedError("Dataset.cache: caching to a file is not supported by minidl.keras; "
                                      "call cache() to cache in memory")
        store = {"elements": None}

        def source():
            if store["elements"] is not None:
                yield from store["elements"]
                return
            seen = []
            for element in self._source():
                seen.append(element)
                yield element
            store["elements"] = seen
        return self._derived(source, self._cardinality)

    def prefetch(self, buffer_size, name=None):
        """Prepare up to ``buffer_size`` elements ahead in a background thread (AUTOTUNE: 2)."""
        size = 2 if buffer_size is None or int(buffer_size) < 0 else max(int(buffer_size), 1)

        def source():
            ready = queue.Queue(maxsize=size)
            stop = threading.Event()
            done = object()

            def fill():
                try:
                    for element in self._source():
                        while not stop.is_set():
                            try:
                                ready.put(("item", element), timeout=0.1)
                                break
                            except queue.Full:
                                continue
                        if stop.is_set():
                            return
                    ready.put(("end", done))
                except BaseException as exc:  # re-raised in the consumer
                    ready.put(("error", exc))
            worker = threading.Thread(target=fill, daemon=True)
            worker.start()
            try:
                while True:
                    kind, value = ready.get()
                    if kind == "end":
                        return
                    if kind == "error":
                        raise value
                    yield value
            finally:
                stop.set()
        return self._derived(source, self._cardinality)

    def enumerate(self, start=0, name=None):
        """``(index, element)`` pairs."""
        return self._derived(lambda: ((np.int64(i), e) for i, e in enumerate(self._source(), start)),
                             self._cardinality)

    def concatenate(self, dataset, name=None):
        """This dataset's elements, then ``dataset``'s."""
        a, b = self._cardinality, dataset._cardinality
        n = a + b if a >= 0 and b >= 0 else (INFINITE_CARDINALITY if INFINITE_CARDINALITY in (a, b)
                                             else UNKNOWN_CARDINALITY)
        return self._derived(lambda: itertools.chain(self._source(), dataset._source()), n)


def _split_sizes(left_size, right_size, total):
    """Keras' ``_rescale_dataset_split_sizes``: fractions round, ints are counts, the missing side is the rest."""
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is None:
            continue
        if type(size) not in (int, float):
            raise TypeError(f"Invalid `{name}` type. Expected int or float. Received: {name}={size} of type "
                            f"{type(size)}")
        if (type(size) is int and not 0 < size < total) or (type(size) is float and not 0 < size < 1):
            raise ValueError(f"`{name}` should be either a positive integer smaller than {total}, or a float "
                             f"within the range `[0, 1]`. Received: {name}={size}")
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. Received: "
                         "left_size=None and right_size=None")
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be less than or "
                         "equal to 1.")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the {total} samples. "
                         f"Received: left_size + right_size = {left + right}")
    for name, size in (("left", left), ("right", right)):
        if size == 0:
            raise ValueError(f"With `dataset` of length {total}, `left_size`={left_size} and "
                             f"`right_size`={right_size}. Resulting {name} side dataset split will be empty. "
                             "Adjust any of the aforementioned parameters")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Keras' ``split_dataset`` for a :class:`Dataset`: its samples (a batched dataset is unbatched) are
    listed, optionally shuffled (Python's ``random`` seeded with ``seed``, as Keras), and split into a left
    and a right Dataset, batched again as the input was."""
    import random
    batch_size = dataset._batch_size
    samples = list((dataset.unbatch() if batch_size else dataset).as_numpy_iterator())
    if shuffle:
        random.seed(seed if seed is not None else random.randint(0, int(1e6)))
        random.shuffle(samples)
    left, right = _split_sizes(left_size, right_size, len(samples))
    parts = []
    for chunk in (samples[:left], samples[len(samples) - right:]):
        part = Dataset.from_tensor_slices(_stack(chunk))
        parts.append(part.batch(batch_size) if batch_size else part)
    return parts[0], parts[1]
