"""The ``"gloo"`` backend: collectives between CPU processes over plain TCP sockets.

Rendezvous (:func:`rendezvous_address` then :class:`TCPCommunicator`): rank 0
listens on ``MASTER_ADDR:MASTER_PORT`` (or the ``tcp://host:port`` of
``init_method``, or a free port that it writes into the file of a
``file:///path`` init_method, removed again once everyone has joined;
as in PyTorch, the file must not exist beforehand); every other rank opens a listener of its own on a free port,
connects to rank 0 and says who it is; rank 0 answers with everyone's
address, and the other ranks connect to each other, so every pair of ranks
ends up with one socket (a full mesh).

Every operation is queued to one worker thread per communicator, which runs
them in program order (so every rank must issue the same collectives in the
same order, as in PyTorch) and returns a request with ``wait(timeout)`` /
``test()``. Reductions are done on rank 0 in rank order and sent back, so
every rank gets bit-identical results. After a failure (a peer gone, a
timeout) the communicator is broken and every later operation fails at once.
"""
from __future__ import annotations

import os
import pickle
import queue
import select
import socket
import struct
import threading
import time
from urllib.parse import parse_qs, urlparse

import numpy as np

from minidl import backend
from minidl.distributed.communicators import ReduceOp

__all__ = ["TCPCommunicator", "rendezvous_address"]

_HEADER = struct.Struct("!Q")
_MAGIC = b"minidl-gloo-1"
_REDUCE = {ReduceOp.SUM: np.add, ReduceOp.AVG: np.add, ReduceOp.PRODUCT: np.multiply,
           ReduceOp.MIN: np.minimum, ReduceOp.MAX: np.maximum, ReduceOp.BAND: np.bitwise_and,
           ReduceOp.BOR: np.bitwise_or, ReduceOp.BXOR: np.bitwise_xor}


def _rendezvous_error(msg):
    return ValueError("Error initializing torch.distributed using " + msg)


def rendezvous_address(init_method, rank, world_size):
    """``(host, port, rank, world_size)`` from ``init_method`` (None, ``"env://"``,
    ``"tcp://host:port"`` or ``"file:///path"``, where host is None and port the path; with optional
    ``?rank=&world_size=`` queries) and the explicit
    ``rank``/``world_size`` (-1: not given), raising PyTorch's ValueErrors for what is missing."""
    url = "env://" if init_method is None else str(init_method)
    parsed = urlparse(url)
    query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    if int(rank) != -1:
        query["rank"] = str(rank)
    if int(world_size) != -1:
        query["world_size"] = str(world_size)
    if parsed.scheme == "tcp":
        def error(msg):
            return _rendezvous_error("tcp:// rendezvous: " + msg)
        if parsed.port is None:
            raise error("port number missing")
        if "rank" not in query:
            raise error("rank parameter missing")
        if "world_size" not in query:
            raise error("world size parameter missing")
        host, port = parsed.hostname, parsed.port
    elif parsed.scheme == "file":
        def error(msg):
            return _rendezvous_error("file:// rendezvous: " + msg)
        if not parsed.path:
            raise error("path missing")
        if "rank" not in query:
            raise error("rank parameter missing")
        if "world_size" not in query:
            raise error("world size parameter missing")
        host, port = None, parsed.path  # TCPCommunicator: host None means "port is the file's path"
    elif parsed.scheme == "env":
        def env(var):
            value = os.environ.get(var)
            if not value:
                raise _rendezvous_error(f"env:// rendezvous: environment variable {var} expected, but not set")
            return value
        if "rank" not in query:
            query["rank"] = env("RANK")
        if "world_size" not in query:
            query["world_size"] = env("WORLD_SIZE")
        host, port = env("MASTER_ADDR"), int(env("MASTER_PORT"))
    else:
        raise RuntimeError(f"No rendezvous handler for {parsed.scheme}://")
    rank, world_size = int(query["rank"]), int(query["world_size"])
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(f"init_process_group: rank {rank} is not in range for world_size {world_size}")
    return host, port, rank, world_size


class _Broken(RuntimeError):
    """The communicator failed earlier (or was freed)."""


