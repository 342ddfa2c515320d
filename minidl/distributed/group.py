"""The default process group: ``init_process_group`` and who is who (rank, world size).

One process per device, launched by ``mpiexec -n N python script.py``; the
processes find each other through MPI (mpi4py). A script started without
``mpiexec``, or where mpi4py or its MPI library is missing, gets a group of
world size 1 and trains exactly as it would without any of this.

When the world is larger than one, an uncaught exception on any rank prints
its traceback (prefixed with the rank) and aborts the whole job
(``MPI_Abort``), so the other ranks never wait forever in a collective.
"""
from __future__ import annotations

import datetime
import os
import sys
import time
import traceback

from minidl.distributed.communicators import LocalCommunicator, MPICommunicator, import_mpi

__all__ = ["Backend", "init_process_group", "destroy_process_group", "is_available", "is_initialized",
           "is_mpi_available", "is_nccl_available", "is_gloo_available", "get_rank", "get_world_size",
           "get_backend",
           "is_main_process", "launcher_world_size", "default_group"]

_BACKENDS = ("mpi", "nccl", "gloo")


class Backend(str):
    """Backend names (``torch.distributed.Backend``): ``Backend("GLOO") == Backend.GLOO == "gloo"``."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError("Backend constructor parameter must be string-ish")
        value = getattr(Backend, name.upper(), Backend.UNDEFINED)
        return name.lower() if value == Backend.UNDEFINED else value


def _backend_name(backend, init_method):
    """The backend's name: None -> "mpi" ("gloo" with a tcp:// init_method); "cpu:gloo,cuda:nccl" -> "gloo"."""
    if backend is None:
        return "gloo" if str(init_method).startswith("tcp://") else "mpi"
    backend = str(backend).lower()
    if ":" in backend:  # PyTorch's per-device form: minidl's processes use the CPU one
        devices = dict(part.split(":", 1) for part in backend.split(",") if ":" in part)
        backend = devices.get("cpu", backend)
    return backend


class _Group:
    """The default group: its communicator, backend name and collective timeout (seconds or None)."""

    def __init__(self, comm, backend, timeout):
        self.comm, self.backend, self.timeout = comm, backend, timeout
        self.rank, self.size = comm.rank, comm.size


_group = None
#: the default group (``dist.group.WORLD``, as in PyTorch); None when not initialized
WORLD = None
_previous_excepthook = None
_ABORT_GRACE_S = 0.5  # seconds for a failing rank's traceback to reach mpiexec before MPI_Abort


def launcher_world_size() -> int:
    """How many processes the MPI launcher started (1 when not launched by one).

    Read from the variables that MPICH/Hydra and Slurm's ``srun`` (``PMI_SIZE``)
    and Open MPI (``OMPI_COMM_WORLD_SIZE``) set for each process they start.
    """
    for key in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE"):
        value = os.environ.get(key)
        if value and value.isdigit():
            return int(value)
    return 1


def is_available() -> bool:
    """True: ``minidl.distributed`` always works, at least as a single process."""
    return True


def is_mpi_available() -> bool:
    """True when mpi4py imports and finds its MPI library (this initialises MPI)."""
    try:
        import_mpi()
    except (ImportError, RuntimeError, OSError):
        return False
    return True


def is_gloo_available() -> bool:
    """True: the ``"gloo"`` backend (TCP sockets) needs only the standard library."""
    return True


def is_nccl_available() -> bool:
    """True when CuPy, a CUDA device and CuPy's NCCL bindings are usable."""
    from minidl.distributed import nccl
    return nccl.nccl_problem() is None


def _timeout_seconds(timeout):
    if timeout is None:
        return None
    if isinstance(timeout, datetime.timedelta):
        timeout = timeout.total_seconds()
    timeout = float(timeout)
    if timeout <= 0:
        raise ValueError(f"init_process_group: timeout must be positive, got {timeout}")
    return timeout


