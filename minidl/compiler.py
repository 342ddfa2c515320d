"""``minidl.compiler`` (as ``torch.compiler``): the switches scripts use around ``torch.compile``.

minidl compiles nothing (``minidl.compile`` runs the model eagerly), so code never runs "compiled":
:func:`is_compiling`, :func:`is_dynamo_compiling` and :func:`is_exporting` are False, :func:`disable` and the
graph-boundary decorators leave functions as they are, and :func:`set_stance` only records its stance. Those
are exactly PyTorch's answers for code running eagerly. :func:`wrap_numpy` does real work: it lets a NumPy
function take and return Tensors.
"""
from __future__ import annotations

import contextlib
import functools

__all__ = ["compile", "reset", "allow_in_graph", "assume_constant_result", "disable", "is_compiling",
           "is_dynamo_compiling", "is_exporting", "cudagraph_mark_step_begin", "list_backends", "set_stance",
           "wrap_numpy", "get_default_backend", "set_default_backend", "nested_compile_region"]

_settings = {"backend": "inductor", "stance": "default"}


def compile(*args, **kwargs):  # noqa: A001
    """``torch.compiler.compile``: :func:`minidl.compile` (the model run eagerly)."""
    from .functions_runtime import compile as compile_
    return compile_(*args, **kwargs)


def reset() -> None:
    """Clear compilation caches: minidl keeps none."""


def allow_in_graph(fn):
    """Mark ``fn`` as safe to put in a compiled graph; returns ``fn``."""
    return fn


def assume_constant_result(fn):
    """Mark ``fn``'s result as a compile-time constant; returns ``fn``."""
    return fn


def nested_compile_region(fn=None, **kwargs):
    """Mark ``fn`` as a region compiled once and reused; returns ``fn`` (or a decorator that does)."""
    return (lambda f: f) if fn is None else fn


def disable(fn=None, recursive=True, *, reason=None):
    """Keep ``fn`` out of compilation (a decorator with or without arguments); ``fn`` runs as it is."""
    return (lambda f: f) if fn is None else fn


def is_compiling() -> bool:
    """Whether code is being traced by the compiler: always False in minidl."""
    return False


def is_dynamo_compiling() -> bool:
    """Whether TorchDynamo is tracing: always False in minidl."""
    return False


def is_exporting() -> bool:
    """Whether ``torch.export`` is tracing: always False in minidl."""
    return False


def cudagraph_mark_step_begin() -> None:
    """Mark the start of a step for CUDA graphs: minidl records no CUDA graphs."""


def list_backends(exclude_tags=("debug", "experimental")) -> list:
    """The backend names PyTorch's ``torch.compile`` accepts (``minidl.compile`` checks against them)."""
    from .functions_runtime import _BACKENDS
    return sorted(b for b in _BACKENDS if b in ("cudagraphs", "inductor", "openxla", "tvm"))


def get_default_backend():
    """The default backend name (``"inductor"`` unless :func:`set_default_backend` changed it)."""
    return _settings["backend"]


def set_default_backend(backend) -> None:
    """Set the default backend name (or callable) returned by :func:`get_default_backend`."""
    _settings["backend"] = "inductor" if backend is None else backend


class set_stance(contextlib.ContextDecorator):
    """``set_stance(stance="default", *, skip_guard_eval_unsafe=False, force_backend=None)``: the compiler's
    stance from now on, or inside a ``with`` block / decorated function (restored after). minidl runs
    everything eagerly whatever the stance."""

    def __init__(self, stance="default", *, skip_guard_eval_unsafe=False, force_backend=None):
        self._previous = _settings["stance"]
        self.stance = stance
        _settings["stance"] = stance

    def __enter__(self):
        _settings["stance"] = self.stance
        return self

    def __exit__(self, *exc):
        _settings["stance"] = self._previous
        return False


def wrap_numpy(fn):
    """``fn`` (written for NumPy arrays) taking and returning Tensors: Tensor arguments (also inside lists,
    tuples and dicts) become NumPy arrays, array results become Tensors (NumPy scalars stay scalars)."""
    import numpy as np

    from .tensor import Tensor

    def to_numpy(value):
        if isinstance(value, Tensor):
            return value.detach().numpy()
        if isinstance(value, (list, tuple)):
            return type(value)(to_numpy(v) for v in value)
        if isinstance(value, dict):
            return {k: to_numpy(v) for k, v in value.items()}
        return value

    def to_tensor(value):
        if isinstance(value, np.ndarray):
            return Tensor(value)
        if isinstance(value, (list, tuple)):
            return type(value)(to_tensor(v) for v in value)
        if isinstance(value, dict):
            return {k: to_tensor(v) for k, v in value.items()}
        return value

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        return to_tensor(fn(*to_numpy(args), **to_numpy(kwargs)))
    return wrapped
