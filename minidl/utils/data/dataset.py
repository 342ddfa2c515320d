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

from ...data.dataset import ConcatDataset, Dataset, Subset
from ...generator import as_numpy_generator
from ...tensor import Tensor, as_tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset",
           "random_split"]


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
        raise TypeError("IterableDatasets cannot be concatenated with +; chain them with "
                        "itertools.chain in your own IterableDataset")


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
            raise ValueError(f"Size mismatch between tensors: first dimensions {sizes}")
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
    perm = as_numpy_generator(generator).permutation(n)
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[start:start + length]))
        start += length
    return out
