"""``keras.utils.text_dataset_from_directory`` and the small batched dataset it returns.

Keras returns a ``tf.data.Dataset``; here :class:`BatchDataset` plays that part: iterating it
yields elements (``(texts, labels)`` batches), each component an :class:`EagerArray` (a NumPy
array with ``.numpy()``, like an eager TF tensor), a fresh pass per ``iter`` so
``model.fit(ds, epochs=...)`` re-reads it every epoch. It has ``class_names``, ``take``,
``skip``, ``map``, ``batch``, ``unbatch``, ``shuffle``, ``cache``, ``prefetch``,
``cardinality`` and ``as_numpy_iterator``.

Texts are the files' raw bytes (``dtype=object`` arrays of ``bytes``, as ``tf.io.read_file``);
the preprocessing layers (``TextVectorization``...) decode them as UTF-8.
"""
from __future__ import annotations

import numpy as np

from minidl.keras._directory_index import check_validation_split_arg, encode_labels, index_directory, split_subset
from minidl.keras._tensor import numpy_of
from minidl.tensor import Tensor

__all__ = ["EagerArray", "BatchDataset", "SizedBatchDataset", "text_dataset_from_directory", "index_directory"]


class EagerArray(np.ndarray):
    """A NumPy array that also answers ``.numpy()`` (what code written for ``tf.data`` calls)."""

    def numpy(self) -> np.ndarray:
        """The values as a plain NumPy array."""
        return np.asarray(self)


def _eager(value):
    """A component of a dataset element as an :class:`EagerArray` (Tensors and arrays; other values
    such as tuples pass unchanged)."""
    if isinstance(value, tuple):
        return tuple(_eager(v) for v in value)
    if isinstance(value, Tensor):
        value = numpy_of(value)
    if isinstance(value, (np.ndarray, np.generic, bytes, str, int, float)):
        array = np.asarray(value, dtype=object) if isinstance(value, bytes) else np.asarray(value)
        return array.view(EagerArray)
    return value


def _stack(values):
    """Batch one component: bytes become an object array, the rest ``np.stack``."""
    first = values[0]
    if isinstance(first, tuple):
        return tuple(_stack([v[i] for v in values]) for i in range(len(first)))
    arrays = [numpy_of(v) if isinstance(v, Tensor) else np.asarray(v, dtype=object) if isinstance(v, bytes)
              else np.asarray(v) for v in values]
    if arrays[0].dtype == object and arrays[0].ndim == 0:
        out = np.empty(len(arrays), dtype=object)
        out[:] = [a.item() for a in arrays]
        return out
    return np.stack(arrays)


class BatchDataset:
    """A re-iterable dataset of elements (samples, or batches after :meth:`batch`).

    ``source`` is a function of the pass number returning an iterator of elements; ``length`` the
    number of elements when known (then the dataset is a :class:`SizedBatchDataset` with
    ``len(ds)``, what ``fit`` takes as steps per epoch).
    """

    def __new__(cls, source=None, length=None, class_names=None):
        # a known number of elements gives a dataset with __len__ (fit's steps per epoch); an unknown
        # one (after unbatch) has none, so that fit runs it to its end rather than failing on len()
        if cls is BatchDataset and length is not None:
            cls = SizedBatchDataset
        return super().__new__(cls)

    def __init__(self, source, length=None, class_names=None):
        self._source, self._length = source, length
        self._passes = 0
        self.class_names = class_names

    @classmethod
    def from_elements(cls, elements, class_names=None):
        """A dataset of the given list of elements."""
        elements = list(elements)
        return cls(lambda epoch: iter(elements), len(elements), class_names)

    def __iter__(self):
        epoch = self._passes
        self._passes += 1
        for element in self._source(epoch):
            yield _eager(element)

    def cardinality(self) -> int:
        """The number of elements (-2 when unknown, as ``tf.data.UNKNOWN_CARDINALITY``)."""
        return -2 if self._length is None else self._length

    def _derive(self, source, length):
        return BatchDataset(source, length, self.class_names)

    def take(self, count):
        """The first ``count`` elements (all for -1)."""
        if count < 0:
            return self
        length = None if self._length is None else min(count, self._length)
        return self._derive(lambda epoch: _islice(self._source(epoch), 0, count), length)

    def skip(self, count):
        """All but the first ``count`` elements."""
        length = None if self._length is None else max(self._length - count, 0)
        return self._derive(lambda epoch: _islice(self._source(epoch), count, None), length)

    def map(self, map_func, num_parallel_calls=None, deterministic=None):
        """Apply ``map_func`` to every element (a tuple element is spread over its arguments)."""
        def source(epoch):
            for element in self._source(epoch):
                element = _eager(element)
                yield map_func(*element) if isinstance(element, tuple) else map_func(element)
        return self._derive(source, self._length)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None):
        """Group consecutive elements into batches of ``batch_size`` (stacked component-wise)."""
        batch_size = int(batch_size)
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")

        def source(epoch):
            pending = []
            for element in self._source(epoch):
                pending.append(element)
                if len(pending) == batch_size:
                    yield _stack(pending)
                    pending = []
            if pending and not drop_remainder:
                yield _stack(pending)
        length = None if self._length is None else \
            (self._length // batch_size if drop_remainder else -(-self._length // batch_size))
        return self._derive(source, length)

    def unbatch(self):
        """Split every batch back into its samples."""
        def source(epoch):
            for element in self._source(epoch):
                parts = element if isinstance(element, tuple) else (element,)
                arrays = [numpy_of(p) if isinstance(p, Tensor) else np.asarray(p) for p in parts]
                for i in range(len(arrays[0])):
                    row = tuple(a[i] for a in arrays)
                    yield row if isinstance(element, tuple) else row[0]
        return self._derive(source, None)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True):
        """Buffered shuffle (as ``tf.data``): a random element of a ``buffer_size`` buffer at a time;
        a new order per pass unless ``reshuffle_each_iteration=False``. Seeded: the same orders
        every run (TensorFlow's own generator is not reproduced)."""
        base = np.random.randint(2 ** 31) if seed is None else int(seed)

        def source(epoch):
            rng = np.random.RandomState((base + (epoch if reshuffle_each_iteration else 0)) % 2 ** 32)
            buffer = []
            for element in self._source(epoch):
                buffer.append(element)
                if len(buffer) >= buffer_size:
                    yield buffer.pop(rng.randint(len(buffer)))
            while buffer:
                yield buffer.pop(rng.randint(len(buffer)))
        return self._derive(source, self._length)

    def cache(self, filename=""):
        """Keep the elements of the first full pass in memory and replay them afterwards."""
        stored = []

        def source(epoch):
            if stored and stored[-1] is _DONE:
                return iter(stored[:-1])
            return _recording(self._source(epoch), stored)
        return self._derive(source, self._length)

    def prefetch(self, buffer_size=None):
        """The same dataset (elements are produced on demand)."""
        return self

    def repeat(self, count=None):
        """The elements ``count`` times over (forever for None)."""
        def source(epoch):
            n = 0
            while count is None or n < count:
                yield from self._source(epoch * 1000003 + n)
                n += 1
        length = None if count is None or self._length is None else self._length * count
        return self._derive(source, length)

    def as_numpy_iterator(self):
        """Iterate with plain NumPy arrays."""
        for element in self:
            yield tuple(np.asarray(v) for v in element) if isinstance(element, tuple) else np.asarray(element)

    def __repr__(self):
        return f"<BatchDataset cardinality={self.cardinality()} class_names={self.class_names}>"


