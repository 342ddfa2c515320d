"""Samplers: which dataset indices a DataLoader visits, and in which groups (PyTorch's classes)."""
from __future__ import annotations

import numpy as np

from ... import backend, mt19937
from ...generator import as_numpy_generator

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "BatchSampler",
           "WeightedRandomSampler"]


class Sampler:
    """Base class: an iterable of dataset indices (or, for batch samplers, of index lists).

    Subclasses implement ``__iter__`` and usually ``__len__``.
    """

    def __init__(self, data_source=None):
        pass

    def __iter__(self):  # pragma: no cover - abstract
        raise NotImplementedError


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of ``data_source``'s indices (a fresh one per iteration).

    replacement: draw ``num_samples`` indices with replacement. num_samples:
    default ``len(data_source)``. generator: a ``minidl.Generator`` (or NumPy
    Generator / int seed); None draws from minidl's current generator
    (``minidl.manual_seed``, or the DataLoader's per-epoch stream).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        # as PyTorch: also an empty data source (num_samples defaults to its length) is refused
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        """How many indices one iteration yields."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        # As PyTorch: without a generator, a fresh one seeded by an int64 drawn from the current stream;
        # then permutations (or, with replacement, integers) drawn as torch.randperm / randint draw them
        n = len(self.data_source)
        if self.generator is None:
            rng = mt19937.seeded(int(mt19937.full_range(as_numpy_generator(None), (), np.int64)))
        else:
            rng = as_numpy_generator(self.generator)
        if self.replacement:
            return iter(mt19937.integers(rng, (self.num_samples,), 0, n).tolist())
        reps, rest = divmod(self.num_samples, n)
        order = [mt19937.permutation(rng, n) for _ in range(reps)] + [mt19937.permutation(rng, n)[:rest]]
        return iter(np.concatenate(order).tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (a fresh one per iteration)."""

    def __init__(self, indices, generator=None):
        self.indices = list(indices)
        self.generator = generator

    def __iter__(self):
        rng = as_numpy_generator(self.generator)
        return iter([self.indices[i] for i in mt19937.permutation(rng, len(self.indices))])

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one
    shorter unless ``drop_last``).

    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for idx in self.sampler:
            batch.append(int(idx))
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def _multinomial(weights: np.ndarray, num_samples: int, replacement: bool, rng) -> np.ndarray:
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (PyTorch's
    ``multinomial``, with its errors, and its draws for the same seed)."""
    if not np.all(weights >= 0):
        raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
    if np.any(np.isinf(weights)):
        raise RuntimeError("invalid multinomial distribution (encountering probability entry = infinity or NaN)")
    total = float(weights.sum())
    if not total > 0:
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > weights.shape[0]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    from ...functions_random import _multinomial_rows
    return _multinomial_rows(weights[None, :], num_samples, replacement, rng)[0]


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in ``[0, len(weights))``, index i drawn with probability proportional
    to ``weights[i]`` (a fresh draw per iteration).

    weights: a 1-D sequence (need not sum to 1). replacement: draw with replacement (default);
    without it each index appears at most once. generator: a ``minidl.Generator`` (or NumPy
    Generator / int seed); None draws from minidl's current generator.

    >>> from minidl import Generator
    >>> s = WeightedRandomSampler([0.0, 1.0, 0.0], 4, generator=Generator().manual_seed(0))
    >>> list(s), len(s)
    ([1, 1, 1, 1], 4)
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if (not isinstance(num_samples, int) or isinstance(num_samples, bool)) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        from ...tensor import Tensor
        values = backend.to_numpy(weights.array) if isinstance(weights, Tensor) else weights
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(values.shape)}")
        self.weights = Tensor(values)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        rng = as_numpy_generator(self.generator)
        picks = _multinomial(backend.to_numpy(self.weights.array), self.num_samples, self.replacement, rng)
        return iter(picks.tolist())

    def __len__(self):
        return self.num_samples
