"""Grad mode: whether operations are recorded in the graph (per thread), as in PyTorch.

``no_grad``, ``enable_grad``, ``set_grad_enabled`` and ``inference_mode`` work
as context managers and as decorators (``@no_grad()`` or bare ``@no_grad``);
``set_grad_enabled(mode)`` called as a plain function switches the mode until
it is switched back.
"""
from __future__ import annotations

import functools
import inspect
import threading

__all__ = ["is_grad_enabled", "set_grad_enabled", "no_grad", "enable_grad", "inference_mode",
           "is_inference_mode_enabled"]

_state = threading.local()


def is_grad_enabled() -> bool:
    """True unless grad mode was switched off (inside :class:`no_grad`, say), per thread."""
    return getattr(_state, "enabled", True)


def _set_enabled(mode):
    _state.enabled = bool(mode)


class _GradModeContext:
    """Base of the grad-mode switches: a context manager that is also a decorator."""

    def _mode(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def __enter__(self):
        self._previous = is_grad_enabled()
        _set_enabled(self._mode())
        return None

    def __exit__(self, *exc):
        _set_enabled(self._previous)
        return False

    def clone(self):
        """A fresh context manager of the same kind (a decorator uses one per call)."""
        return self.__class__()

    def __call__(self, func):
        """Decorate ``func`` (a function or a generator function) to run in this grad mode."""
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def generator(*args, **kwargs):
                gen = func(*args, **kwargs)
                try:
                    with self.clone():
                        request = gen.send(None)
                    while True:
                        try:
                            response = yield request
                        except GeneratorExit:
                            with self.clone():
                                gen.close()
                            raise
                        except BaseException as exc:  # forward throw() into the generator
                            with self.clone():
                                request = gen.throw(exc)
                        else:
                            with self.clone():
                                request = gen.send(response)
                except StopIteration as stop:
                    return stop.value
            return generator

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper


class _NoParamDecorator(_GradModeContext):
    """Allows the bare decorator form ``@no_grad`` besides ``@no_grad()``."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecorator):
    """Context manager and decorator: no graph is recorded inside it (inference, updates).

    >>> import minidl as mdl
    >>> x = mdl.tensor([1.0, 2.0], requires_grad=True)
    >>> with mdl.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    >>> @mdl.no_grad()
    ... def double(t):
    ...     return t * 2
    >>> double(x).requires_grad
    False
    """

    def _mode(self):
        return False


class enable_grad(_NoParamDecorator):
    """Context manager and decorator that records the graph again, e.g. inside :class:`no_grad`.

    >>> import minidl as mdl
    >>> x = mdl.tensor([1.0], requires_grad=True)
    >>> with mdl.no_grad():
    ...     with mdl.enable_grad():
    ...         y = x * 2
    >>> y.requires_grad
    True
    """

    def _mode(self):
        return True


class set_grad_enabled(_GradModeContext):
    """Switch graph recording on or off: as a call, a context manager or a decorator.

    Called as a plain function (``mdl.set_grad_enabled(False)``) it switches
    the mode at once, for this thread, until switched back. Used in a ``with``
    statement it restores the previous mode on exit; used as a decorator it
    runs the function in ``mode`` and leaves the caller's mode alone.

    >>> import minidl as mdl
    >>> x = mdl.tensor([1.0], requires_grad=True)
    >>> with mdl.set_grad_enabled(False):
    ...     (x * 2).requires_grad
    False
    >>> mdl.is_grad_enabled()
    True
    """

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self._previous = is_grad_enabled()
        _set_enabled(self.mode)   # takes effect now, as PyTorch's does

    def _mode(self):
        return self.mode

    def __enter__(self):
        return None              # __init__ already switched; keep the mode seen before it

    def __call__(self, func):
        _set_enabled(self._previous)  # decorating must not change the caller's mode
        return super().__call__(func)

    def clone(self):
        previous = is_grad_enabled()
        ctx = self.__class__(self.mode)
        ctx._previous = previous
        return ctx


_inference = threading.local()


def is_inference_mode_enabled() -> bool:
    """True inside :class:`inference_mode`."""
    return getattr(_inference, "enabled", False)


class inference_mode(_GradModeContext):
    """Like :class:`no_grad`, for pure inference: nothing is recorded inside it.

    ``inference_mode(mode=True)``; with ``mode=False`` it changes nothing. minidl
    has no separate "inference tensor" kind, so results behave like tensors made
    under ``no_grad``.
    """

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):   # bare @inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def _mode(self):
        return False if self.mode else is_grad_enabled()

    def __enter__(self):
        self._previous_inference = is_inference_mode_enabled()
        _inference.enabled = self.mode or self._previous_inference
        return super().__enter__()

    def __exit__(self, *exc):
        _inference.enabled = self._previous_inference
        return super().__exit__(*exc)

    def clone(self):
        return self.__class__(self.mode)
