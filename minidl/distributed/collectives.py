"""Collectives on Tensors or raw arrays: ``all_reduce``, ``broadcast``, ``all_gather``, ``barrier``.

As in ``torch.distributed``, they act in place on the given Tensors (their
``.array``; NumPy or CuPy arrays are accepted too) and every rank of the group
must call the same collectives in the same order. With ``async_op=True`` they
return a :class:`Work` whose ``wait()`` completes them; otherwise they return
None once done.
"""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.distributed.communicators import ReduceOp
from minidl.distributed.group import default_group
from minidl.tensor import Tensor

__all__ = ["ReduceOp", "Work", "all_reduce", "broadcast", "all_gather", "barrier", "all_reduce_sums"]


class Work:
    """A started collective: ``wait()`` blocks until it has completed (and its result is in place)."""

    def __init__(self, request, timeout, finish=None):
        self._request, self._timeout, self._finish = request, timeout, finish

    def wait(self, timeout=None) -> bool:
        """Complete the operation; ``timeout`` (seconds) overrides the group's. Returns True."""
        if timeout is not None and hasattr(timeout, "total_seconds"):
            timeout = timeout.total_seconds()
        self._request.wait(self._timeout if timeout is None else timeout)
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()
        return True

    def is_completed(self) -> bool:
        """True when the operation has finished (``wait()`` still copies results where needed)."""
        return self._request.test()


def _array_of(tensor, what):
    if isinstance(tensor, Tensor):
        return tensor.array
    if isinstance(tensor, np.ndarray) or backend.is_device_array(tensor):
        return tensor
    raise TypeError(f"{what}: expected a Tensor or a NumPy/CuPy array, got {type(tensor).__name__}")


def _finish(work, async_op):
    if async_op:
        return work
    work.wait()
    return None


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` over every rank and leave the result in it, on every rank.

    ``op``: a :class:`ReduceOp` (``SUM`` by default; ``AVG`` divides the sum by
    the world size and needs a floating dtype).

    >>> import numpy as np, minidl.distributed as dist
    >>> dist.init_process_group()
    >>> x = np.array([1.0, 2.0], np.float32)
    >>> dist.all_reduce(x, op=dist.ReduceOp.MAX); x      # one process: unchanged
    array([1., 2.], dtype=float32)
    >>> dist.destroy_process_group()
    """
    g = default_group("all_reduce")
    array = _array_of(tensor, "all_reduce")
    if not isinstance(op, ReduceOp):
        raise TypeError(f"all_reduce: op must be a ReduceOp, got {op!r}")
    if op is ReduceOp.AVG and array.dtype.kind != "f":
        raise TypeError(f"all_reduce: ReduceOp.AVG needs a floating tensor, got dtype {array.dtype}")
    return _finish(Work(g.comm.allreduce(array, op), g.timeout), async_op)


def broadcast(tensor, src, group=None, async_op=False):
    """Copy ``tensor`` of rank ``src`` into ``tensor`` on every other rank (same shape and dtype)."""
    g = default_group("broadcast")
    if not 0 <= int(src) < g.size:
        raise ValueError(f"broadcast: src={src} is not a rank of this group (world size {g.size})")
    array = _array_of(tensor, "broadcast")
    return _finish(Work(g.comm.bcast(array, int(src)), g.timeout), async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill ``tensor_list[r]`` with rank ``r``'s ``tensor``, on every rank.

    ``tensor_list`` holds world-size Tensors (or arrays) of ``tensor``'s shape.
    """
    g = default_group("all_gather")
    array = _array_of(tensor, "all_gather")
    targets = [_array_of(t, "all_gather") for t in tensor_list]
    if len(targets) != g.size:
        raise ValueError(f"all_gather: tensor_list has {len(targets)} entries but the world size is {g.size}")
    for i, t in enumerate(targets):
        if tuple(t.shape) != tuple(array.shape):
            raise ValueError(f"all_gather: tensor_list[{i}] has shape {tuple(t.shape)} but the tensor has "
                             f"shape {tuple(array.shape)}")
    request, gathered = g.comm.allgather(array)

    def scatter_into_list():
        from minidl import backend
        for t, part in zip(targets, gathered):
            t[...] = backend.to_device(part, backend.device_of(t))
    return _finish(Work(request, g.timeout, scatter_into_list), async_op)


def barrier(group=None, async_op=False, device_ids=None):
    """Return (or complete the returned Work) once every rank has entered the barrier."""
    g = default_group("barrier")
    return _finish(Work(g.comm.barrier(), g.timeout), async_op)


def all_reduce_sums(values) -> np.ndarray:
    """Sum a float64 vector of ``values`` over the ranks of the default group (as is when
    no group is initialized); returns the summed NumPy array. ``fit`` averages its logs with it."""
    array = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    from minidl.distributed.group import is_initialized
    if is_initialized() and default_group().size > 1:
        all_reduce(array)
    return array