class _Request:
    """An operation queued to the worker thread; ``wait`` re-raises its error on the caller's thread."""

    def __init__(self, comm, what, job, finish=None):
        self._comm, self.what, self.job, self._finish = comm, what, job, finish
        self._done = threading.Event()
        self.error = None
        self.result = None

    def run(self):
        try:
            self.result = self.job()
        except BaseException as exc:  # noqa: BLE001  (handed to the waiting thread)
            self.error = exc
        finally:
            self._done.set()

    def wait(self, timeout=None):
        """Block until done (``timeout`` seconds at most, then RuntimeError naming rank and
        collective); re-raise the operation's error; then run the finishing step."""
        if not self._done.wait(timeout):
            self._comm.broken = (f"{self.what} timed out on rank {self._comm.rank}")
            raise RuntimeError(f"minidl.distributed: {self.what} on rank {self._comm.rank} timed out after "
                               f"{timeout:g} s (another rank is not taking part: crashed, stopped early or "
                               "running a different collective)")
        if self.error is not None:
            error, self.error = self.error, None
            if type(error) in (RuntimeError, ValueError, TypeError, _Broken):  # ours: one line, from here
                raise RuntimeError(str(error)) if type(error) is _Broken else type(error)(str(error)) from None
            raise RuntimeError(f"minidl.distributed: {self.what} on rank {self._comm.rank} failed: "
                               f"{error}") from error
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()
        return self.result

    def test(self) -> bool:
        """True when the operation has completed."""
        return self._done.is_set()


class _Sent:
    """One message handed to a :class:`_Sender`; ``wait`` re-raises its failure."""

    def __init__(self, data, rank):
        self.data, self.rank, self.error, self.done = data, rank, None, threading.Event()

    def wait(self, timeout, what):
        """Block until sent (``timeout`` seconds at most, then RuntimeError); re-raise a failure."""
        if not self.done.wait(timeout):
            raise RuntimeError(f"minidl.distributed: {what} on rank {self.rank} timed out after {timeout:g} s")
        if self.error is not None:
            raise self.error


class _Sender:
    """The one thread writing to a peer's socket, in the order messages were posted, so that a
    ``send`` never blocks the collectives and receives queued after it (no send/send deadlock)."""

    def __init__(self, comm, peer, sock):
        self.comm, self.peer, self.sock = comm, peer, sock
        self.queue = queue.Queue()
        self.error = None
        self.thread = threading.Thread(target=self._run, name=f"minidl-gloo-send-{comm.rank}-{peer}", daemon=True)
        self.thread.start()

    def post(self, data):
        """Queue ``data`` (bytes-like; not to be modified until sent); returns a :class:`_Sent`."""
        item = _Sent(data, self.comm.rank)
        self.queue.put(item)
        return item

    def _run(self):
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is None:
                try:
                    TCPCommunicator._send_bytes(self.sock, item.data)
                except OSError as exc:
                    what = "timed out" if isinstance(exc, socket.timeout) else f"failed ({exc})"
                    self.error = RuntimeError(f"minidl.distributed: sending from rank {self.comm.rank} to rank "
                                              f"{self.peer} {what}")
            item.error = self.error
            item.done.set()


def _publish(path, port):
    """Write rank 0's addresses and port into ``path`` (atomically)."""
    try:
        hosts = [socket.gethostbyname(socket.gethostname())]
    except OSError:
        hosts = []
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as fh:
        pickle.dump((hosts + ["127.0.0.1"], port), fh)
    os.replace(tmp, path)


def _read_published(path, deadline, rank):
    """``(hosts, port)`` that rank 0 wrote into ``path``, waiting for the file until ``deadline``."""
    while True:
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError):
            if time.monotonic() > deadline:
                raise RuntimeError(f"minidl.distributed: rendezvous on rank {rank} timed out waiting for rank 0 "
                                   f"to write {path}") from None
            time.sleep(0.02)


def _connect_any(hosts, port, deadline, rank):
    """A socket connected to the first of ``hosts`` that answers on ``port``."""
    while True:
        for host in hosts:
            try:
                return _connect(host, port, min(deadline, time.monotonic() + 1.0), rank)
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise


def _connect(host, port, deadline, rank):
    """A socket connected to ``host:port``, retrying until ``deadline`` (the peer may start later)."""
    pause = 0.01
    while True:
        try:
            sock = socket.create_connection((host, port), timeout=max(0.05, deadline - time.monotonic()))
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except OSError as exc:
            if time.monotonic() + pause > deadline:
                raise RuntimeError(f"minidl.distributed: rendezvous on rank {rank} timed out: cannot connect to "
                                   f"{host}:{port} ({exc})") from None
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


