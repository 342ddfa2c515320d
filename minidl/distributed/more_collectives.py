"""The rest of ``torch.distributed``'s collectives: rooted ones (``reduce``, ``gather``, ``scatter``),
``reduce_scatter``, ``all_to_all``, the object collectives, point-to-point ``send``/``recv``,
``monitored_barrier``, ``new_group`` (the whole world only) and ``get_node_local_rank``.

They are built on the communicator's ``allreduce``/``bcast``/``allgather``/``bcast_object``, so they
work with every backend (the ``"gloo"`` one has direct paths for ``reduce``, the object gathers and
point-to-point); ``send``/``recv`` need the ``"gloo"`` backend.
"""
from __future__ import annotations

import os

import numpy as np

from minidl import backend
from minidl.distributed.collectives import Work, _array_of, _finish
from minidl.distributed.communicators import LocalCommunicator, ReduceOp, _Done
from minidl.distributed.group import default_group

__all__ = ["reduce", "gather", "scatter", "reduce_scatter", "all_to_all", "all_gather_object",
           "gather_object", "broadcast_object_list", "scatter_object_list", "send", "recv", "isend",
           "irecv", "monitored_barrier", "new_group", "get_node_local_rank", "get_process_group_ranks",
           "get_global_rank", "get_group_rank"]


def _group(group, what):
    """The default group; ``group`` must be None or that group (only the whole world is supported)."""
    g = default_group(what)
    if group is not None and group is not g:
        raise ValueError(f"{what}: only the default group (the whole world) is supported")
    return g


def _rank_arg(rank, group_rank, g, what, name):
    if rank is not None and group_rank is not None:
        raise ValueError(f"Can only specify {'group_' + name} or {name}, not both")
    rank = 0 if rank is None and group_rank is None else (rank if rank is not None else group_rank)
    if not 0 <= int(rank) < g.size:
        raise ValueError(f"{what}: {name}={rank} is not a rank of this group (world size {g.size})")
    return int(rank)


def _check_op(op, array, what):
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{what}: op must be a ReduceOp, got {op!r}")
    if op is ReduceOp.AVG and array.dtype.kind != "f":
        raise TypeError(f"{what}: ReduceOp.AVG needs a floating tensor, got dtype {array.dtype}")


def _put(target, value):
    target[...] = backend.to_device(np.asarray(value).reshape(target.shape), backend.device_of(target))


def _done():
    return Work(_Done(), None)


def _all_objects(g, obj):
    """Every rank's ``obj`` in rank order (blocking)."""
    if hasattr(g.comm, "allgather_object"):
        return g.comm.allgather_object(obj)
    return [g.comm.bcast_object(obj, root=r) for r in range(g.size)]


# ---------------------------------------------------------------- tensors
def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduce ``tensor`` over every rank into ``tensor`` on rank ``dst`` (default 0); the other
    ranks' tensors are left as they were."""
    g = _group(group, "reduce")
    dst = _rank_arg(dst, group_dst, g, "reduce", "dst")
    array = _array_of(tensor, "reduce")
    _check_op(op, array, "reduce")
    if hasattr(g.comm, "reduce"):
        return _finish(Work(g.comm.reduce(array, op, dst), g.timeout), async_op)
    xp = backend.get_array_module(array)
    copy = xp.ascontiguousarray(array).copy()

    def keep_on_dst():
        if g.rank == dst:
            array[...] = copy
    return _finish(Work(g.comm.allreduce(copy, op), g.timeout, keep_on_dst), async_op)


