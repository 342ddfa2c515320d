"""``torch.jit.fork`` / ``torch.jit.wait`` and ``torch.futures.Future``.

minidl runs ``fork``'s function at once, in the caller's thread (PyTorch's interpreter may run it on
another thread; the results are the same), and returns a completed :class:`Future`. A Future made
directly is completed by :meth:`Future.set_result` (from any thread); ``wait()`` blocks until then.
"""
from __future__ import annotations

import threading

__all__ = ["Future", "fork", "wait", "collect_all", "wait_all"]


class Future:
    """``torch.futures.Future`` (``torch.jit.Future``): a value that is, or will be, available.

    >>> fut = Future()
    >>> fut.done()
    False
    >>> fut.set_result(3)
    >>> fut.done(), fut.wait(), fut.value()
    (True, 3, 3)
    """

    def __init__(self, *, devices=None):
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._value = self._error = None
        self._callbacks = []

    def done(self) -> bool:
        """Whether a result or an exception has been set."""
        return self._done.is_set()

    def wait(self):
        """Block until the Future completes, then return its value (or raise its exception)."""
        self._done.wait()
        return self.value()

    def value(self):
        """The value of a completed Future (raises its exception if it failed)."""
        if not self._done.is_set():
            raise RuntimeError("Future.value(): the Future is not completed yet; call wait() first")
        if self._error is not None:
            raise self._error
        return self._value

    def _complete(self, value, error):
        with self._lock:
            if self._done.is_set():
                raise RuntimeError("Future can only be marked completed once.")
            self._value, self._error = value, error
            self._done.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)

    def set_result(self, result) -> None:
        """Complete the Future with ``result`` (RuntimeError if it is already completed)."""
        self._complete(result, None)

    def set_exception(self, result) -> None:
        """Complete the Future with the exception ``result``: ``wait()``/``value()`` raise it."""
        if not isinstance(result, BaseException):
            raise AssertionError(f"{result} is of type {type(result)}, not an Exception.")
        self._complete(None, result)

    def add_done_callback(self, callback) -> None:
        """Run ``callback(self)`` when the Future completes (at once if it already has)."""
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(callback)
                return
        callback(self)

    def then(self, callback):
        """A new Future completed with ``callback(self)`` once this one completes."""
        chained = Future()

        def run(fut):
            try:
                chained.set_result(callback(fut))
            except Exception as exc:   # the callback's failure goes into the chained Future, as PyTorch's
                chained.set_exception(exc)
        self.add_done_callback(run)
        return chained

    def __repr__(self):
        return f"<minidl.futures.Future done={self.done()}>"


def fork(func, *args, **kwargs):
    """``jit.fork(func, *args, **kwargs)``: run ``func(*args, **kwargs)`` and return a completed
    :class:`Future` holding its result (or its exception, raised by :func:`wait`)."""
    fut = Future()
    try:
        fut.set_result(func(*args, **kwargs))
    except Exception as exc:
        fut.set_exception(exc)
    return fut


def wait(future):
    """``jit.wait(future)``: the value of a Future made by :func:`fork` (blocks until it completes)."""
    if not isinstance(future, Future):
        raise TypeError(f"wait(): expected a Future, got {type(future).__name__}")
    return future.wait()


def collect_all(futures):
    """``torch.futures.collect_all(futures)``: a Future completed with the list of ``futures`` once all are."""
    futures = list(futures)
    combined = Future()
    remaining = [len(futures)]
    lock = threading.Lock()

    def one_done(_):
        with lock:
            remaining[0] -= 1
            last = remaining[0] == 0
        if last:
            combined.set_result(futures)
    if not futures:
        combined.set_result([])
    for fut in futures:
        fut.add_done_callback(one_done)
    return combined


def wait_all(futures):
    """``torch.futures.wait_all(futures)``: the list of the futures' values (raises the first exception)."""
    return [fut.wait() for fut in futures]