class TCPCommunicator:
    """Collectives between ``size`` processes over TCP (the ``"gloo"`` backend).

    ``timeout`` (seconds or None) bounds the rendezvous (None: 30 minutes, PyTorch's default)
    and every socket wait of the worker thread.
    """

    name = "gloo"

    def __init__(self, host, port, rank, size, timeout=None):
        self.rank, self.size, self.timeout = int(rank), int(size), timeout
        self.local_rank = int(os.environ.get("LOCAL_RANK", self.rank))
        self.broken = None
        self.peers = {}
        self._lock = threading.Lock()
        deadline = time.monotonic() + (1800.0 if timeout is None else float(timeout))
        if self.size > 1:
            try:
                self._rendezvous(host, port if host is None else int(port), deadline)
            except BaseException:
                self._close()
                raise
        for sock in self.peers.values():
            sock.settimeout(timeout)
        self._senders = {r: _Sender(self, r, sock) for r, sock in self.peers.items()}
        self._jobs = queue.Queue()
        self._thread = threading.Thread(target=self._work, name=f"minidl-gloo-rank{self.rank}", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ rendezvous
    def _rendezvous(self, host, port, deadline):
        if self.rank == 0:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                listener.bind(("", 0 if host is None else port))  # every interface, as PyTorch's TCPStore
            except OSError as exc:
                listener.close()
                raise RuntimeError(f"minidl.distributed: rank 0 cannot listen on {host}:{port} "
                                   f"(MASTER_ADDR/MASTER_PORT): {exc}") from None
            listener.listen(self.size)
            try:
                if host is None:
                    _publish(port, listener.getsockname()[1])
                table = self._accept_all(listener, deadline)
            finally:
                listener.close()
                if host is None and os.path.exists(port):
                    os.unlink(port)
            for r in range(1, self.size):
                self._send_obj(self.peers[r], table)
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("", 0))
        listener.listen(self.size)
        try:
            if host is None:  # file:// rendezvous: rank 0 writes its address into the file
                hosts, port = _read_published(port, deadline, self.rank)
                root = _connect_any(hosts, port, deadline, self.rank)
            else:
                root = _connect(host, port, deadline, self.rank)
            self.peers[0] = root
            root.settimeout(max(0.05, deadline - time.monotonic()))
            self._send_obj(root, (_MAGIC, self.rank, self.size, listener.getsockname()[1]))
            table = self._recv_obj(root, 0, "rendezvous")
            for r in range(1, self.rank):  # connect to the lower ranks, accept the higher ones
                sock = _connect(table[r][0], table[r][1], deadline, self.rank)
                self._send_obj(sock, (_MAGIC, self.rank))
                self.peers[r] = sock
            while len(self.peers) < self.size - 1:
                listener.settimeout(max(0.05, deadline - time.monotonic()))
                try:
                    sock, _ = listener.accept()
                except socket.timeout:
                    raise RuntimeError(f"minidl.distributed: rendezvous on rank {self.rank} timed out waiting "
                                       "for the higher ranks") from None
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.settimeout(max(0.05, deadline - time.monotonic()))
                magic, r = self._recv_obj(sock, "?", "rendezvous")
                self.peers[int(r)] = sock
        finally:
            listener.close()

    def _accept_all(self, listener, deadline):
        table = {}
        while len(table) < self.size - 1:
            listener.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                sock, addr = listener.accept()
            except socket.timeout:
                missing = sorted(set(range(1, self.size)) - set(table))
                raise RuntimeError(f"minidl.distributed: rendezvous on rank 0 timed out: rank(s) {missing} of "
                                   f"world size {self.size} never connected") from None
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                magic, r, size, listen_port = self._recv_obj(sock, "?", "rendezvous")
            except Exception:  # noqa: BLE001  (a stray connection, not one of ours)
                sock.close()
                continue
            if magic != _MAGIC or size != self.size or not 0 < r < self.size or r in table:
                sock.close()
                raise RuntimeError(f"minidl.distributed: rendezvous on rank 0: a process claiming rank {r} of "
                                   f"world size {size} joined a group of world size {self.size}")
            self.peers[r] = sock
            table[r] = (addr[0], listen_port)
        return table

    # ------------------------------------------------------------ framing
    @staticmethod
    def _send_bytes(sock, data):
        view = memoryview(data).cast("B")
        sock.sendall(_HEADER.pack(view.nbytes))
        if view.nbytes:
            sock.sendall(view)

    def _recv_exact(self, sock, view, peer, what):
        got = 0
        while got < view.nbytes:
            try:
                n = sock.recv_into(view[got:])
            except socket.timeout:
                after = "" if self.timeout is None else f" after {self.timeout:g} s"
                raise RuntimeError(f"minidl.distributed: {what} on rank {self.rank} timed out{after} waiting for "
                                   f"rank {peer}") from None
            if n == 0:
                raise RuntimeError(f"minidl.distributed: {what} on rank {self.rank}: the connection to rank "
                                   f"{peer} closed (that process crashed, exited or left the group)")
            got += n

    def _recv_bytes(self, sock, peer, what, into=None):
        header = bytearray(_HEADER.size)
        self._recv_exact(sock, memoryview(header), peer, what)
        (n,) = _HEADER.unpack(header)
        if into is not None:
            view = memoryview(into).cast("B")
            if view.nbytes != n:
                raise RuntimeError(f"minidl.distributed: {what} on rank {self.rank}: rank {peer} sent {n} bytes "
                                   f"but {view.nbytes} were expected (tensors of different shapes or dtypes, "
                                   "or the ranks are running different collectives)")
            self._recv_exact(sock, view, peer, what)
            return into
        buf = bytearray(n)
        self._recv_exact(sock, memoryview(buf), peer, what)
        return buf

    def _send_to(self, rank, data):
        """Send ``data`` to ``rank`` through its sender thread (after what was queued before) and wait."""
        self._senders[rank].post(data).wait(None, "send")

    def _send_obj_to(self, rank, obj):
        self._send_to(rank, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))

    def _send_obj(self, sock, obj):
        self._send_bytes(sock, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))

    def _recv_obj(self, sock, peer, what):
        return pickle.loads(self._recv_bytes(sock, peer, what))

    # ------------------------------------------------------------ the worker
    def _work(self):
        while True:
            request = self._jobs.get()
            if request is None:
                return
            if self.broken is not None:
                request.error = _Broken(f"minidl.distributed: {request.what} on rank {self.rank}: the group is "
                                        f"unusable after an earlier failure ({self.broken})")
                request._done.set()
                continue
            request.run()
            if request.error is not None and self.broken is None:
                self.broken = str(request.error)

    def _submit(self, what, job, finish=None):
        request = _Request(self, what, job, finish)
        if self._jobs is None:
            request.error = _Broken(f"minidl.distributed: {what} on rank {self.rank}: the process group was "
                                    "destroyed")
            request._done.set()
        else:
            self._jobs.put(request)
        return request

    @staticmethod
    def _host(array):
        """``(contiguous NumPy array, copy_back or None)`` standing for ``array``."""
        if isinstance(array, np.ndarray) and array.flags.c_contiguous:
            return array, None
        host = np.ascontiguousarray(backend.to_device(array, "cpu"))

        def copy_back():
            array[...] = backend.to_device(host, backend.device_of(array))
        return host, copy_back

    # ------------------------------------------------------------ building blocks (worker thread)
    def _bcast_into(self, host, root, what):
        if self.rank == root:
            for r in range(self.size):
                if r != root:
                    self._send_to(r, host)
        else:
            self._recv_bytes(self.peers[root], root, what, into=host)

    def _gather_arrays(self, host, dst, what):
        """On ``dst``: the list of every rank's array (rank order); elsewhere None."""
        if self.rank != dst:
            self._send_to(dst, host)
            return None
        parts = []
        for r in range(self.size):
            parts.append(host if r == dst else self._recv_bytes(self.peers[r], r, what,
                                                                into=np.empty_like(host)))
        return parts

    def _reduce_into(self, host, op, dst, what):
        parts = self._gather_arrays(host, dst, what)
        if parts is None:
            return
        result = parts[0].copy()
        for part in parts[1:]:
            _REDUCE[op](result, part, out=result)
        if op is ReduceOp.AVG:
            result = result / self.size
        host[...] = result

    def _objects(self, obj, what, dst=None):
        """Every rank's object, in rank order, on ``dst`` (None: on every rank)."""
        root = 0 if dst is None else dst
        if self.rank != root:
            self._send_obj_to(root, obj)
            return self._recv_obj(self.peers[root], root, what) if dst is None else None
        objs = [obj if r == root else self._recv_obj(self.peers[r], r, what) for r in range(self.size)]
        if dst is None:
            for r in range(self.size):
                if r != root:
                    self._send_obj_to(r, objs)
        return objs

    # ------------------------------------------------------------ the communicator interface
    def allreduce(self, array, op):
        """Start an in-place allreduce of ``array`` with ``op`` (a :class:`ReduceOp`)."""
        host, copy_back = self._host(array)

        def job():
            self._reduce_into(host, op, 0, "all_reduce")
            self._bcast_into(host, 0, "all_reduce")
        return self._submit("all_reduce", job, copy_back)

    def reduce(self, array, op, dst):
        """Start reducing ``array`` into rank ``dst``'s ``array`` (the others' are left as they are)."""
        host, copy_back = self._host(array)
        return self._submit("reduce", lambda: self._reduce_into(host, op, dst, "reduce"),
                            copy_back if self.rank == dst else None)

    def bcast(self, array, root):
        """Start an in-place broadcast of ``array`` from rank ``root``."""
        host, copy_back = self._host(array)
        return self._submit("broadcast", lambda: self._bcast_into(host, root, "broadcast"), copy_back)

    def allgather(self, array):
        """Start gathering ``array`` from every rank: ``(request, (size, *shape) NumPy array)``."""
        host = np.ascontiguousarray(backend.to_device(array, "cpu"))
        out = np.empty((self.size,) + host.shape, dtype=host.dtype)

        def job():
            parts = self._gather_arrays(host, 0, "all_gather")
            if parts is not None:
                out[...] = np.stack(parts)
            self._bcast_into(out, 0, "all_gather")
        return self._submit("all_gather", job), out

    def barrier(self, what="barrier"):
        """Start a barrier."""
        return self._submit(what, lambda: self._objects(None, what))

    def bcast_object(self, obj, root=0):
        """Broadcast a picklable object from ``root`` (blocking)."""
        def job():
            if self.rank == root:
                for r in range(self.size):
                    if r != root:
                        self._send_obj_to(r, obj)
                return obj
            return self._recv_obj(self.peers[root], root, "broadcast_object")
        return self._submit("broadcast_object", job).wait(self.timeout)

    def allgather_object(self, obj):
        """Every rank's picklable object, in rank order (blocking)."""
        return self._submit("all_gather_object", lambda: self._objects(obj, "all_gather_object")).wait(self.timeout)

    def send(self, array, dst):
        """Start sending ``array`` to rank ``dst``."""
        host = np.ascontiguousarray(backend.to_device(array, "cpu")).copy()
        sent = []

        def finish():
            sent[0].wait(self.timeout, "send")
        return self._submit("send", lambda: sent.append(self._senders[dst].post(host)), finish)

    def recv(self, array, src=None):
        """Start receiving into ``array`` from rank ``src`` (None: whichever rank sends first);
        the request's ``wait()`` returns the sender's rank."""
        host, copy_back = self._host(array)

        def job():
            peer = src
            if peer is None:
                socks = {s: r for r, s in self.peers.items()}
                ready, _, _ = select.select(list(socks), [], [], self.timeout)
                if not ready:
                    raise RuntimeError(f"minidl.distributed: recv on rank {self.rank} timed out after "
                                       f"{self.timeout or 0:g} s")
                peer = min(socks[s] for s in ready)
            self._recv_bytes(self.peers[peer], peer, "recv", into=host)
            return peer
        return self._submit("recv", job, copy_back)

    def abort(self, code=1):
        """Close every connection (the other ranks' collectives fail at once) and end this process."""
        self._close()
        os._exit(code)

    def _close(self):
        for sender in getattr(self, "_senders", {}).values():
            sender.queue.put(None)
        for sock in self.peers.values():
            try:
                sock.close()
            except OSError:
                pass
        self.peers = {}

    def free(self):
        """Finish the queued operations, stop the worker thread and close the sockets."""
        jobs = getattr(self, "_jobs", None)
        if jobs is not None:
            self._jobs = None
            jobs.put(None)
            self._thread.join(5.0 if self.timeout is None else self.timeout)
        senders, self._senders = getattr(self, "_senders", {}), {}
        for sender in senders.values():  # let what was sent reach the peers before closing
            sender.queue.put(None)
        for sender in senders.values():
            sender.thread.join(5.0 if self.timeout is None else self.timeout)
        self._close()
