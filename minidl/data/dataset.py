"""Dataset containers: the protocol, in-memory arrays, subsets and concatenation.

Every dataset answers ``len(ds)`` and ``ds[i] -> (x, y)``. Datasets can also
answer ``ds.get_batch(indices, rng) -> (x, y)`` with a whole batch at once;
:class:`~minidl.data.DataLoader` uses it, and the image datasets implement it by
fancy-indexing their uint8 ``.data`` array and converting the batch in one
vectorised pass instead of sample by sample.

Transform calling convention: a transform is called as ``t(x, rng=rng)`` where
``x`` is one float32 CHW image (from ``ds[i]``) or an NCHW batch (from
``get_batch``), and ``rng`` a ``numpy.random.Generator``. ``ds[i]`` passes no
rng, so the transform draws from minidl's global generator
(``minidl.manual_seed``); the DataLoader passes a generator derived from
(seed, epoch, batch index). A plain callable without an ``rng`` parameter is
called as ``t(x)``.
"""
from __future__ import annotations

import bisect
import inspect

import numpy as np

__all__ = ["Dataset", "ArrayImageDataset", "TensorDataset", "Subset", "ConcatDataset",
           "to_float_chw", "to_float_nchw", "call_transform", "targets_of", "collate"]

_SCALE = np.float32(1.0 / 255.0)


def to_float_nchw(images: np.ndarray) -> np.ndarray:
    """uint8 (N, H, W, C) -> float32 (N, C, H, W) in [0, 1], in one vectorised pass."""
    return images.transpose(0, 3, 1, 2).astype(np.float32) * _SCALE


def to_float_chw(image: np.ndarray) -> np.ndarray:
    """uint8 (H, W, C) -> float32 (C, H, W) in [0, 1]."""
    return image.transpose(2, 0, 1).astype(np.float32) * _SCALE


def _accepts_rng(fn) -> bool:
    flag = getattr(fn, "accepts_rng", None)  # minidl transforms say so themselves
    if flag is not None:
        return bool(flag)
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "rng" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def call_transform(transform, x, rng=None):
    """Apply ``transform`` to ``x`` (CHW or NCHW), passing ``rng`` when it takes one."""
    if transform is None:
        return x
    if rng is not None and _accepts_rng(transform):
        return transform(x, rng=rng)
    return transform(x)


def collate(items):
    """Stack a list of ``(x, y)`` samples into ``(x (N, ...), y (N,))``; integer labels -> int64."""
    xs, ys = zip(*items)
    x = np.stack([np.asarray(v) for v in xs])
    y = np.asarray(ys)
    if y.dtype.kind in "iub":
        y = y.astype(np.int64)
    return x, y


class Dataset:
    """Base class: subclasses implement ``__len__`` and ``__getitem__(i) -> (x, y)``.

    ``get_batch(indices, rng=None) -> (x, y)`` stacks samples one by one here;
    array-backed subclasses override it with a vectorised version.
    """

    def __len__(self):
        # PyTorch's Dataset has no __len__: len() of one without it is a TypeError (which list()
        # and DataLoader.__len__ callers such as tqdm treat as "length unknown")
        raise TypeError(f"object of type '{type(self).__name__}' has no len()")

    def __getitem__(self, index):
        raise NotImplementedError

    def get_batch(self, indices, rng=None):
        """Samples ``indices`` as a batch ``(x (N, ...), y (N,) int64)``."""
        return collate([self[int(i)] for i in indices])

    def __add__(self, other):
        return ConcatDataset([self, other])


class ArrayImageDataset(Dataset):
    """Images held in memory as one uint8 array; the base of every image dataset.

    data: uint8 (N, H, W, C); targets: int (N,); classes: list of N_classes names.
    ``ds[i]`` -> ``(x float32 (C, H, W) in [0, 1], int label)``, then ``transform``.
    ``get_batch(idx, rng)`` gathers ``data[idx]`` by fancy indexing and converts
    uint8 NHWC -> float32 NCHW in one pass, then applies ``transform`` to the
    whole batch with ``rng``.
    """

    def __init__(self, data, targets, classes=None, transform=None):
        data = np.asarray(data)
        if data.dtype != np.uint8 or data.ndim != 4:
            raise ValueError(f"data must be uint8 (N, H, W, C), got {data.dtype} {data.shape}")
        targets = np.asarray(targets, dtype=np.int64).reshape(-1)
        if len(targets) != len(data):
            raise ValueError(f"{len(data)} images but {len(targets)} targets")
        self.data = data
        self.targets = targets
        if classes is None:
            classes = [str(c) for c in range(int(targets.max()) + 1 if len(targets) else 0)]
        self.classes = list(classes)
        self.transform = transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        x = to_float_chw(self.data[index])
        return call_transform(self.transform, x), int(self.targets[index])

    def get_batch(self, indices, rng=None):
        """(x float32 (N, C, H, W), y int64 (N,)) for ``indices``, transform applied to the batch."""
        indices = np.asarray(indices, dtype=np.intp)
        x = to_float_nchw(self.data[indices])
        return call_transform(self.transform, x, rng), self.targets[indices]

    @property
    def class_to_idx(self):
        """{class name: label id}."""
        return {c: i for i, c in enumerate(self.classes)}

    def __repr__(self):
        n, h, w, c = self.data.shape
        return (f"{type(self).__name__}(n={n}, image=({c}, {h}, {w}), "
                f"classes={len(self.classes)})")


