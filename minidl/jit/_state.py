"""What ``minidl.jit`` code observes while it runs: ``is_scripting()``, ``is_tracing()`` and the decorators.

minidl has no TorchScript compiler: scripted and traced code runs as the Python it is. A per-thread
counter records whether a scripted function or module (or a trace) is running, so that
:func:`is_scripting` and :func:`is_tracing` answer as they would in PyTorch, and the decorators
:func:`ignore`, :func:`unused` and :func:`export` keep PyTorch's observable meaning: an ignored function
runs as plain Python (``is_scripting()`` False inside it), an unused one raises :class:`Error` when
scripted code calls it, an exported method is callable on the scripted module.
"""
from __future__ import annotations

import contextlib
import functools
import threading
import typing

__all__ = ["is_scripting", "is_tracing", "ignore", "unused", "export", "interface", "annotate", "Final",
           "Attribute", "script_method", "script_if_tracing", "isinstance", "Error", "TracerWarning",
           "ScriptWarning", "TracingCheckError", "optimized_execution", "fuser"]

_depth = threading.local()

#: ``torch.jit.Final``: marks a module attribute as a constant (``typing.Final``, as PyTorch's)
Final = typing.Final


class Error(Exception):
    """``torch.jit.Error``: raised when scripted code fails (an ``@unused`` function called, ...)."""


class TracerWarning(Warning):
    """``torch.jit.TracerWarning``: a trace may not generalise to other inputs."""


class ScriptWarning(Warning):
    """``torch.jit.ScriptWarning``: a warning about scripted code."""


class TracingCheckError(Exception):
    """``torch.jit.TracingCheckError``: a trace check failed."""

    def __init__(self, graph_diff_error, tensor_compare_error, extra_msg=None):
        self.message = "Tracing failed sanity checks!\n" + (extra_msg or "")
        self.message += (graph_diff_error or "") + (tensor_compare_error or "")
        super().__init__(self.message)


def _get(name):
    return getattr(_depth, name, 0)


@contextlib.contextmanager
def running(scripting=None, tracing=None):
    """Internal: a block during which ``is_scripting()`` / ``is_tracing()`` give the values set here
    (None keeps the current one)."""
    saved = (_get("scripting"), _get("tracing"))
    if scripting is not None:
        _depth.scripting = saved[0] + 1 if scripting else 0
    if tracing is not None:
        _depth.tracing = saved[1] + 1 if tracing else 0
    try:
        yield
    finally:
        _depth.scripting, _depth.tracing = saved


def is_scripting() -> bool:
    """True while a function or module made by :func:`minidl.jit.script` runs (False in plain Python code,
    in ``@jit.ignore`` functions, and during :func:`minidl.jit.trace`), as ``torch.jit.is_scripting``."""
    return _get("scripting") > 0


def is_tracing() -> bool:
    """True while :func:`minidl.jit.trace` runs its function once (and not inside scripted code),
    as ``torch.jit.is_tracing``."""
    return _get("tracing") > 0 and _get("scripting") == 0


def ignore(drop=False, **kwargs):
    """``@jit.ignore`` / ``@jit.ignore(drop=False)``: the function stays Python: scripted code that calls it
    runs it with ``is_scripting()`` False. ``drop=True`` is :func:`unused`."""
    if callable(drop):   # used bare: @ignore
        return _ignored(drop)
    if not isinstance(drop, bool):
        raise RuntimeError(f"Argument to @torch.jit.ignore must be a bool or a function but got {drop}")
    if kwargs.get("drop_on_export", False):
        drop = True
    return unused if drop else _ignored


def _ignored(fn):
    @functools.wraps(fn)
    def python_call(*args, **kwargs):
        with running(scripting=False, tracing=False if _get("tracing") else None):
            return fn(*args, **kwargs)
    python_call._minidl_jit_modifier = "ignore"
    return python_call


