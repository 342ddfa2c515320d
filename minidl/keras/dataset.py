"""``Dataset``: the part of ``tf.data.Dataset`` Keras scripts use, for what minidl.keras' dataset
utilities (``image_dataset_from_directory``, ``text_dataset_from_directory``,
``timeseries_dataset_from_array``) return, and for scripts that build their own
(``from minidl.keras import dataset as tf_data``; ``tf_data.Dataset.from_tensor_slices(...)``).

A Dataset is a lazy, re-iterable pipeline: each ``iter()`` runs it from its source again (files
are read as elements are needed). Elements are a Tensor, a tuple or a dict of them (nested); string
parts are :class:`~minidl.keras._dataset_elements.EagerArray` arrays of ``bytes`` (see
``_dataset_elements``); after ``batch`` the first axis is the batch. ``model.fit/evaluate/predict``
take a Dataset of ``(x, y)`` batches (also as ``validation_data``); ``len()`` is its number of
elements when known (``fit``'s steps per epoch), a TypeError when infinite or unknown, as tf.data.

Methods, each doing what ``tf.data`` does: ``batch``, ``unbatch``, ``rebatch``, ``map`` (the function
gets the element's parts as arguments, as tf's; ``num_parallel_calls`` runs it in order in the
pipeline's thread, the results being tf's deterministic ones), ``filter``, ``take``, ``skip``,
``repeat``, ``shuffle`` (a ``buffer_size`` reservoir, reshuffled on every iteration unless
``reshuffle_each_iteration=False``), ``cache`` (the first complete pass is kept in memory; later
passes replay it; ``filename`` is not supported), ``prefetch`` (a background thread keeps up to
``buffer_size`` elements ready; AUTOTUNE (-1) means 2; layers called in its ``map`` functions run with
their own call context, so a training step's ``training=`` does not reach them), ``enumerate``,
``concatenate``, ``zip``, ``as_numpy_iterator``, ``cardinality`` / ``len``, ``element_spec``, ``from_tensor_slices`` /
``from_tensors`` / ``range`` / ``zip``.
"""
from __future__ import annotations

import itertools
import queue
import threading

import numpy as np

from minidl import backend
from minidl.keras._dataset_elements import (
    EagerArray,
    TensorSpec,
    input_to_numpy,
    leaves,
    spec_of,
    split,
    stack,
    structure,
    to_numpy,
    to_user,
)

__all__ = ["Dataset", "split_dataset", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "TensorSpec",
           "EagerArray", "experimental"]

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


def _count(value, what):
    """An int argument that may come as a Tensor / 0-d array (tf.data takes scalar tensors)."""
    try:
        return int(value.item() if hasattr(value, "item") else value)
    except (TypeError, ValueError):
        raise TypeError(f"Dataset.{what}: expected an integer, got {value!r}") from None


def _call(function, element):
    """``function`` on ``element`` as tf.data calls it: a tuple's parts are the arguments."""
    args = to_user(element)
    return function(*args) if isinstance(args, tuple) else function(args)


def _combined_cardinality(known):
    """The cardinality of datasets run side by side until the shortest ends."""
    finite = [c for c in known if c >= 0]
    if finite:
        return min(finite)
    return INFINITE_CARDINALITY if all(c == INFINITE_CARDINALITY for c in known) else UNKNOWN_CARDINALITY


def _fill(layout, parts):
    """``layout`` (a structure of Datasets) with each Dataset replaced by the next of ``parts``."""
    return structure(layout, lambda _: next(parts))