def _mpi_communicator():
    """An MPICommunicator, or a LocalCommunicator when not launched by mpiexec and MPI is unusable."""
    try:
        MPI = import_mpi()
    except (ImportError, RuntimeError, OSError) as exc:
        launched = launcher_world_size()
        if launched > 1:
            raise RuntimeError(
                f"init_process_group: this process is one of {launched} started by an MPI launcher, "
                f"but mpi4py cannot be used ({str(exc).splitlines()[0]}); install it with "
                "`pip install minidl[distributed]` (mpi4py, mpich)") from exc
        return LocalCommunicator()
    return MPICommunicator(MPI)


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the default process group (every rank calls it once, before any collective).

    Args:
        backend: ``"mpi"`` (CPU, or GPU arrays staged through host memory),
            ``"gloo"`` (CPU processes started by ``minidl.multiprocessing.spawn``,
            torchrun or by hand, talking over TCP: :mod:`minidl.distributed.tcp`) or
            ``"nccl"`` (CuPy arrays on one GPU per rank, NCCL's id exchanged
            over MPI); None means ``"mpi"`` (``"gloo"`` with a ``tcp://`` init_method).
        init_method: with ``"mpi"``/``"nccl"``, None or ``"env://"``: the ranks
            come from the MPI launcher (``mpiexec``). With ``"gloo"``: ``"env://"``
            (the default: ``MASTER_ADDR``, ``MASTER_PORT`` and, unless ``rank``/
            ``world_size`` are given, ``RANK``/``WORLD_SIZE`` from the environment)
            or ``"tcp://host:port"`` (rank 0 listens there).
        timeout: a ``datetime.timedelta`` or seconds; a collective that waits
            longer raises RuntimeError (and, the exception being uncaught,
            aborts the job). None (default) waits as long as it takes
            (30 minutes with ``"gloo"``, as in PyTorch).
        world_size, rank: with ``"gloo"``, this process's place (-1: from the
            environment); otherwise optional checks: -1 (default) accepts what the
            launcher says; other values must agree with it.
        store, group_name, pg_options, device_id: accepted for PyTorch compatibility;
            ``store`` must be None.

    Without ``mpiexec`` (or without mpi4py) the group has world size 1.

    >>> import minidl.distributed as dist
    >>> dist.init_process_group("mpi")          # a plain `python` process: world size 1
    >>> dist.get_rank(), dist.get_world_size()
    (0, 1)
    >>> dist.destroy_process_group()
    """
    global _group, WORLD
    if _group is not None:
        raise RuntimeError("init_process_group: the default process group is already initialized "
                           "(call destroy_process_group() first)")
    backend = _backend_name(backend, init_method)
    if backend not in _BACKENDS:
        raise ValueError(f"init_process_group: unknown backend {backend!r}; use one of {_BACKENDS}")
    if backend == "gloo":
        if store is not None:
            raise ValueError("init_process_group: store is not supported (use init_method)")
        _start_gloo(init_method, 1800.0 if timeout is None else _timeout_seconds(timeout), world_size, rank)
        return
    if init_method not in (None, "env://"):
        raise ValueError(f"init_method {init_method!r} is not supported: minidl's processes find each other "
                         "through MPI; launch them with `mpiexec -n N python script.py`")
    if store is not None:
        raise ValueError("init_process_group: store is not supported (the ranks come from MPI)")
    seconds = _timeout_seconds(timeout)
    comm = _mpi_communicator()
    if int(world_size) not in (-1, comm.size):
        raise ValueError(f"init_process_group: world_size={world_size} but the launcher started {comm.size} "
                         f"process(es) (mpiexec -n {comm.size})")
    if int(rank) not in (-1, comm.rank):
        raise ValueError(f"init_process_group: rank={rank} but MPI says this process is rank {comm.rank}")
    if backend == "nccl":
        from minidl.distributed.nccl import NCCLCommunicator
        try:
            comm = NCCLCommunicator(comm)
        except BaseException:
            comm.free()
            raise
    _group = WORLD = _Group(comm, backend, seconds)
    if comm.size > 1:
        _install_abort_hook()


def _start_gloo(init_method, seconds, world_size, rank):
    """The "gloo" group: TCP rendezvous (``tcp://`` or ``env://``) and a TCPCommunicator."""
    global _group, WORLD
    from minidl.distributed.tcp import TCPCommunicator, rendezvous_address
    host, port, rank, size = rendezvous_address(init_method, rank, world_size)
    comm = TCPCommunicator(host, port, rank, size, timeout=seconds)
    _group = WORLD = _Group(comm, "gloo", seconds)
    if comm.size > 1:
        _install_abort_hook()


def destroy_process_group(group=None) -> None:
    """Leave the default group (MPI itself stays initialised until the process exits)."""
    global _group, WORLD
    if group is not None and group is not _group:
        raise ValueError("destroy_process_group: only the default group exists")
    if _group is None:
        return
    comm, _group, WORLD = _group.comm, None, None
    comm.free()
    _remove_abort_hook()


def default_group(what="this call"):
    """The default group, or ValueError (PyTorch's message) when none is initialized."""
    if _group is None:
        raise ValueError(f"{what}: Default process group has not been initialized, please make sure to "
                         "call init_process_group.")
    return _group


def is_initialized() -> bool:
    """True between ``init_process_group`` and ``destroy_process_group``."""
    return _group is not None


def get_rank(group=None) -> int:
    """This process's rank, 0 .. world size - 1."""
    return default_group("get_rank").rank


def get_world_size(group=None) -> int:
    """The number of processes in the group."""
    return default_group("get_world_size").size


def get_backend(group=None) -> str:
    """``"mpi"``, ``"gloo"`` or ``"nccl"``."""
    return default_group("get_backend").backend


def is_main_process() -> bool:
    """True on rank 0, and in any process that is not part of an initialized group.

    The rule ``fit``'s callbacks follow for what only one process should do
    (progress bars, logs, plots, checkpoints).
    """
    return _group is None or _group.rank == 0


def _abort_on_uncaught(exc_type, exc, tb):
    """sys.excepthook while distributed: show the error with the rank, then abort every rank.

    The traceback is written in one piece and given a moment to reach the
    launcher before ``MPI_Abort`` tears the job down (and its output pipes)."""
    group = _group
    rank = "?" if group is None else group.rank
    try:
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        sys.stderr.write(f"[rank {rank}] uncaught {exc_type.__name__}; aborting all ranks\n{text}")
        sys.stderr.flush()
        sys.stdout.flush()
        time.sleep(_ABORT_GRACE_S)
    finally:
        if group is not None:
            group.comm.abort(1)


def _install_abort_hook():
    global _previous_excepthook
    if sys.excepthook is not _abort_on_uncaught:
        _previous_excepthook = sys.excepthook
        sys.excepthook = _abort_on_uncaught


def _remove_abort_hook():
    global _previous_excepthook
    if sys.excepthook is _abort_on_uncaught:
        sys.excepthook = _previous_excepthook or sys.__excepthook__
    _previous_excepthook = None