def _check_list(items, needed, what, arg, role):
    if needed:
        if not items:
            raise ValueError(f"Argument ``{arg}`` must be specified on {role} rank.")
    elif items:
        raise ValueError(f"Argument ``{arg}`` must NOT be specified on non-{role} ranks.")


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """Gather every rank's ``tensor`` into ``gather_list`` (world-size tensors) on rank ``dst``
    (default 0); the other ranks pass no list."""
    g = _group(group, "gather")
    dst = _rank_arg(dst, group_dst, g, "gather", "dst")
    array = _array_of(tensor, "gather")
    _check_list(gather_list, g.rank == dst, "gather", "gather_list", "destination")
    targets = [_array_of(t, "gather") for t in gather_list or ()]
    if targets and len(targets) != g.size:
        raise ValueError(f"gather: gather_list has {len(targets)} entries but the world size is {g.size}")
    request, gathered = g.comm.allgather(array)

    def fill():
        for t, part in zip(targets, gathered):
            _put(t, part)
    return _finish(Work(request, g.timeout, fill), async_op)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Copy ``scatter_list[r]`` of rank ``src`` (default 0) into ``tensor`` on each rank ``r``; the
    other ranks pass no list."""
    g = _group(group, "scatter")
    src = _rank_arg(src, group_src, g, "scatter", "src")
    array = _array_of(tensor, "scatter")
    _check_list(scatter_list, g.rank == src, "scatter", "scatter_list", "source")
    if g.rank == src:
        parts = [np.asarray(backend.to_device(_array_of(t, "scatter"), "cpu")) for t in scatter_list]
        if len(parts) != g.size:
            raise ValueError(f"scatter: scatter_list has {len(parts)} entries but the world size is {g.size}")
        if any(p.shape != tuple(array.shape) for p in parts):
            raise ValueError("scatter: every tensor of scatter_list must have the shape of the output tensor")
        stacked = np.ascontiguousarray(np.stack(parts).astype(array.dtype, copy=False))
    else:
        stacked = np.empty((g.size,) + tuple(array.shape), dtype=array.dtype)
    request = g.comm.bcast(stacked, src)
    return _finish(Work(request, g.timeout, lambda: _put(array, stacked[g.rank])), async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input_list[r]`` over every rank and leave the result in ``output`` on rank ``r``."""
    g = _group(group, "reduce_scatter")
    out = _array_of(output, "reduce_scatter")
    parts = [np.asarray(backend.to_device(_array_of(t, "reduce_scatter"), "cpu")) for t in input_list]
    if len(parts) != g.size:
        raise ValueError(f"reduce_scatter: input_list has {len(parts)} entries but the world size is {g.size}")
    if any(p.shape != tuple(out.shape) for p in parts):
        raise ValueError("reduce_scatter: every input tensor must have the shape of the output tensor")
    _check_op(op, out, "reduce_scatter")
    stacked = np.ascontiguousarray(np.stack(parts).astype(out.dtype, copy=False))
    request = g.comm.allreduce(stacked, op)
    return _finish(Work(request, g.timeout, lambda: _put(out, stacked[g.rank])), async_op)


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """Send ``input_tensor_list[r]`` to rank ``r``, which receives it in its
    ``output_tensor_list[this rank]`` (tensors may differ in size between pairs of ranks)."""
    g = _group(group, "all_to_all")
    outs = [_array_of(t, "all_to_all") for t in output_tensor_list]
    ins = [np.asarray(backend.to_device(_array_of(t, "all_to_all"), "cpu")) for t in input_tensor_list]
    if len(outs) != g.size or len(ins) != g.size:
        raise ValueError(f"all_to_all: both lists need {g.size} (world size) tensors, got "
                         f"{len(outs)} outputs and {len(ins)} inputs")
    everyone = _all_objects(g, ins)
    for r, t in enumerate(outs):
        part = everyone[r][g.rank]
        if part.size != t.size:
            raise ValueError(f"all_to_all: rank {r} sent {part.size} elements but output_tensor_list[{r}] "
                             f"has {t.size}")
        _put(t, part)
    return _done() if async_op else None


