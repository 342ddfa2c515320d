"""Gradient buckets for ``DistributedDataParallel``: average the ranks' gradients during backward.

The trainable parameters are grouped, in reverse registration order (roughly
the order in which backward produces their gradients), into buckets of at most
``bucket_cap_mb`` megabytes of one dtype and device (the first bucket is at
most 1 MB, so communication starts early). A post-accumulate-grad hook
(``minidl.autograd.register_post_accumulate_grad_hook``) marks each parameter
ready once backward has finished its gradient; when every parameter of a
bucket is ready, the bucket's gradients are copied into one flat buffer,
divided by the world size and its allreduce is started without waiting
(buckets start strictly in index order, the same on every rank). When the
last bucket has started, all of them are waited for and the averages are
copied back into the parameters' ``.grad``, before ``backward()`` returns.
"""
from __future__ import annotations

import weakref

from minidl import autograd, backend
from minidl.distributed import ReduceOp, all_reduce
from minidl.tensor import Tensor

__all__ = ["Reducer"]

_FIRST_BUCKET_BYTES = 1 << 20


class _Bucket:
    """Parameters reduced together through one flat buffer."""

    def __init__(self, params):
        self.params = params
        self.sizes = [int(p.array.size) for p in params]
        self.numel = sum(self.sizes)
        self.buffer = None
        self.work = None
        self.pending = 0


class Reducer:
    """The buckets of one ``DistributedDataParallel`` and their per-iteration state.

    ``prepare(unused)`` arms it for the next backward (``unused``: parameters
    that forward's graph does not reach; they count as ready with a zero
    gradient). ``overlap`` False defers every allreduce until the last
    gradient is ready (for measuring what overlapping gains).
    """

    def __init__(self, params, bucket_cap_mb, world_size, overlap=True):
        self.world_size = int(world_size)
        self.overlap = overlap
        self.buckets = self._make_buckets(params, float(bucket_cap_mb) * (1 << 20))
        self.where = {}
        for b, bucket in enumerate(self.buckets):
            for p in bucket.params:
                self.where[id(p)] = b
        self.armed = False
        self.unused_count = 0
        self.next_bucket = 0
        self.ready_buckets = set()
        self.params_ready = set()
        ref = weakref.ref(self)

        def hook(p):
            reducer = ref()
            if reducer is not None:
                reducer.mark_ready(p)
        self.handles = [autograd.register_post_accumulate_grad_hook(p, hook)
                        for bucket in self.buckets for p in bucket.params]

    @staticmethod
    def _make_buckets(params, cap_bytes):
        buckets, current, size, key = [], [], 0, None
        limit = min(_FIRST_BUCKET_BYTES, cap_bytes)
        for p in reversed(list(params)):
            p_key = (p.array.dtype, backend.device_of(p.array))
            nbytes = int(p.array.nbytes)
            if current and (p_key != key or size + nbytes > limit):
                buckets.append(_Bucket(current))
                current, size, limit = [], 0, cap_bytes
            current.append(p)
            size += nbytes
            key = p_key
        if current:
            buckets.append(_Bucket(current))
        return buckets

    def remove_hooks(self):
        """Unregister the parameters' hooks."""
        for h in self.handles:
            h.remove()
        self.handles = []

    def __del__(self):  # a discarded DDP leaves no hooks on the parameters it wrapped
        self.remove_hooks()

    # ---------------------------------------------------------------- iteration
    def prepare(self, unused=()):
        """Arm for the next backward; raise if the previous one did not finish its reduction."""
        if self.armed and len(self.params_ready) > self.unused_count:
            missing = [b for b in range(len(self.buckets)) if b not in self.ready_buckets]
            raise RuntimeError(
                "DistributedDataParallel: the previous iteration's gradients were not all reduced "
                f"(buckets {missing} never got every gradient): some parameters received no gradient "
                "in backward. Pass find_unused_parameters=True if the forward does not use every "
                "parameter, and make sure the loss depends on all of the module's outputs.")
        self.armed = True
        self.unused_count = len(unused)
        self.next_bucket = 0
        self.ready_buckets = set()
        self.params_ready = set()
        for bucket in self.buckets:
            bucket.pending = len(bucket.params)
            bucket.work = None
        for p in unused:
            self.mark_ready(p)

    def mark_ready(self, p):
        """Called by each parameter's hook once its gradient is final for this backward."""
        if not self.armed or id(p) in self.params_ready:
            return
        self.params_ready.add(id(p))
        b = self.where[id(p)]
        bucket = self.buckets[b]
        bucket.pending -= 1
        if bucket.pending == 0:
            self.ready_buckets.add(b)
            if self.overlap:
                self._launch_ready_buckets()
            elif len(self.ready_buckets) == len(self.buckets):
                self._launch_ready_buckets()
        if self.overlap:
            for started in self.buckets[:self.next_bucket]:  # let MPI progress what is in flight
                started.work.is_completed()
        if self.next_bucket == len(self.buckets):
            self._finish()

    def _launch_ready_buckets(self):
        while self.next_bucket in self.ready_buckets:
            self._launch(self.buckets[self.next_bucket])
            self.next_bucket += 1

    def _launch(self, bucket):
        first = bucket.params[0].array
        xp = backend.get_array_module(first)
        if bucket.buffer is None:
            bucket.buffer = xp.empty(bucket.numel, dtype=first.dtype)
        offset = 0
        for p, n in zip(bucket.params, bucket.sizes):
            view = bucket.buffer[offset:offset + n]
            if p.grad is None:
                view[...] = 0
            else:
                xp.multiply(p.grad.array.reshape(-1), 1.0 / self.world_size, out=view, casting="unsafe")
            offset += n
        bucket.work = all_reduce(bucket.buffer, ReduceOp.SUM, async_op=True)

    def _finish(self):
        self.armed = False
        for bucket in self.buckets:
            bucket.work.wait()
            bucket.work = None
            offset = 0
            for p, n in zip(bucket.params, bucket.sizes):
                averaged = bucket.buffer[offset:offset + n].reshape(p.shape)
                offset += n
                if p.grad is None:
                    if not averaged.any():  # unused everywhere: the gradient stays None, as in PyTorch
                        continue
                    p.grad = Tensor(averaged.copy())
                else:
                    p.grad.array[...] = averaged