def _to_array(a):
    if not isinstance(a, np.ndarray) and hasattr(a, "numpy"):
        a = a.numpy()  # a minidl (or other) Tensor, without importing it
    return np.asarray(a)


class TensorDataset(Dataset):
    """Wraps arrays sharing their first dimension: ``ds[i] = tuple(a[i] for a in arrays)``.

    Typical use: ``TensorDataset(x, y)`` with x float32 (N, C, H, W) and y int (N,);
    batches are gathered by fancy indexing; integer labels come out int64.
    Objects with a ``.numpy()`` method (Tensors) are converted to arrays.
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = tuple(_to_array(a) for a in arrays)
        n = len(self.arrays[0])
        for k, a in enumerate(self.arrays):
            if len(a) != n:
                raise ValueError(f"array 0 has {n} rows but array {k} has {len(a)}")

    # torch's name for the same attribute
    @property
    def tensors(self):
        """The wrapped arrays."""
        return self.arrays

    @property
    def targets(self):
        """The last array (the labels) when there are at least two arrays."""
        if len(self.arrays) < 2:
            raise AttributeError("TensorDataset with one array has no targets")
        return self.arrays[-1]

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)

    def get_batch(self, indices, rng=None):
        """Each array gathered at ``indices``; integer arrays other than the first become int64."""
        indices = np.asarray(indices, dtype=np.intp)
        out = [a[indices] for a in self.arrays]
        for k in range(1, len(out)):
            if out[k].dtype.kind in "iub":
                out[k] = out[k].astype(np.int64, copy=False)
        return tuple(out)


class Subset(Dataset):
    """The samples ``indices`` of ``dataset``, in that order (PyTorch's Subset).

    Batches are delegated to ``dataset.get_batch`` with the mapped indices, so a
    subset of an image dataset keeps the vectorised fast path.
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices   # kept as given (a list from random_split), as PyTorch's Subset keeps it
        self._index_array = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __len__(self):
        return len(self._index_array)

    def __getitem__(self, index):
        return self.dataset[int(self._index_array[index])]

    def __getitems__(self, indices):
        """The samples at several positions (PyTorch's batched fetch; the parent's
        ``__getitems__`` is used when it has one)."""
        mapped = [int(self._index_array[i]) for i in indices]
        getter = getattr(self.dataset, "__getitems__", None)
        if callable(getter):
            return getter(mapped)
        return [self.dataset[i] for i in mapped]

    def get_batch(self, indices, rng=None):
        """The parent's batch at ``self.indices[indices]``."""
        mapped = self._index_array[np.asarray(indices, dtype=np.intp)]
        getter = getattr(self.dataset, "get_batch", None)
        if getter is None:
            return collate([self.dataset[int(i)] for i in mapped])
        return getter(mapped, rng=rng)

    @property
    def targets(self):
        """The labels of the subset's samples (int64)."""
        return targets_of(self.dataset)[self._index_array]

    @property
    def classes(self):
        """The parent's class names."""
        return self.dataset.classes


class ConcatDataset(Dataset):
    """Several datasets one after another (PyTorch's ConcatDataset)."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        # AssertionError, as PyTorch's asserts raise
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if any(c.__name__ == "IterableDataset" for c in type(d).__mro__):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1] if self.cumulative_sizes else 0

    def _locate(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} out of range for a dataset of {len(self)}")
        d = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[d - 1] if d else 0
        return d, index - start

    def __getitem__(self, index):
        d, i = self._locate(int(index))
        return self.datasets[d][i]

    def get_batch(self, indices, rng=None):
        """Gathers each part's samples with its own get_batch, in the order of ``indices``."""
        indices = np.asarray(indices, dtype=np.int64)
        which = np.searchsorted(self.cumulative_sizes, indices, side="right")
        starts = np.concatenate([[0], self.cumulative_sizes[:-1]])
        xs, ys, pos = [], [], []
        for d in np.unique(which):
            sel = np.nonzero(which == d)[0]
            ds = self.datasets[d]
            local = indices[sel] - starts[d]
            getter = getattr(ds, "get_batch", None)
            x, y = getter(local, rng=rng) if getter else collate([ds[int(i)] for i in local])
            xs.append(x)
            ys.append(y)
            pos.append(sel)
        order = np.argsort(np.concatenate(pos), kind="stable")
        return np.concatenate(xs)[order], np.concatenate(ys)[order]

    @property
    def targets(self):
        """All parts' labels, concatenated."""
        return np.concatenate([targets_of(d) for d in self.datasets])

    @property
    def classes(self):
        """The first part's class names."""
        return self.datasets[0].classes


def targets_of(dataset) -> np.ndarray:
    """The int64 labels of every sample of ``dataset`` (``.targets`` when it has one)."""
    t = getattr(dataset, "targets", None)
    if t is None:
        t = [dataset[i][1] for i in range(len(dataset))]
    return np.asarray(t).astype(np.int64, copy=False).reshape(-1)


def image_source(dataset):
    """``(data uint8 NHWC, indices or None)`` behind ``dataset`` (through Subsets), or None."""
    idx = None
    while isinstance(dataset, Subset):
        idx = dataset._index_array if idx is None else dataset._index_array[idx]
        dataset = dataset.dataset
    data = getattr(dataset, "data", None)
    if isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 4:
        return data, idx
    return None