# ---------------------------------------------------------------- objects
def all_gather_object(object_list, obj, group=None):
    """Fill ``object_list`` (world-size long) with every rank's picklable ``obj``, in rank order."""
    g = _group(group, "all_gather_object")
    for r, item in enumerate(_all_objects(g, obj)):
        object_list[r] = item


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    """Fill ``object_gather_list`` on rank ``dst`` (default 0) with every rank's ``obj``; the other
    ranks pass None."""
    g = _group(group, "gather_object")
    dst = _rank_arg(dst, group_dst, g, "gather_object", "dst")
    _check_list(object_gather_list, g.rank == dst, "gather_object", "object_gather_list", "destination")
    if hasattr(g.comm, "_objects"):
        objs = g.comm._submit("gather_object", lambda: g.comm._objects(obj, "gather_object", dst)).wait(g.timeout)
    else:
        objs = _all_objects(g, obj)
    if g.rank == dst:
        for r, item in enumerate(objs):
            object_gather_list[r] = item


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Replace the items of ``object_list`` on every rank with those of rank ``src`` (default 0)."""
    g = _group(group, "broadcast_object_list")
    src = _rank_arg(src, group_src, g, "broadcast_object_list", "src")
    items = g.comm.bcast_object(list(object_list) if g.rank == src else None, root=src)
    if len(items) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {src} sent {len(items)} objects but object_list has "
                         f"{len(object_list)} on rank {g.rank}")
    object_list[:] = items


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None, group=None,
                        group_src=None):
    """Put ``scatter_object_input_list[r]`` of rank ``src`` into ``scatter_object_output_list[0]`` on rank r."""
    g = _group(group, "scatter_object_list")
    src = _rank_arg(src, group_src, g, "scatter_object_list", "src")
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at least 1.")
    items = g.comm.bcast_object(list(scatter_object_input_list) if g.rank == src else None, root=src)
    scatter_object_output_list[0] = items[g.rank]


# ---------------------------------------------------------------- point to point
def _p2p(g, what):
    if isinstance(g.comm, LocalCommunicator) or not hasattr(g.comm, "send"):
        raise RuntimeError(f"{what}: point-to-point communication needs the 'gloo' backend and a world size "
                           "above 1")
    return g.comm


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Start sending ``tensor`` to rank ``dst``; returns a Work (``tag`` is accepted, not matched)."""
    g = _group(group, "isend")
    dst = _rank_arg(dst, group_dst, g, "isend", "dst")
    if dst == g.rank:
        raise ValueError("Invalid destination rank: destination rank should not be the same as the rank "
                         "of the current process.")
    return Work(_p2p(g, "isend").send(_array_of(tensor, "isend"), dst), g.timeout)


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """Start receiving into ``tensor`` from rank ``src`` (None: any rank); returns a Work."""
    g = _group(group, "irecv")
    if src is not None or group_src is not None:
        src = _rank_arg(src, group_src, g, "irecv", "src")
    return Work(_p2p(g, "irecv").recv(_array_of(tensor, "irecv"), src), g.timeout)


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Send ``tensor`` to rank ``dst`` (returns once it is handed to the network)."""
    isend(tensor, dst, group, tag, group_dst).wait()


def recv(tensor, src=None, group=None, tag=0, group_src=None) -> int:
    """Receive into ``tensor`` from rank ``src`` (None: any rank); returns the sender's rank."""
    g = _group(group, "recv")
    if src is not None or group_src is not None:
        src = _rank_arg(src, group_src, g, "recv", "src")
    request = _p2p(g, "recv").recv(_array_of(tensor, "recv"), src)
    return int(request.wait(g.timeout))


# ---------------------------------------------------------------- groups and ranks
def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    """A barrier that raises RuntimeError (naming this rank) when the others do not arrive within
    ``timeout`` (a timedelta or seconds; default the group's)."""
    g = _group(group, "monitored_barrier")
    from minidl.distributed.group import _timeout_seconds
    seconds = g.timeout if timeout is None else _timeout_seconds(timeout)
    comm = g.comm
    request = comm.barrier("monitored_barrier") if hasattr(comm, "allgather_object") else comm.barrier()
    request.wait(seconds)


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None):
    """A group of ``ranks``: only the whole world is supported, and it is the default group."""
    g = default_group("new_group")
    if ranks is not None and sorted(int(r) for r in ranks) != list(range(g.size)):
        raise ValueError(f"new_group: ranks={list(ranks)}: only a group of every rank (0..{g.size - 1}) is "
                         "supported")
    return g


def get_process_group_ranks(group):
    """The global ranks of ``group`` (every rank: only the whole world exists)."""
    return list(range(_group(group, "get_process_group_ranks").size))


def get_global_rank(group, group_rank):
    """The global rank of ``group_rank`` in ``group`` (the same: only the whole world exists)."""
    _group(group, "get_global_rank")
    return int(group_rank)


def get_group_rank(group, global_rank):
    """The rank in ``group`` of ``global_rank`` (the same: only the whole world exists)."""
    _group(group, "get_group_rank")
    return int(global_rank)


def get_node_local_rank(fallback_rank=None) -> int:
    """This process's rank on its node: ``LOCAL_RANK`` (set by torchrun), else ``fallback_rank``."""
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not in the environment. Consider passing fallback_rank to allow "
                       "`get_node_local_rank` to work, assuming you are not running in a multi-device "
                       "context and want the code to run locally instead.")
