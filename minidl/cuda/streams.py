"""``minidl.cuda``'s streams and events, as ``torch.cuda.Stream``/``Event``/``current_stream``/``stream``
(CuPy's, through :mod:`minidl.backend`).

Without a usable GPU, making a Stream or Event or asking for the current stream raises
:class:`~minidl.cuda._unavailable.CudaUnavailableError`; ``stream(None)`` is a no-op context, as in PyTorch.

>>> import minidl as mdl
>>> with mdl.cuda.stream(None):
...     pass
"""
from __future__ import annotations

from .. import backend
from ._unavailable import require_gpu

__all__ = ["Stream", "Event", "current_stream", "default_stream", "stream", "StreamContext", "set_stream"]


class Stream:
    """A CUDA stream (``Stream(device=None, priority=0)``): kernels queued on it run in order; different
    streams may overlap. Needs a GPU."""

    def __init__(self, device=None, priority=0, *, _handle=None):
        require_gpu("Stream")
        self._handle = backend.gpu_new("new", priority=priority) if _handle is None else _handle
        self.device = backend.Device("cuda", 0)

    @property
    def cuda_stream(self) -> int:
        """The raw ``cudaStream_t`` as an int."""
        return int(backend.gpu_sync(self._handle, "pointer"))

    def synchronize(self) -> None:
        """Wait until the work queued on this stream has finished."""
        backend.gpu_sync(self._handle, "synchronize")

    def query(self) -> bool:
        """True when the work queued on this stream has finished."""
        return backend.gpu_sync(self._handle, "query")

    def wait_event(self, event) -> None:
        """Make the work queued later on this stream wait for ``event``."""
        backend.gpu_sync(self._handle, "wait", event._handle)

    def wait_stream(self, stream) -> None:
        """Make the work queued later on this stream wait for what ``stream`` has queued so far."""
        self.wait_event(stream.record_event())

    def record_event(self, event=None):
        """Record ``event`` (a new one when None) on this stream and return it."""
        event = Event() if event is None else event
        event.record(self)
        return event

    def __eq__(self, other):
        return isinstance(other, Stream) and self.cuda_stream == other.cuda_stream

    def __hash__(self):
        return hash(self.cuda_stream)

    def __repr__(self):
        return f"<minidl.cuda.Stream device=cuda:0 cuda_stream={self.cuda_stream:#x}>"


class Event:
    """A CUDA event (``Event(enable_timing=False, blocking=False, interprocess=False)``): a marker recorded
    on a stream, to wait for or, with ``enable_timing``, to time between (``elapsed_time`` in ms).
    Needs a GPU."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        require_gpu("Event")
        self.enable_timing = enable_timing
        self._handle = backend.gpu_new("event", enable_timing, blocking)
        self._recorded = False

    def record(self, stream=None) -> None:
        """Record the event on ``stream`` (the current stream when None)."""
        backend.gpu_sync(self._handle, "record", None if stream is None else stream._handle)
        self._recorded = True

    def wait(self, stream=None) -> None:
        """Make ``stream`` (the current one when None) wait for this event."""
        (current_stream() if stream is None else stream).wait_event(self)

    def query(self) -> bool:
        """True when the work before the recorded point has finished."""
        return backend.gpu_sync(self._handle, "query")

    def synchronize(self) -> None:
        """Wait until the work before the recorded point has finished."""
        backend.gpu_sync(self._handle, "synchronize")

    def elapsed_time(self, end_event) -> float:
        """Milliseconds from this event to ``end_event`` (both recorded, both made with enable_timing=True)."""
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        if not (self._recorded and end_event._recorded):
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        return backend.gpu_sync(self._handle, "elapsed", end_event._handle)

    def __repr__(self):
        return f"<minidl.cuda.Event enable_timing={self.enable_timing}>"


def current_stream(device=None) -> Stream:
    """The stream minidl's GPU work is queued on now. Needs a GPU."""
    require_gpu("current_stream")
    return Stream(_handle=backend.gpu_new("current"))


def default_stream(device=None) -> Stream:
    """The default (null) stream. Needs a GPU."""
    require_gpu("default_stream")
    return Stream(_handle=backend.gpu_new("default"))


def set_stream(stream) -> None:
    """Make ``stream`` current (a no-op for None)."""
    if stream is not None:
        backend.gpu_sync(stream._handle, "use")


class StreamContext:
    """``with StreamContext(stream):`` queues the GPU work inside on ``stream`` and restores the previous
    stream after (a no-op for None)."""

    def __init__(self, stream):
        self.stream = stream
        self._previous = None

    def __enter__(self):
        if self.stream is not None:
            self._previous = backend.gpu_sync(self.stream._handle, "use")
        return self.stream

    def __exit__(self, *exc):
        if self._previous is not None:
            backend.gpu_sync(self._previous, "use")
            self._previous = None
        return False


def stream(stream) -> StreamContext:
    """``with minidl.cuda.stream(s):`` runs the enclosed GPU work on ``s`` (None: unchanged)."""
    return StreamContext(stream)