class SizedBatchDataset(BatchDataset):
    """A :class:`BatchDataset` whose number of elements is known: ``len(ds)``."""

    def __len__(self):
        return self._length


_DONE = object()


def _recording(iterator, stored):
    stored.clear()
    for element in iterator:
        stored.append(element)
        yield element
    stored.append(_DONE)


def _islice(iterator, start, stop):
    for i, element in enumerate(iterator):
        if stop is not None and i >= stop:
            return
        if i >= start:
            yield element


def _read_text(path, max_length):
    with open(path, "rb") as f:
        content = f.read()
    return content if max_length is None else content[:max_length]


def _text_dataset(paths, labels, label_mode, num_classes, max_length, shuffle, shuffle_buffer, seed, batch_size,
                  class_names):
    encoded = None if label_mode is None else encode_labels(labels, label_mode, num_classes)

    def source(epoch):
        for i, path in enumerate(paths):
            text = _read_text(path, max_length)
            yield text if encoded is None else (text, encoded[i])
    ds = BatchDataset(source, len(paths), class_names)
    if shuffle:
        ds = ds.shuffle(shuffle_buffer, seed=seed)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    return ds


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, format="tf", verbose=True):
    """A :class:`BatchDataset` of ``(texts, labels)`` batches from ``.txt`` files, as Keras.

    ``directory/<class>/*.txt`` with ``labels="inferred"`` (classes: the sorted sub-folder names
    or ``class_names``); or ``labels`` a list (one per file in sorted walk order), or None (texts
    only). ``label_mode``: ``"int"`` (int32), ``"categorical"`` (float32 one-hot), ``"binary"``
    (float32 (batch, 1)) or None. Texts are bytes (``max_length``: first bytes kept). Files are
    shuffled with ``seed`` before a ``validation_split`` ``subset`` (``"training"``,
    ``"validation"`` or ``"both"``) is taken; the training set is reshuffled every pass.
    Prints ``Found N files belonging to K classes.``
    """
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError("`labels` argument should be a list/tuple of integer labels, of the same size as the number "
                         "of text files in the target directory. If you wish to infer the labels from the "
                         'subdirectory names in the target directory, pass `labels="inferred"`. If you wish to get '
                         f"a dataset that only contains text samples (no labels), pass `labels=None`. Received: "
                         f"labels={labels}")
    if labels not in ("inferred", None) and class_names:
        raise ValueError(f'You can only pass `class_names` if `labels="inferred"`. Received: labels={labels}, and '
                         f"class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. Received: '
                         f"label_mode={label_mode}")
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(directory, labels, formats=(".txt",), class_names=class_names,
                                                 shuffle=shuffle, seed=seed, follow_links=follow_links,
                                                 verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
                         f"class_names={class_names}")
    buffer = batch_size * 8 if batch_size is not None else 1024
    num_classes = len(class_names) if class_names else 0
    subsets = ("training", "validation") if subset == "both" else (subset,)
    out = []
    for which in subsets:
        part_paths, part_labels = split_subset(paths, labels, validation_split, which)
        if not part_paths:
            kind = f"{which} " if subset == "both" else ""
            raise ValueError(f"No {kind}text files found in directory {directory}. Allowed format: .txt")
        out.append(_text_dataset(part_paths, part_labels, label_mode, num_classes, max_length,
                                 shuffle and not (subset == "both" and which == "validation"), buffer,
                                 seed, batch_size, class_names))
    return out if subset == "both" else out[0]
