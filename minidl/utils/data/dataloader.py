"""``DataLoader``: PyTorch's loader, yielding minidl Tensors, with a seeded epoch order.

Determinism. Each epoch has a base seed: ``seed=``, else, as PyTorch's, an int64
drawn when the epoch starts from ``generator=`` (else minidl's global generator,
``minidl.manual_seed``). Epoch ``e`` then uses

* with ``seed=``, ``SeedSequence(base, spawn_key=(e, 0))`` as the current
  generator while the sampler is iterated (``shuffle=True`` and samplers built
  without their own generator draw their order from it); otherwise the sampler
  draws, after the base seed, from ``generator=`` (``shuffle=True`` builds its
  RandomSampler on it) or the global generator, as PyTorch's does, so a shuffled
  loader visits the samples in PyTorch's order for the same seed;
* with ``seed=``, ``SeedSequence(base, spawn_key=(e, 1, b))`` as the current generator while
  batch ``b`` is built (random transforms draw from it); without, as in PyTorch, batches are
  built from the global stream of the process building them: the main process's with
  ``num_workers=0``, else worker ``w``'s, seeded with ``base + w`` (NumPy's and ``random``'s
  seeded as PyTorch seeds them).

So with a seed, epoch ``e``'s order and augmentation depend only on (seed, e),
whatever ran before and however many workers there are. The epoch counter
starts at 0 and advances at each ``iter(loader)``; ``set_epoch(e)`` chooses the
epoch of the next iteration (and is passed on to a sampler that has one).

Fast paths (same values as sample-by-sample loading + ``default_collate``): a
:class:`TensorDataset` is gathered with one fancy index per tensor, and a
``minidl.vision`` dataset whose transforms all have batched forms is gathered
from its uint8 array and transformed as one batch.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from ... import backend, mt19937
from ...data.dataset import Subset
from ...generator import Generator, as_numpy_generator, use_generator
from ._collate import default_collate, default_convert
from ._worker import WorkerPool, is_done, raise_worker_error, stream
from .dataset import IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader"]


def fast_batch(dataset, indices):
    """The collated batch for ``indices`` by a vectorised gather, or None when ``dataset``
    has no fast path (its samples must then be loaded one by one)."""
    idx = np.asarray(indices, dtype=np.int64)
    while isinstance(dataset, Subset):
        idx = np.asarray(dataset.indices)[idx]
        dataset = dataset.dataset
    if isinstance(dataset, TensorDataset):
        return dataset._gather(idx)
    getter = getattr(dataset, "_fast_batch", None)
    return getter(idx) if getter is not None else None


class _Fetcher:
    """Builds one batch from indices (picklable, so spawned workers can run it)."""

    def __init__(self, dataset, auto_collation, collate_fn, default):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.default = default

    def __call__(self, indices):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[indices])
        if self.default:
            batch = fast_batch(self.dataset, indices)
            if batch is not None:
                return batch
        getitems = getattr(self.dataset, "__getitems__", None)
        samples = getitems(list(indices)) if getitems is not None else [self.dataset[i] for i in indices]
        return self.collate_fn(samples)


class _IterBatcher:
    """Batches of an IterableDataset, each built under its own random stream."""

    def __init__(self, dataset, batch_size, drop_last, collate_fn):
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.collate_fn = collate_fn

    def __call__(self, seed_key, worker_id=None):
        it = iter(self.dataset)
        for k in itertools.count():
            key = None if seed_key is None else tuple(seed_key) + ((k,) if worker_id is None else (worker_id, k))
            with use_generator(stream(key)):
                if self.batch_size is None:
                    try:
                        item = next(it)
                    except StopIteration:
                        return
                    yield self.collate_fn(item)
                    continue
                samples = list(itertools.islice(it, self.batch_size))
                if not samples or (self.drop_last and len(samples) < self.batch_size):
                    return
                yield self.collate_fn(samples)


class DataLoader:
    """Iterate over ``dataset`` in batches of Tensors (PyTorch's ``torch.utils.data.DataLoader``).

    Args:
        dataset: a map-style dataset (``len`` + ``ds[i]``) or an :class:`IterableDataset`.
        batch_size: samples per batch; None turns batching off (samples go through
            ``default_convert``).
        shuffle: a new random order every epoch (see the module docstring for the seed).
        sampler, batch_sampler: custom index orders (exclusive with shuffle / batching
            options, as in PyTorch).
        num_workers: 0 builds batches in the calling process; N > 0 starts N worker
            processes (``fork`` where available, else ``spawn``; pick one with
            ``multiprocessing_context``). Batches come out in order and are identical
            for any N.
        collate_fn: merges a list of samples (default :func:`default_collate`).
        pin_memory: accepted; minidl batches are ordinary host arrays (CuPy copies
            them to the GPU on ``.to("cuda")``).
        drop_last: drop the last, incomplete batch.
        timeout: seconds to wait for a worker's batch (0: no limit).
        worker_init_fn: called as ``fn(worker_id)`` in each worker at start.
        prefetch_factor: batches in flight per worker (default 2; only with workers).
        persistent_workers: keep the worker processes alive between epochs.
        pin_memory_device, in_order: accepted for PyTorch compatibility (batches
            always come out in order).
        generator: a ``minidl.Generator``; its ``initial_seed()`` is the base seed.
        seed: an int base seed (instead of ``generator``).

    >>> import minidl as mdl
    >>> ds = TensorDataset(mdl.arange(10).reshape(10, 1), mdl.tensor(list(range(10))))
    >>> loader = DataLoader(ds, batch_size=4, shuffle=True, seed=0)
    >>> [tuple(y.shape) for x, y in loader], len(loader)
    ([(4,), (4,), (2,)], 3)
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="", in_order=True,
                 seed=None):
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             f"disable multiprocessing (got {num_workers!r})")
        if timeout < 0:
            raise ValueError(f"timeout option should be non-negative, got {timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing: "
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError(f"prefetch_factor option should be non-negative, got {prefetch_factor}")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if generator is not None and seed is not None:
            raise ValueError("pass either generator= or seed=, not both")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"generator must be a minidl.Generator, got {type(generator).__name__}")
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value!r}")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError("batch_size=None option disables auto-batching and is mutually "
                                 "exclusive with drop_last")
        elif isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = bool(drop_last)
        self.num_workers = num_workers
        self.pin_memory = bool(pin_memory)
        self.pin_memory_device = pin_memory_device
        self.in_order = bool(in_order)
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = bool(persistent_workers)
        self.generator = generator
        self.seed = None if seed is None else int(seed)
        if not self._iterable:
            if sampler is None:
                # as PyTorch: the loader's generator drives the shuffled order
                sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
            if batch_sampler is None and batch_size is not None:
                batch_sampler = BatchSampler(sampler, batch_size, self.drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self._auto_collation = batch_sampler is not None or (self._iterable and batch_size is not None)
        self._default_collate = collate_fn is None or collate_fn is default_collate
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.epoch = 0
        self._pool = None

    # -- length and epochs -------------------------------------------------------
    def __len__(self):
        if self._iterable:
            n = len(self.dataset)  # TypeError when the dataset has no length, as in PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.batch_sampler if self._auto_collation else self.sampler)

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration epoch ``epoch`` (its order and augmentation)."""
        self.epoch = int(epoch)
        setter = getattr(self.sampler, "set_epoch", None)
        if setter is not None:
            setter(self.epoch)

    def _base_seed(self) -> int:
        if self.seed is not None:
            return self.seed % 2 ** 63
        # PyTorch's iterator draws its base seed so: an int64 random_() from the loader's generator
        # (else the global stream), before the sampler draws its order from the same generator
        rng = backend.rng() if self.generator is None else as_numpy_generator(self.generator)
        return int(mt19937.full_range(rng, (), np.int64))

    def _index_batches(self, base, epoch):
        """Lazily the index lists of the epoch, drawn under the epoch's order stream (with a seed or generator),
        else, as in PyTorch, from minidl's global stream."""
        seeded = self.seed is not None
        order_rng = stream((base, epoch, 0)) if seeded else None
        source = self.batch_sampler if self._auto_collation else self.sampler
        it = iter(source)
        while True:
            try:
                if order_rng is None:
                    item = next(it)
                else:
                    with use_generator(order_rng):
                        item = next(it)
            except StopIteration:
                return
            yield item

    # -- iteration -----------------------------------------------------------------
    def __iter__(self):
        epoch = self.epoch
        self.epoch += 1
        base = self._base_seed()
        fetch = _Fetcher(self.dataset, self._auto_collation, self.collate_fn, self._default_collate)
        if self._iterable:
            batcher = _IterBatcher(self.dataset, self.batch_size, self.drop_last, self.collate_fn)
            if self.num_workers == 0:
                return batcher(self._batch_key(base, epoch))
            return self._iter_workers(base, epoch, None, batcher)
        if self.num_workers == 0:
            return self._iter_serial(base, epoch, fetch)
        return self._iter_workers(base, epoch, fetch, None)

    def _batch_key(self, base, epoch, *rest):
        """The seed key of a batch's random stream with ``seed=``; None (the global stream of the process building
        it, as in PyTorch) without."""
        return None if self.seed is None else (base, epoch, 1, *rest)

    def _iter_serial(self, base, epoch, fetch):
        for b, indices in enumerate(self._index_batches(base, epoch)):
            with use_generator(stream(self._batch_key(base, epoch, b))):
                yield fetch(indices)

    def _get_pool(self, base, fetch, batcher):
        if self._pool is not None:
            return self._pool
        pool = WorkerPool(self.num_workers, self.dataset, fetch, batcher, self.worker_init_fn,
                          base, self.multiprocessing_context)
        if self.persistent_workers:
            self._pool = pool
        return pool

    def _iter_workers(self, base, epoch, fetch, batcher):
        pool = self._get_pool(base, fetch, batcher)
        pool.token += 1
        token = pool.token
        try:
            if batcher is not None:
                yield from self._iterable_from_workers(pool, token, base, epoch)
                return
            batches = enumerate(self._index_batches(base, epoch))
            ahead = max(1, self.prefetch_factor * self.num_workers)
            sent, ready, nxt = 0, {}, 0
            exhausted = False

            def send():
                nonlocal sent, exhausted
                try:
                    b, indices = next(batches)
                except StopIteration:
                    exhausted = True
                    return
                pool.tasks[b % self.num_workers].put(("map", token, b,
                                                      list(indices) if self._auto_collation else indices,
                                                      self._batch_key(base, epoch, b)))
                sent += 1

            while not exhausted and sent - nxt < ahead:
                send()
            while nxt < sent:
                while nxt not in ready:
                    tok, wid, b, ok, payload = pool.get(self.timeout)
                    if tok != token:
                        continue  # left over from an epoch abandoned early
                    if not ok:
                        raise_worker_error(wid, payload)
                    ready[b] = payload
                batch = ready.pop(nxt)
                nxt += 1
                if not exhausted:
                    send()
                yield batch
        except Exception:  # a worker failed or timed out: stop the workers at once
            if pool is self._pool:
                self._pool = None
            pool.shutdown(wait=False)
            raise
        finally:
            if pool is not self._pool and pool.procs:
                pool.shutdown()

    def _iterable_from_workers(self, pool, token, base, epoch):
        n = self.num_workers
        for w in range(n):
            pool.tasks[w].put(("iter", token, self._batch_key(base, epoch)))
        buffers = [dict() for _ in range(n)]
        expected = [0] * n
        active = list(range(n))
        w_pos = 0
        while active:
            w = active[w_pos % len(active)]
            while expected[w] not in buffers[w]:
                tok, wid, k, ok, payload = pool.get(self.timeout)
                if tok != token:
                    continue
                if not ok:
                    raise_worker_error(wid, payload)
                buffers[wid][k] = payload
            payload = buffers[w].pop(expected[w])
            expected[w] += 1
            if is_done(payload):
                active.remove(w)
                continue
            w_pos += 1
            yield payload

    def __del__(self):
        pool, self._pool = getattr(self, "_pool", None), None
        if pool is not None:
            try:
                pool.shutdown()
            except Exception:  # pragma: no cover - interpreter shutdown
                pass

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_pool"] = None
        return state

    def __repr__(self):
        return (f"DataLoader(dataset={type(self.dataset).__name__}, batch_size={self.batch_size}, "
                f"num_workers={self.num_workers}, seed={self.seed})")