class Dataset:
    """A lazy pipeline of elements (see the module docstring). Construct with :meth:`from_tensor_slices`,
    :meth:`from_tensors`, :meth:`range`, :meth:`zip` or a dataset utility; ``source`` is a function
    returning a fresh iterator of NumPy-structured elements, ``cardinality`` their number (-1 infinite,
    -2 unknown)."""

    def __init__(self, source, cardinality=UNKNOWN_CARDINALITY):
        self._source = source
        self._cardinality = int(cardinality)
        self._batch_size = None  # set by batch(), kept by element-wise transforms
        self._drop_remainder = False

    # ----------------------------------------------------------------- creation
    @classmethod
    def from_tensor_slices(cls, tensors, name=None):
        """One element per slice along the first axis of ``tensors`` (an array, a list, a tuple or a dict of
        arrays, nested; strings become ``bytes`` as in tf.data)."""
        data = input_to_numpy(tensors)
        parts = leaves(data)
        if any(np.ndim(p) == 0 for p in parts):
            raise ValueError("Dataset.from_tensor_slices: every part must have at least one dimension to slice; "
                             f"got a scalar in {tensors!r:.80}")
        sizes = {len(p) for p in parts}
        if len(sizes) != 1:
            raise ValueError(f"Dataset.from_tensor_slices: the parts have different first dimensions {sorted(sizes)}")
        return cls(lambda: split(data), sizes.pop())

    @classmethod
    def from_tensors(cls, tensors, name=None):
        """A dataset of the single element ``tensors``."""
        data = input_to_numpy(tensors)
        return cls(lambda: iter([data]), 1)

    @classmethod
    def range(cls, *args, dtype="int64", name=None):
        """Integers as ``range(*args)`` (int64 scalars unless ``dtype``)."""
        values = range(*(_count(a, "range") for a in args))
        kind = np.dtype(dtype).type
        return cls(lambda: (kind(v) for v in values), len(values))

    @staticmethod
    def zip(*datasets, name=None):
        """Elements of several datasets side by side, until the shortest ends. ``Dataset.zip(a, b)`` or
        ``Dataset.zip((a, b))`` gives tuples; ``Dataset.zip({"x": a, "y": b})`` dicts (nesting kept)."""
        if len(datasets) == 1 and isinstance(datasets[0], (tuple, list, dict)):
            datasets = datasets[0]
        members = leaves(datasets)
        if not members or not all(isinstance(d, Dataset) for d in members):
            raise TypeError(f"Dataset.zip: expected Datasets (or a tuple / dict of them), got {datasets!r:.120}")

        def source():
            iterators = [d._source() for d in members]
            for parts in zip(*iterators):
                yield _fill(datasets, iter(parts))
        return Dataset(source, _combined_cardinality([d._cardinality for d in members]))

    # ----------------------------------------------------------------- iteration
    def __iter__(self):
        for element in self._source():
            yield to_user(element)

    def as_numpy_iterator(self):
        """Iterate with NumPy values instead of Tensors (strings as ``bytes``, as tf.data)."""
        return iter(self._source())

    def cardinality(self):
        """The number of elements as a 0-d int64 array (``.numpy()``, ``int()``); -1 infinite, -2 unknown."""
        return np.array(self._cardinality, dtype=np.int64).view(EagerArray)

    def __len__(self):
        if self._cardinality == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if self._cardinality < 0:
            raise TypeError("The dataset length is unknown.")
        return self._cardinality

    def __bool__(self):
        return True  # (a Dataset of unknown length is still a Dataset, not a falsy container)

    @property
    def element_spec(self):
        """The :class:`TensorSpec` structure of an element (from the first element; a batched dataset's batch
        axis is ``None`` unless ``drop_remainder``)."""
        iterator = self._source()
        try:
            first = next(iter(iterator))
        except StopIteration:
            raise ValueError("Dataset.element_spec: the dataset is empty") from None
        finally:
            getattr(iterator, "close", lambda: None)()
        return spec_of(first, self._batch_size is not None and not self._drop_remainder)

    def __repr__(self):
        return f"<Dataset cardinality={self._cardinality}>"

    # ----------------------------------------------------------------- transforms
    def _derived(self, source, cardinality):
        out = Dataset(source, cardinality)
        out._batch_size, out._drop_remainder = self._batch_size, self._drop_remainder
        for attr in ("class_names", "file_paths"):
            if hasattr(self, attr):
                setattr(out, attr, getattr(self, attr))
        return out

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None, name=None):
        """Consecutive elements stacked into batches of ``batch_size`` (the last may be smaller unless
        ``drop_remainder``); string parts stack into ``object`` arrays of ``bytes``."""
        batch_size = _count(batch_size, "batch")
        if batch_size < 1:
            raise ValueError(f"Dataset.batch: batch_size must be positive, got {batch_size}")

        def source():
            items = iter(self._source())
            while True:
                chunk = list(itertools.islice(items, batch_size))
                if not chunk or (drop_remainder and len(chunk) < batch_size):
                    return
                yield stack(chunk)
        n = self._cardinality
        if n >= 0:
            n = n // batch_size if drop_remainder else -(-n // batch_size)
        out = self._derived(source, n)
        out._batch_size, out._drop_remainder = batch_size, bool(drop_remainder)
        return out

    def unbatch(self, name=None):
        """The elements of each batch, one by one."""
        def source():
            for element in self._source():
                yield from split(element)
        out = self._derived(source, UNKNOWN_CARDINALITY if self._cardinality >= 0 else self._cardinality)
        out._batch_size, out._drop_remainder = None, False
        return out

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        """The samples regrouped into batches of ``batch_size`` (``unbatch().batch(batch_size)``); a list of sizes
        is cycled through, as tf.data's."""
        if not isinstance(batch_size, (list, tuple, np.ndarray)):
            return self.unbatch().batch(batch_size, drop_remainder)
        sizes = [_count(b, "rebatch") for b in batch_size]
        if not sizes or min(sizes) < 1:
            raise ValueError(f"Dataset.rebatch: batch sizes must be positive, got {sizes}")
        samples = self.unbatch()

        def source():
            items = iter(samples._source())
            for size in itertools.cycle(sizes):
                chunk = list(itertools.islice(items, size))
                if not chunk or (drop_remainder and len(chunk) < size):
                    return
                yield stack(chunk)
        out = self._derived(source, UNKNOWN_CARDINALITY if self._cardinality >= 0 else self._cardinality)
        out._batch_size, out._drop_remainder = max(sizes), bool(drop_remainder)
        return out

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """``map_func`` applied to every element (a tuple element's parts are its arguments, a dict is one
        argument); it gets Tensors (strings: :class:`EagerArray`) and may return any structure of them."""
        def source():
            for element in self._source():
                yield structure(_call(map_func, element), to_numpy)
        return self._derived(source, self._cardinality)

    def filter(self, predicate, name=None):
        """Only the elements for which ``predicate`` (called as in :meth:`map`) is true."""
        def source():
            for element in self._source():
                keep = to_numpy(_call(predicate, element))
                if np.ndim(keep) != 0:
                    raise ValueError(f"Dataset.filter: the predicate must return a scalar boolean, got shape "
                                     f"{np.shape(keep)}")
                if bool(keep):
                    yield element
        return self._derived(source, UNKNOWN_CARDINALITY if self._cardinality != INFINITE_CARDINALITY
                             else INFINITE_CARDINALITY)

    def take(self, count, name=None):
        """The first ``count`` elements (all of them for -1)."""
        count = _count(count, "take")
        if count < 0:
            return self._derived(self._source, self._cardinality)
        if self._cardinality == INFINITE_CARDINALITY:
            n = count
        else:
            n = min(count, self._cardinality) if self._cardinality >= 0 else UNKNOWN_CARDINALITY
        return self._derived(lambda: itertools.islice(self._source(), count), n)

    def skip(self, count, name=None):
        """All but the first ``count`` elements (-1: none at all)."""
        count = _count(count, "skip")
        if count < 0:
            return self._derived(lambda: iter(()), 0 if self._cardinality != INFINITE_CARDINALITY
                                 else INFINITE_CARDINALITY)
        n = max(self._cardinality - count, 0) if self._cardinality >= 0 else self._cardinality
        return self._derived(lambda: itertools.islice(self._source(), count, None), n)

    def repeat(self, count=None, name=None):
        """The elements ``count`` times over (None or -1: forever)."""
        count = None if count is None else _count(count, "repeat")

        def source():
            rounds = itertools.count() if count is None or count < 0 else range(count)
            for _ in rounds:
                yield from self._source()
        if count is None or count < 0:
            n = INFINITE_CARDINALITY if self._cardinality != 0 else 0
        else:
            n = self._cardinality * count if self._cardinality >= 0 else self._cardinality
        return self._derived(source, n)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """Elements drawn at random from a ``buffer_size`` reservoir filled in order (tf.data's shuffle);
        with ``seed`` the orders repeat from run to run (TensorFlow's own generator is not reproduced)."""
        buffer_size = _count(buffer_size, "shuffle")
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
        part = Dataset.from_tensor_slices(stack(chunk))
        parts.append(part.batch(batch_size) if batch_size else part)
    return parts[0], parts[1]


class experimental:  # noqa: N801 (tf.data.experimental is a lower-case namespace)
    """``tf.data.experimental``'s names older Keras scripts use: ``AUTOTUNE``, ``INFINITE_CARDINALITY``,
    ``UNKNOWN_CARDINALITY`` and ``cardinality(dataset)``."""

    AUTOTUNE = AUTOTUNE
    INFINITE_CARDINALITY = INFINITE_CARDINALITY
    UNKNOWN_CARDINALITY = UNKNOWN_CARDINALITY

    @staticmethod
    def cardinality(dataset):
        """``dataset.cardinality()``."""
        return dataset.cardinality()
