"""DataLoader: seeded, reproducible mini-batches with background prefetch.

Determinism. Epoch ``e`` of a loader with ``seed=s`` uses:

* sample order ``SeedSequence(s, spawn_key=(e, 0))`` (a permutation when shuffling),
* augmentation for batch ``b``: a Generator from ``SeedSequence(s, spawn_key=(e, 1, b))``,
  passed as ``rng=`` to the dataset's transform and then the loader's transform.

So the batches of epoch ``e`` depend only on (seed, e), whatever ran before,
however many worker threads there are. The epoch counter starts at 0 and
advances by one each time iteration starts; ``set_epoch(e)`` sets the epoch the
next iteration uses (a run resumed at epoch ``e`` calls ``loader.set_epoch(e)``
and sees the same batches as the original). With ``seed=None`` a fresh base seed
is drawn from minidl's global generator (``minidl.manual_seed``) at the start of
each epoch.
"""
from __future__ import annotations

import math
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import backend
from .dataset import call_transform, collate

__all__ = ["DataLoader"]


class DataLoader:
    """Iterate over ``dataset`` in batches ``(x, y)``: NumPy float32 (N, C, H, W) and int64 (N,).

    Args:
        dataset: anything with ``len`` and ``ds[i] -> (x, y)``; datasets with a
            ``get_batch(indices, rng)`` method (all minidl datasets) are gathered
            a whole batch at a time (uint8 NHWC -> float32 NCHW in one pass).
        batch_size: samples per batch.
        shuffle: draw a new permutation each epoch (from (seed, epoch)).
        sampler: an iterable of indices deciding the order instead (e.g. a
            ``minidl.utils.data.DistributedSampler``: this rank's share);
            excludes ``shuffle``. ``set_epoch`` is passed on to it.
        drop_last: drop the last, smaller batch.
        seed: int for reproducible order and augmentation; None draws from
            minidl's global generator.
        transform: applied to each whole batch (after the dataset's own
            transform) as ``transform(x, rng=generator)``.
        prefetch: how many batches to prepare ahead on background threads while
            the caller trains on the current one; 0 prepares them in the caller's
            thread.
        num_workers: threads preparing batches in parallel (0 means one
            background thread when ``prefetch > 0``). NumPy and Pillow release the
            GIL in their heavy loops, so threads help; batches come out in order
            and are identical for any number of workers.

    >>> from minidl.data import DataLoader, Shapes
    >>> from minidl.data.transforms import RandomHorizontalFlip
    >>> loader = DataLoader(Shapes(100, image_size=16), batch_size=32, shuffle=True, seed=0,
    ...                     transform=RandomHorizontalFlip())
    >>> [(x.shape, x.dtype.name, y.dtype.name) for x, y in loader][-1]   # the last, partial batch
    ((4, 3, 16, 16), 'float32', 'int64')
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None,
                 transform=None, prefetch=2, num_workers=0, sampler=None):
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if int(prefetch) < 0 or int(num_workers) < 0:
            raise ValueError(f"prefetch and num_workers must be >= 0, got {prefetch}, {num_workers}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        self.dataset = dataset
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = None if seed is None else int(seed)
        self.transform = transform
        self.prefetch = int(prefetch)
        self.num_workers = int(num_workers)
        self.epoch = 0

    def __len__(self):
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration epoch ``epoch`` (its order and augmentation)."""
        self.epoch = int(epoch)
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)

    def _order(self, base_seed, epoch):
        if self.sampler is not None:
            return np.fromiter(self.sampler, dtype=np.int64)
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng(np.random.SeedSequence(base_seed, spawn_key=(epoch, 0))).permutation(n)

    def batch_indices(self, epoch=None):
        """The list of index arrays epoch ``epoch`` (default: the next one) will use.

        Only reproducible with a seed (without one each call draws a new base seed).
        """
        epoch = self.epoch if epoch is None else int(epoch)
        base = self.seed if self.seed is not None else int(backend.rng().integers(0, 2 ** 63 - 1))
        return self._batches(self._order(base, epoch))

    def _batches(self, order):
        bs = self.batch_size
        stop = (len(order) // bs) * bs if self.drop_last else len(order)
        return [order[i:i + bs] for i in range(0, stop, bs)]

    def _make_batch(self, indices, rng):
        getter = getattr(self.dataset, "get_batch", None)
        if getter is not None:
            x, y = getter(indices, rng=rng)
        else:
            x, y = collate([self.dataset[int(i)] for i in indices])
        x = call_transform(self.transform, x, rng)
        return x, y

    def __iter__(self):
        epoch = self.epoch
        self.epoch += 1
        base = self.seed if self.seed is not None else int(backend.rng().integers(0, 2 ** 63 - 1))
        batches = self._batches(self._order(base, epoch))

        def job(b):
            rng = np.random.default_rng(np.random.SeedSequence(base, spawn_key=(epoch, 1, b)))
            with backend.rng_scope(rng):  # transforms that draw from minidl's generator get this one
                return self._make_batch(batches[b], rng)

        if self.prefetch == 0 and self.num_workers == 0:
            return (job(b) for b in range(len(batches)))
        return self._prefetching(job, len(batches))

    def _prefetching(self, job, count):
        ahead = max(self.prefetch, self.num_workers, 1)
        pool = ThreadPoolExecutor(max(1, self.num_workers), thread_name_prefix="minidl-loader")
        pending = deque()
        try:
            nxt = 0
            while nxt < min(ahead, count):
                pending.append(pool.submit(job, nxt))
                nxt += 1
            while pending:
                batch = pending.popleft().result()
                if nxt < count:
                    pending.append(pool.submit(job, nxt))
                    nxt += 1
                yield batch
        finally:  # also runs when the caller breaks out early
            for f in pending:
                f.cancel()
            pool.shutdown(wait=False, cancel_futures=True)

    def __repr__(self):
        return (f"DataLoader(n={len(self.dataset)}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, seed={self.seed}, batches={len(self)})")
