"""DataLoader worker processes: the loop each worker runs, and the pool the loader drives.

A worker receives tasks on its own queue and answers on a shared result queue:

* ``("map", token, b, indices, seed_key)``: build batch ``b`` from ``indices``
  with the random stream ``SeedSequence(*seed_key)`` as the current generator
  (``seed_key`` None: the worker's own global stream, seeded as PyTorch seeds it);
* ``("iter", token, seed_key, batch_size, drop_last)``: iterate its own copy of
  an IterableDataset, sending each batch as it is built, then a "done" marker;
* ``None``: exit.

Answers are ``(token, worker_id, b, ok, payload)``; ``payload`` is the batch or,
when ``ok`` is False, ``(exception type name, message, formatted traceback)``.
"""
from __future__ import annotations

import multiprocessing
import queue
import random
import traceback
from dataclasses import dataclass

import numpy as np

from ...generator import use_generator

__all__ = ["WorkerInfo", "get_worker_info", "WorkerPool", "stream"]

_info = None


@dataclass
class WorkerInfo:
    """What :func:`get_worker_info` returns inside a worker: ``id``, ``num_workers``,
    ``seed`` (this worker's seed) and ``dataset`` (its copy)."""

    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info():
    """In a DataLoader worker process, its :class:`WorkerInfo`; in the main process None."""
    return _info


def stream(seed_key) -> np.random.Generator | None:
    """The NumPy Generator of ``SeedSequence(seed_key[0], spawn_key=seed_key[1:])``; None for no key."""
    if seed_key is None:
        return None
    return np.random.default_rng(np.random.SeedSequence(seed_key[0], spawn_key=tuple(seed_key[1:])))


def _describe(exc):
    return type(exc).__name__, str(exc), traceback.format_exc()


def _worker_loop(worker_id, num_workers, seed, dataset, fetch, iter_batches, init_fn,
                 tasks, results):
    global _info
    _info = WorkerInfo(worker_id, num_workers, seed, dataset)
    # PyTorch's worker seeding: random and torch from base_seed + worker_id, NumPy from a SeedSequence-style hash
    # of (worker_id, base_seed) (torch.utils.data._utils.worker._generate_state)
    random.seed(seed)
    base_seed = seed - worker_id
    np.random.seed(np.random.SeedSequence([worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]).generate_state(4))
    from ... import backend
    backend.manual_seed(seed)
    try:
        if init_fn is not None:
            init_fn(worker_id)
    except Exception as exc:  # reported with the first task
        init_error = _describe(exc)
    else:
        init_error = None
    while True:
        task = tasks.get()
        if task is None:
            return
        kind, token = task[0], task[1]
        if init_error is not None:
            results.put((token, worker_id, task[2] if kind == "map" else 0, False, init_error))
            continue
        if kind == "map":
            _, _, b, indices, seed_key = task
            try:
                with use_generator(stream(seed_key)):     # None: the worker's global stream
                    batch = fetch(indices)
                results.put((token, worker_id, b, True, batch))
            except Exception as exc:
                results.put((token, worker_id, b, False, _describe(exc)))
        else:
            _, _, seed_key = task
            k = 0
            try:
                for batch in iter_batches(seed_key, worker_id):
                    results.put((token, worker_id, k, True, batch))
                    k += 1
                results.put((token, worker_id, k, True, _DONE))
            except Exception as exc:
                results.put((token, worker_id, k, False, _describe(exc)))


class _Done:
    def __reduce__(self):
        return (_done, ())


def _done():
    return _DONE


_DONE = _Done.__new__(_Done)


def is_done(payload) -> bool:
    """True for the end-of-stream marker of an IterableDataset worker."""
    return isinstance(payload, _Done)


class WorkerPool:
    """``num_workers`` worker processes sharing one result queue."""

    def __init__(self, num_workers, dataset, fetch, iter_batches, init_fn, base_seed, context):
        if context is None:
            methods = multiprocessing.get_all_start_methods()
            context = "fork" if "fork" in methods else "spawn"
        ctx = multiprocessing.get_context(context) if isinstance(context, str) else context
        self.results = ctx.Queue()
        self.tasks = [ctx.Queue() for _ in range(num_workers)]
        self.procs = []
        for w in range(num_workers):
            seed = base_seed + w   # PyTorch's worker seed
            p = ctx.Process(target=_worker_loop, daemon=True,
                            args=(w, num_workers, seed, dataset, fetch, iter_batches, init_fn,
                                  self.tasks[w], self.results))
            p.start()
            self.procs.append(p)
        self.token = 0

    def get(self, timeout):
        """The next answer; raises RuntimeError on ``timeout`` (> 0) or when a worker died."""
        waited = 0.0
        step = 1.0 if not timeout else min(1.0, timeout)
        while True:
            try:
                return self.results.get(timeout=step)
            except queue.Empty:
                waited += step
                dead = [p for p in self.procs if not p.is_alive()]
                if dead:
                    p = dead[0]
                    raise RuntimeError(f"DataLoader worker (pid {p.pid}) exited unexpectedly "
                                       f"with exit code {p.exitcode}") from None
                if timeout and waited >= timeout:
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds") from None

    def shutdown(self, wait=True):
        """Stop the workers: they finish their current task first, unless ``wait`` is False
        (then they are terminated at once)."""
        for q in self.tasks:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        for p in self.procs:
            p.join(timeout=5 if wait else 0)
            if p.is_alive():
                p.terminate()
                p.join(timeout=1)
        for q in self.tasks + [self.results]:
            q.cancel_join_thread()
            q.close()
        self.procs = []


def raise_worker_error(worker_id, payload):
    """Re-raise a worker's exception in the main process, with its traceback in the message."""
    name, message, tb = payload
    text = f"Caught {name} in DataLoader worker process {worker_id}.\nOriginal {tb}"
    builtin = __builtins__.get(name) if isinstance(__builtins__, dict) else getattr(__builtins__, name, None)
    error = None
    if isinstance(builtin, type) and issubclass(builtin, Exception):
        try:
            error = builtin(text)
        except TypeError:
            error = None
    raise error if error is not None else RuntimeError(text)
