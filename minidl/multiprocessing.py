"""``minidl.multiprocessing``, as ``torch.multiprocessing``: the standard library's :mod:`multiprocessing`
(every name it exports: ``Process``, ``Queue``, ``set_start_method``, ``get_context``, ...), PyTorch's
tensor-sharing strategy switches, and :func:`spawn`/:func:`start_processes` that run ``fn(i, *args)`` in
``nprocs`` processes and re-raise a child's exception in the parent.

minidl's Tensors pickle by value (their NumPy arrays), so a Tensor sent through a Queue arrives as a copy,
except one moved to shared memory by ``share_memory_()`` / ``Module.share_memory()``, which arrives as the same
memory (Hogwild training); the sharing strategy is recorded for scripts that set it.

>>> import minidl.multiprocessing as mp
>>> mp.get_sharing_strategy() in mp.get_all_sharing_strategies()
True
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sys
import tempfile
from multiprocessing import *  # noqa: F401,F403  (torch.multiprocessing re-exports them all)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies"]
__all__ += list(multiprocessing.__all__)
__all__ += ["spawn", "start_processes", "ProcessContext", "SpawnContext", "ProcessException",
            "ProcessRaisedException", "ProcessExitedException"]

_ALL_STRATEGIES = {"file_descriptor", "file_system"} if sys.platform != "darwin" else {"file_system"}
_strategy = "file_descriptor" if sys.platform != "darwin" else "file_system"


def set_sharing_strategy(new_strategy) -> None:
    """Set how tensors are shared between processes ('file_descriptor' or 'file_system'; recorded)."""
    global _strategy
    if new_strategy not in _ALL_STRATEGIES:
        raise ValueError(f"set_sharing_strategy: unknown strategy {new_strategy!r}; expected one of "
                         f"{sorted(_ALL_STRATEGIES)}")
    _strategy = new_strategy


def get_sharing_strategy() -> str:
    """The current tensor-sharing strategy."""
    return _strategy


def get_all_sharing_strategies() -> set:
    """The strategies this platform supports."""
    return set(_ALL_STRATEGIES)


class ProcessException(Exception):
    """A process started by :func:`spawn` failed: ``error_index`` (its rank) and ``error_pid``."""

    def __init__(self, msg, error_index, error_pid):
        super().__init__(msg)
        self.msg, self.error_index, self.error_pid = msg, error_index, error_pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid)


class ProcessRaisedException(ProcessException):
    """A spawned process raised; the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A spawned process exited with a non-zero code or was killed by a signal (``exit_code``,
    ``signal_name``)."""

    def __init__(self, msg, error_index, error_pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code, self.signal_name = exit_code, signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid, self.exit_code, self.signal_name)


def _run_child(fn, i, args, error_file):
    """The spawned process' entry: ``fn(i, *args)``; an exception's traceback goes to ``error_file``."""
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass
    except Exception:  # noqa: BLE001  (every failure is reported to the parent)
        import traceback
        with open(error_file, "wb") as fh:
            pickle.dump(traceback.format_exc(), fh)
        sys.exit(1)


class ProcessContext:
    """The processes :func:`start_processes` started; :meth:`join` waits for them and raises the first
    failure."""

    def __init__(self, processes, error_files):
        self.processes, self.error_files = processes, error_files
        self.sentinels = {p.sentinel: i for i, p in enumerate(processes)}

    def pids(self):
        """The process ids, by rank."""
        return [int(p.pid) for p in self.processes]

    def join(self, timeout=None, grace_period=None):
        """Wait (up to ``timeout`` seconds) for the processes; True when all have finished, False when some
        still run. When one failed, the others are terminated (after ``grace_period`` seconds) and a
        :class:`ProcessRaisedException` (with the child's traceback) or :class:`ProcessExitedException`
        is raised."""
        if not self.sentinels:
            return True
        failed = None
        for sentinel in multiprocessing.connection.wait(list(self.sentinels), timeout=timeout):
            index = self.sentinels.pop(sentinel)
            self.processes[index].join()
            if self.processes[index].exitcode != 0:
                failed = index
                break
        if failed is None:
            return not self.sentinels
        self._stop_the_others(grace_period)
        self._raise_for(failed)

    def _stop_the_others(self, grace_period):
        for p in self.processes:
            if p.is_alive() and grace_period:
                p.join(grace_period)
            if p.is_alive():
                p.terminate()
        for p in self.processes:
            p.join(30 if grace_period is None else grace_period)
            if p.is_alive():
                p.kill()
                p.join()

    def _raise_for(self, index):
        process, error_file = self.processes[index], self.error_files[index]
        if os.path.exists(error_file) and os.path.getsize(error_file):
            with open(error_file, "rb") as fh:
                trace = pickle.load(fh)
            msg = f"\n\n-- Process {index:d} terminated with the following error:\n{trace}"
            raise ProcessRaisedException(msg, index, process.pid)
        code = process.exitcode
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"<Unknown signal {-code}>"
            raise ProcessExitedException(f"process {index:d} terminated with signal {name}", index, process.pid,
                                         exit_code=code, signal_name=name)
        raise ProcessExitedException(f"process {index:d} terminated with exit code {code:d}", index, process.pid,
                                     exit_code=code)


SpawnContext = ProcessContext


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Run ``fn(i, *args)`` for i in range(nprocs), each in a new process started by ``start_method``.
    With ``join`` it waits for all (re-raising a child's failure) and returns None; otherwise it returns the
    :class:`ProcessContext`."""
    context = multiprocessing.get_context(start_method)
    processes, error_files = [], []
    for i in range(nprocs):
        handle, error_file = tempfile.mkstemp(prefix="minidl-spawn-")
        os.close(handle)
        os.unlink(error_file)  # the child creates it only when it fails
        process = context.Process(target=_run_child, args=(fn, i, args, error_file), daemon=daemon)
        process.start()
        processes.append(process)
        error_files.append(error_file)
    ctx = ProcessContext(processes, error_files)
    if not join:
        return ctx
    try:
        while not ctx.join():
            pass
    finally:
        for path in error_files:
            if os.path.exists(path):
                os.unlink(path)
    return None


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """``start_processes`` with PyTorch's defaults: ``fn(i, *args)`` in ``nprocs`` processes (the 'spawn'
    start method)."""
    return start_processes(fn, args=args, nprocs=nprocs, join=join, daemon=daemon, start_method=start_method)