def unused(fn):
    """``@jit.unused``: the function (or property) is left out of scripting: calling it from scripted code
    raises :class:`Error`; plain Python calls run it as usual."""
    if isinstance(fn, property):
        return property(unused(fn.fget) if fn.fget else None, unused(fn.fset) if fn.fset else None,
                        fn.fdel, fn.__doc__)

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        if is_scripting():
            raise Error(f"{getattr(fn, '__qualname__', fn)}: This Python function is annotated to be ignored "
                        "and cannot be run")
        return fn(*args, **kwargs)
    guarded._minidl_jit_modifier = "unused"
    return guarded


def export(fn):
    """``@jit.export``: the method is compiled with the module and callable on the scripted module (every
    method is, in minidl, since it runs the Python); returns ``fn`` marked."""
    fn._minidl_jit_modifier = "export"
    return fn


def script_method(fn):
    """``@jit.script_method`` (the old ``ScriptModule`` subclass API): the method, unchanged."""
    return fn


def interface(obj):
    """``@jit.interface``: declares a module or class interface (used in type annotations); returns ``obj``."""
    if not isinstance(obj, type):
        raise RuntimeError("interface must be applied to a class")
    obj.__torch_script_interface__ = True
    return obj


def annotate(the_type, the_value):
    """``jit.annotate(type, value)``: tells the compiler ``value``'s type; returns ``value``."""
    return the_value


class Attribute(typing.NamedTuple):
    """``jit.Attribute(value, type)``: an attribute with its type, for the old ``ScriptModule`` API."""

    value: typing.Any
    type: typing.Any


def script_if_tracing(fn):
    """``@jit.script_if_tracing``: ``fn`` is scripted when called during a trace (in minidl both run
    the Python, with ``is_scripting()`` True in the scripted case)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if not is_tracing():
            return fn(*args, **kwargs)
        with running(scripting=True):
            return fn(*args, **kwargs)
    wrapper.__original_fn = fn
    return wrapper


def isinstance(obj, target_type) -> bool:  # noqa: A001  (torch.jit.isinstance)
    """``jit.isinstance(obj, type)``: ``isinstance`` that also understands ``List[int]``, ``Dict[str, Tensor]``,
    ``Tuple[...]`` and ``Optional[...]`` (checking every element, as refined types in TorchScript)."""
    import builtins
    origin, args = typing.get_origin(target_type), typing.get_args(target_type)
    if origin is None:
        if target_type is typing.Any:
            return True
        if target_type is None or target_type is type(None):
            return obj is None
        return builtins.isinstance(obj, target_type)
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        return any(isinstance(obj, a) for a in args)
    if origin in (list, set, frozenset):
        return builtins.isinstance(obj, origin) and all(isinstance(x, args[0]) for x in obj) if args \
            else builtins.isinstance(obj, origin)
    if origin is tuple:
        if not builtins.isinstance(obj, tuple):
            return False
        if not args:
            return True
        if len(args) == 2 and args[1] is Ellipsis:
            return all(isinstance(x, args[0]) for x in obj)
        return len(obj) == len(args) and all(isinstance(x, a) for x, a in zip(obj, args))
    if origin is dict:
        return builtins.isinstance(obj, dict) and (not args or all(
            isinstance(k, args[0]) and isinstance(v, args[1]) for k, v in obj.items()))
    return builtins.isinstance(obj, origin)


@contextlib.contextmanager
def optimized_execution(should_optimize):
    """``with jit.optimized_execution(flag):``: PyTorch's switch for its graph optimiser; minidl runs scripted
    code as Python, so there is nothing to switch and the block runs as it is."""
    yield


@contextlib.contextmanager
def fuser(name):
    """``with jit.fuser("fuser0" | "fuser1" | "fuser2" | "none"):``: PyTorch's choice of kernel fuser; minidl
    fuses nothing (scripted code runs as Python), so the block runs as it is. Unknown names raise."""
    if name not in ("fuser0", "fuser1", "fuser2", "fuser3", "none"):
        raise Exception(f"unrecognized fuser option (name: {name})")
    yield
