"""The communicators behind a process group: MPI (mpi4py) and the one-process fallback.

A communicator moves raw backend arrays (NumPy, or CuPy staged through host
memory for MPI). Every collective is started non-blocking and returns a
request with ``wait(timeout)`` / ``test()``, so the blocking calls of
:mod:`minidl.distributed` and the bucketed gradient reduction of
``DistributedDataParallel`` share one path. NCCL (GPU) lives in
:mod:`minidl.distributed.nccl`.
"""
from __future__ import annotations

import enum
import time

import numpy as np

from minidl import backend

__all__ = ["ReduceOp", "LocalCommunicator", "MPICommunicator", "import_mpi", "wait_request"]


class ReduceOp(enum.Enum):
    """How ``all_reduce`` combines the ranks' values (``torch.distributed.ReduceOp``).

    ``AVG`` is the sum divided by the world size (floating arrays only).
    """

    SUM = "sum"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    AVG = "avg"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"


def import_mpi():
    """``mpi4py.MPI`` (initialising MPI), or raise ImportError/RuntimeError with the reason."""
    from mpi4py import MPI
    return MPI


def wait_request(request, timeout, what, rank):
    """Wait for an MPI request; with ``timeout`` (seconds) poll and raise RuntimeError on expiry."""
    if timeout is None:
        request.Wait()
        return
    deadline = time.monotonic() + timeout
    pause = 1e-5
    while not request.Test():
        if time.monotonic() > deadline:
            raise RuntimeError(f"minidl.distributed: {what} on rank {rank} timed out after {timeout:g} s "
                               "(another rank is not taking part: crashed, stopped early or "
                               "running a different collective)")
        time.sleep(pause)
        pause = min(pause * 2, 1e-3)


class _Done:
    """A request that has already completed (the one-process collectives)."""

    def __init__(self, finish=None):
        self._finish = finish

    def wait(self, timeout=None):
        """Run the finishing step once; nothing to wait for."""
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def test(self) -> bool:
        """Always True."""
        return True


class LocalCommunicator:
    """World size 1: every collective leaves the data as it is (``AVG`` divides by 1)."""

    name = "local"
    rank = 0
    size = 1
    local_rank = 0

    def allreduce(self, array, op):
        """Start an in-place allreduce of ``array``; returns a request."""
        return _Done()

    def bcast(self, array, root):
        """Start an in-place broadcast of ``array`` from ``root``."""
        return _Done()

    def allgather(self, array):
        """Start gathering ``array`` from every rank: ``(request, (size, *shape) array)``."""
        return _Done(), array.reshape((1,) + array.shape).copy()

    def barrier(self):
        """Start a barrier."""
        return _Done()

    def bcast_object(self, obj, root=0):
        """Broadcast a picklable object (blocking)."""
        return obj

    def abort(self, code=1):
        """End the process with ``code``."""
        raise SystemExit(code)

    def free(self):
        """Release the communicator."""


class _MPIRequest:
    """An MPI request plus the step that copies a staged result back to its array."""

    def __init__(self, comm, request, what, finish=None):
        self._comm, self._request, self._what, self._finish = comm, request, what, finish

    def wait(self, timeout=None):
        """Block until done (``timeout`` seconds at most, then RuntimeError), then finish."""
        if self._request is not None:
            wait_request(self._request, timeout, self._what, self._comm.rank)
            self._request = None
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def test(self) -> bool:
        """True when the operation has completed (drives MPI's progress engine)."""
        return self._request is None or bool(self._request.Test())


class MPICommunicator:
    """Collectives over an mpi4py communicator (a duplicate of ``COMM_WORLD``).

    CuPy arrays are copied to host memory, reduced there and copied back when
    the request completes (no CUDA-aware MPI is assumed).
    """

    name = "mpi"

    def __init__(self, MPI):
        self.MPI = MPI
        self.comm = MPI.COMM_WORLD.Dup()
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        node = self.comm.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
        self.local_rank = node.Get_rank()
        node.Free()
        self._ops = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
                     ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND,
                     ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}

    @staticmethod
    def _host(array):
        """``(host array, copy_back)``: a contiguous NumPy buffer standing for ``array``."""
        if isinstance(array, np.ndarray) and array.flags.c_contiguous:
            return array, None
        host = np.ascontiguousarray(backend.to_device(array, "cpu"))

        def copy_back():
            array[...] = backend.to_device(host, backend.device_of(array))
        return host, copy_back

    def allreduce(self, array, op):
        """Start an in-place allreduce of ``array`` with ``op`` (a :class:`ReduceOp`)."""
        host, copy_back = self._host(array)
        request = self.comm.Iallreduce(self.MPI.IN_PLACE, host, op=self._ops[op])
        finish = copy_back
        if op is ReduceOp.AVG:
            def finish():
                host[...] = host / self.size
                if copy_back is not None:
                    copy_back()
        return _MPIRequest(self, request, "all_reduce", finish)

    def bcast(self, array, root):
        """Start an in-place broadcast of ``array`` from rank ``root``."""
        host, copy_back = self._host(array)
        return _MPIRequest(self, self.comm.Ibcast(host, root=root), "broadcast", copy_back)

    def allgather(self, array):
        """Start gathering ``array`` from every rank: ``(request, (size, *shape) NumPy array)``."""
        host = np.ascontiguousarray(backend.to_device(array, "cpu"))
        out = np.empty((self.size,) + host.shape, dtype=host.dtype)
        return _MPIRequest(self, self.comm.Iallgather(host, out), "all_gather"), out

    def barrier(self):
        """Start a barrier."""
        return _MPIRequest(self, self.comm.Ibarrier(), "barrier")

    def bcast_object(self, obj, root=0):
        """Broadcast a picklable object from ``root`` (blocking)."""
        return self.comm.bcast(obj, root=root)

    def abort(self, code=1):
        """End every rank of the job with ``code``."""
        self.MPI.COMM_WORLD.Abort(code)

    def free(self):
        """Release the duplicated communicator."""
        if self.comm is not None:
            self.comm.Free()
            self.comm = None
