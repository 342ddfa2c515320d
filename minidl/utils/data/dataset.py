"""PyTorch's dataset classes: ``Dataset``, ``IterableDataset``, ``TensorDataset``, ``Subset``,
``ConcatDataset`` and ``random_split``.

``Dataset``, ``Subset`` and ``ConcatDataset`` are :mod:`minidl.data`'s (one
implementation: they pass through whatever their parent datasets return).
``TensorDataset`` here holds minidl Tensors and returns Tensors, as PyTorch's.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ... import mt19937
from ...data.dataset import ConcatDataset, Dataset, Subset
from ...generator import as_numpy_generator
from ...tensor import Tensor, as_tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset",
           "random_split", "ChainDataset", "StackDataset"]


class IterableDataset(Dataset):
    """A stream of samples: subclasses implement ``__iter__`` (no ``__getitem__``).

    With ``num_workers > 0`` every worker iterates its own copy; split the work
    with :func:`~minidl.utils.data.get_worker_info` as in PyTorch.
    """

    def __iter__(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it, "
                        "it has no indexing")

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """The samples of several IterableDatasets, one after another (what ``a + b`` gives).

    >>> class Count(IterableDataset):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(self.n))
    ...     def __len__(self):
    ...         return self.n
    >>> chained = ChainDataset([Count(2), Count(3)])
    >>> list(chained), len(chained)
    ([0, 1, 0, 1, 2], 5)
    """

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            assert isinstance(d, IterableDataset), "ChainDataset only supports IterableDataset"
            yield from d

    def __len__(self):
        total = 0
        for d in self.datasets:
            assert isinstance(d, IterableDataset), "ChainDataset only supports IterableDataset"
            total += len(d)
        return total


class StackDataset(Dataset):
    """Several datasets of the same length read side by side: ``StackDataset(a, b)[i] == (a[i], b[i])``,
    ``StackDataset(x=a, y=b)[i] == {"x": a[i], "y": b[i]}``.

    >>> StackDataset([1, 2], [3, 4])[1], StackDataset(x=[1, 2], y=[3, 4])[0]
    ((2, 4), {'x': 1, 'y': 3})
    """

    def __init__(self, *args, **kwargs):
        if args:
            if kwargs:
                raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                                 "input/output, but both types are given.")
            self._length = len(args[0])
            if any(self._length != len(d) for d in args):
                raise ValueError("Size mismatch between datasets")
            self.datasets = args
        elif kwargs:
            lengths = [len(d) for d in kwargs.values()]
            self._length = lengths[0]
            if any(self._length != n for n in lengths):
                raise ValueError("Size mismatch between datasets")
            self.datasets = kwargs
        else:
            raise ValueError("At least one dataset should be passed")

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list):
        """The samples at ``indices`` (each dataset's own ``__getitems__`` is used when it has one)."""
        def column(d):
            getitems = getattr(d, "__getitems__", None)
            if callable(getitems):
                items = getitems(indices)
                if len(items) != len(indices):
                    raise ValueError("Nested dataset's output size mismatch. Expected "
                                     f"{len(indices)}, got {len(items)}")
                return list(items)
            return [d[i] for i in indices]
        if isinstance(self.datasets, dict):
            cols = {k: column(d) for k, d in self.datasets.items()}
            return [{k: cols[k][n] for k in cols} for n in range(len(indices))]
        cols = [column(d) for d in self.datasets]
        return [tuple(c[n] for c in cols) for n in range(len(indices))]

    def __len__(self):
        return self._length


class TensorDataset(Dataset):
    """Tensors sharing their first dimension: ``ds[i] = tuple(t[i] for t in tensors)``.

    Arrays are converted to Tensors. A DataLoader gathers a whole batch with one
    fancy index per tensor (the same values default_collate would stack).

    >>> import minidl as mdl
    >>> ds = TensorDataset(mdl.zeros(4, 2), mdl.tensor([0, 1, 0, 1]))
    >>> x, y = ds[1]
    >>> x.shape, int(y.item()), len(ds)
    (minidl.Size([2]), 1, 4)
    """

    def __init__(self, *tensors):
        tensors = tuple(t if isinstance(t, Tensor) else as_tensor(np.asarray(t)) for t in tensors)
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if any(s is None for s in sizes) or len(set(sizes)) != 1:
            raise AssertionError(f"Size mismatch between tensors: first dimensions {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(Tensor(t.array[index]) for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

    def _gather(self, indices):
        """The collated batch for ``indices``: a list of Tensors (N, ...)."""
        idx = np.asarray(indices, dtype=np.intp)
        return [Tensor(t.array[idx]) for t in self.tensors]


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random :class:`Subset` s of ``lengths``.

    lengths: ints summing to ``len(dataset)``, or fractions summing to 1 (each
    part gets ``floor(frac * n)`` and the remainder is dealt one by one to the
    parts in order, as PyTorch does). generator: a ``minidl.Generator`` (or a
    NumPy Generator / int seed); None uses minidl's global generator. Each
    subset's indices come in the random order of one permutation, as in PyTorch.

    >>> from minidl import Generator
    >>> a, b = random_split(range(10), [0.7, 0.3], generator=Generator().manual_seed(0))
    >>> len(a), len(b), sorted(list(a.indices) + list(b.indices)) == list(range(10))
    (7, 3, True)
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        if any(f < 0 or f > 1 for f in lengths):
            raise ValueError(f"fractions must lie in [0, 1], got {lengths}")
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              "empty dataset.", stacklevel=2)
        lengths = counts
    if any(isinstance(v, float) and not float(v).is_integer() for v in lengths):
        raise ValueError(f"lengths must be integers summing to len(dataset) = {n}, or fractions "
                         f"summing to 1, got {lengths}")
    lengths = [int(v) for v in lengths]
    if sum(lengths) != n:
        raise ValueError(f"Sum of input lengths ({sum(lengths)}) does not equal the length of the "
                         f"input dataset ({n})!")
    perm = mt19937.permutation(as_numpy_generator(generator), n).tolist()  # torch.randperm's; Python ints
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[start:start + length]))
        start += length
    return out
