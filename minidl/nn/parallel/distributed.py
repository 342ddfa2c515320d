"""``DistributedDataParallel``: one model replica per process, gradients averaged across ranks."""
from __future__ import annotations

import contextlib

from minidl import autograd, backend
from minidl import distributed as dist
from minidl.nn.module import Module
from minidl.nn.parallel.reducer import Reducer
from minidl.tensor import Tensor

__all__ = ["DistributedDataParallel"]


def _broadcast_coalesced(tensors, src=0):
    """Broadcast ``tensors`` from ``src`` in place, one flat message per (dtype, device)."""
    groups = {}
    for t in tensors:
        groups.setdefault((t.array.dtype, backend.device_of(t.array)), []).append(t)
    for items in groups.values():
        xp = backend.get_array_module(items[0].array)
        flat = xp.concatenate([t.array.reshape(-1) for t in items])
        dist.broadcast(flat, src)
        offset = 0
        for t in items:
            n = t.array.size
            t.array[...] = flat[offset:offset + n].reshape(t.array.shape)
            offset += n


def _output_tensors(out):
    if isinstance(out, Tensor):
        yield out
    elif isinstance(out, (list, tuple)):
        for item in out:
            yield from _output_tensors(item)
    elif isinstance(out, dict):
        for item in out.values():
            yield from _output_tensors(item)


def _leaves_reached(outputs):
    """ids of the leaf tensors the graphs of ``outputs`` will send a gradient to."""
    reached, seen = set(), set()
    stack = []
    for t in outputs:
        if t.creator is None:
            reached.add(id(t))
        else:
            stack.append(t.creator)
    while stack:
        fn = stack.pop()
        if id(fn) in seen or fn.inputs is None:
            continue
        seen.add(id(fn))
        for t, needed in zip(fn.inputs, fn.needs_input_grad):
            if not needed:
                continue
            if t.creator is None:
                reached.add(id(t))
            elif id(t.creator) not in seen:
                stack.append(t.creator)
    return reached


class DistributedDataParallel(Module):
    """Data-parallel training: wraps ``module`` so that each rank's gradients are averaged.

    At construction, rank 0's parameters and buffers are broadcast to every
    rank (the replicas start identical). Each ``backward()`` through the
    output of this wrapper averages the gradients of every trainable parameter
    over the ranks before it returns (bucketed allreduce started from
    per-parameter hooks while backward is still running, or once the last
    gradient is ready: see ``overlap_communication`` and
    ``minidl/nn/parallel/reducer.py``), so an identical optimiser step on every
    rank keeps the replicas identical. Every rank must run the same number of
    forward/backward passes (the same number of batches).

    Args:
        module: the model (already on its device).
        device_ids: None, or a list with the one device this replica uses
            (PyTorch's convention for one GPU per process); checked only.
        broadcast_buffers: broadcast rank 0's buffers (batch-norm running
            statistics) at the start of every training forward, as PyTorch
            does; else each rank keeps its own.
        bucket_cap_mb: the size of the gradient buckets (MB).
        find_unused_parameters: walk forward's graph to find the parameters
            it does not use, and reduce them as zero gradients (needed when
            some parameters get no gradient in an iteration).
        output_device, dim, process_group: PyTorch's; with one device per
            process only their defaults make sense (``dim=0``, the default
            group), and other values raise.

    With a world size of 1 it does nothing at all: training is exactly as
    without the wrapper. ``state_dict()`` keys are ``module.``-prefixed, as
    in PyTorch; save ``ddp.module.state_dict()`` to reload into a bare model.

    >>> import minidl.nn as nn, minidl.distributed as dist
    >>> dist.init_process_group()
    >>> ddp = nn.parallel.DistributedDataParallel(nn.Linear(3, 2))
    >>> list(ddp.state_dict())
    ['module.weight', 'module.bias']
    >>> dist.destroy_process_group()
    """

    #: start each bucket's allreduce as soon as its gradients are ready (True), or all of them once
    #: the last gradient is ready (False); None: True with NCCL, False with MPI, where the CPU cores
    #: that run backward also do the reduction and overlapping did not pay (docs/distributed.md)
    overlap_communication = None

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=25, find_unused_parameters=False):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be an nn.Module, got {type(module).__name__}")
        if output_device is not None and device_ids is not None and output_device not in device_ids:
            raise ValueError(f"DistributedDataParallel: output_device={output_device!r} is not in "
                             f"device_ids={device_ids!r}")
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError(f"DistributedDataParallel: device_ids={device_ids}: one device per process "
                             "(launch one process per device)")
        if process_group is not None and process_group is not dist.group.WORLD:
            raise ValueError("DistributedDataParallel: only the default process group (process_group=None) "
                             "(or dist.new_group() of every rank) is supported")
        if int(dim) != 0:
            raise ValueError(f"DistributedDataParallel: dim={dim}: the batch must be split along dim 0")
        if float(bucket_cap_mb) <= 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb}")
        group = dist.group.default_group("DistributedDataParallel")
        from minidl.nn.parameter import is_lazy
        if any(is_lazy(p) for p in module.parameters()):
            raise RuntimeError("Modules with uninitialized parameters can't be used with `DistributedDataParallel`. "
                               "Run a dummy forward pass to correctly initialize the modules")
        self.module = module
        self.device_ids = device_ids
        self.broadcast_buffers = bool(broadcast_buffers)
        self.bucket_cap_mb = bucket_cap_mb
        self.find_unused_parameters = bool(find_unused_parameters)
        self.require_backward_grad_sync = True
        self.world_size = group.size
        self.reducer = None
        if self.world_size == 1:
            return
        _broadcast_coalesced(list(module.parameters()) + list(module.buffers()))
        trainable = [p for p in module.parameters() if p.requires_grad]
        if trainable:
            self.reducer = Reducer(trainable, bucket_cap_mb, self.world_size)

    def forward(self, *inputs, **kwargs):
        """Run ``module`` (after broadcasting its buffers from rank 0 when training) and arm the
        gradient averaging for the backward pass through its output."""
        if self.world_size == 1:
            return self.module(*inputs, **kwargs)
        if self.training and self.broadcast_buffers:
            buffers = list(self.module.buffers())
            if buffers:
                _broadcast_coalesced(buffers)
        out = self.module(*inputs, **kwargs)
        if (self.reducer is not None and self.training and autograd.is_grad_enabled()
                and self.require_backward_grad_sync):
            overlap = self.overlap_communication
            self.reducer.overlap = dist.get_backend() == "nccl" if overlap is None else bool(overlap)
            unused = ()
            if self.find_unused_parameters:
                reached = _leaves_reached(list(_output_tensors(out)))
                unused = [p for bucket in self.reducer.buckets for p in bucket.params if id(p) not in reached]
            self.reducer.prepare(unused)
        return out

    @contextlib.contextmanager
    def no_sync(self):
        """Inside it, backward passes accumulate local gradients without communicating; the first
        forward/backward after it averages the accumulated gradients (gradient accumulation)."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def extra_repr(self) -> str:
        return f"world_size={self.world_size}, bucket_cap_mb={self.bucket_cap_mb}"

    def __getstate__(self):
        state = super().__getstate__()
        state["reducer"] = None  # hooks do not pickle; __setstate__ registers them again
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if self.world_size > 1:
            trainable = [p for p in self.module.parameters() if p.requires_grad]
            self.reducer = Reducer(trainable, self.bucket_cap_mb, self.world_size) if trainable else None
