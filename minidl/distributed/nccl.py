"""NCCL collectives for CuPy arrays (GPU only; CuPy is imported lazily through ``minidl.backend``).

``init_process_group("nccl")`` first builds the MPI communicator (or the
one-process one), picks the GPU ``local_rank % device_count`` for this
process, has rank 0 create NCCL's unique id and broadcasts it over MPI, then
every rank joins the NCCL communicator. Collectives on CuPy arrays are
enqueued on the current CUDA stream (so later kernels on that stream see the
result without a host synchronisation); NumPy arrays go through MPI. The
group's timeout applies to the MPI side only.
"""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.distributed.communicators import ReduceOp

__all__ = ["NCCLCommunicator", "nccl_problem"]


def _nccl_module():
    cp = backend.cupy_or_none()
    if cp is None:
        raise RuntimeError("the nccl backend needs CuPy and a CUDA device (minidl.gpu_available() is False)")
    try:
        return cp, backend.nccl_module()
    except ImportError as exc:
        raise RuntimeError(f"CuPy has no NCCL support ({exc}); install NCCL (e.g. `pip install "
                           "nvidia-nccl-cu12`) or use backend='mpi'") from exc


def nccl_problem():
    """None when NCCL is usable, else the reason (a string)."""
    try:
        _nccl_module()
    except RuntimeError as exc:
        return str(exc)
    return None


class _StreamRequest:
    """An NCCL call enqueued on a stream: ``wait`` orders nothing on the host (stream order suffices)."""

    def __init__(self, stream, finish=None):
        self._stream, self._finish = stream, finish

    def wait(self, timeout=None):
        """Run the finishing step (enqueued on the same stream)."""
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def test(self) -> bool:
        """True once the stream has executed the call."""
        return bool(self._stream.done)


class NCCLCommunicator:
    """Collectives on CuPy arrays through NCCL; NumPy arrays and objects through ``host`` (MPI)."""

    name = "nccl"

    def __init__(self, host):
        cp, nccl = _nccl_module()
        self.cp, self.nccl, self.host = cp, nccl, host
        self.rank, self.size, self.local_rank = host.rank, host.size, host.local_rank
        self.device_index = host.local_rank % cp.cuda.runtime.getDeviceCount()
        cp.cuda.Device(self.device_index).use()
        uid = nccl.get_unique_id() if self.rank == 0 else None
        uid = host.bcast_object(uid, 0)
        self.comm = nccl.NcclCommunicator(self.size, uid, self.rank)
        self._dtypes = {np.dtype(np.float16): nccl.NCCL_FLOAT16, np.dtype(np.float32): nccl.NCCL_FLOAT32,
                        np.dtype(np.float64): nccl.NCCL_FLOAT64, np.dtype(np.int32): nccl.NCCL_INT32,
                        np.dtype(np.int64): nccl.NCCL_INT64, np.dtype(np.uint8): nccl.NCCL_UINT8,
                        np.dtype(np.int8): nccl.NCCL_INT8}
        self._ops = {ReduceOp.SUM: nccl.NCCL_SUM, ReduceOp.AVG: nccl.NCCL_SUM,
                     ReduceOp.PRODUCT: nccl.NCCL_PROD, ReduceOp.MIN: nccl.NCCL_MIN,
                     ReduceOp.MAX: nccl.NCCL_MAX}

    def _on_gpu(self, array):
        return isinstance(array, self.cp.ndarray)

    def _dtype(self, array):
        code = self._dtypes.get(np.dtype(array.dtype))
        if code is None:
            raise TypeError(f"nccl backend: dtype {array.dtype} is not supported "
                            f"(use one of {sorted(str(d) for d in self._dtypes)})")
        return code

    def _contiguous(self, array):
        """``(contiguous array, copy_back)`` for a CuPy array."""
        if array.flags.c_contiguous:
            return array, None
        buf = self.cp.ascontiguousarray(array)

        def copy_back():
            array[...] = buf
        return buf, copy_back

    def allreduce(self, array, op):
        """Start an in-place allreduce (NCCL for CuPy arrays, MPI otherwise)."""
        if not self._on_gpu(array):
            return self.host.allreduce(array, op)
        if op not in self._ops:
            raise TypeError(f"nccl backend: ReduceOp.{op.name} is not supported")
        buf, copy_back = self._contiguous(array)
        stream = self.cp.cuda.get_current_stream()
        self.comm.allReduce(buf.data.ptr, buf.data.ptr, buf.size, self._dtype(buf), self._ops[op], stream.ptr)
        if op is ReduceOp.AVG:
            buf /= self.size
        if copy_back is not None:
            copy_back()
        return _StreamRequest(stream)

    def bcast(self, array, root):
        """Start an in-place broadcast from ``root``."""
        if not self._on_gpu(array):
            return self.host.bcast(array, root)
        buf, copy_back = self._contiguous(array)
        stream = self.cp.cuda.get_current_stream()
        self.comm.bcast(buf.data.ptr, buf.size, self._dtype(buf), root, stream.ptr)
        if copy_back is not None:
            copy_back()
        return _StreamRequest(stream)

    def allgather(self, array):
        """Start gathering ``array`` from every rank: ``(request, (size, *shape) array)``."""
        if not self._on_gpu(array):
            return self.host.allgather(array)
        buf = self.cp.ascontiguousarray(array)
        out = self.cp.empty((self.size,) + buf.shape, dtype=buf.dtype)
        stream = self.cp.cuda.get_current_stream()
        self.comm.allGather(buf.data.ptr, out.data.ptr, buf.size, self._dtype(buf), stream.ptr)
        return _StreamRequest(stream), out

    def barrier(self):
        """Finish this rank's queued GPU work, then an MPI barrier."""
        self.cp.cuda.get_current_stream().synchronize()
        return self.host.barrier()

    def bcast_object(self, obj, root=0):
        """Broadcast a picklable object (over MPI)."""
        return self.host.bcast_object(obj, root)

    def abort(self, code=1):
        """Abort NCCL, then the MPI job."""
        try:
            self.comm.abort()
        finally:
            self.host.abort(code)

    def free(self):
        """Destroy the NCCL communicator and release the MPI one."""
        if self.comm is not None:
            self.comm.destroy()
            self.comm = None
        self.host.free()
