"""``jit.trace`` / ``jit.trace_module`` and ``jit.freeze`` / ``jit.optimize_for_inference``.

A trace runs the function or module once on the example inputs, with :func:`~minidl.jit.is_tracing`
True, checks what PyTorch's tracer checks (Tensor inputs, Tensor/tuple/list outputs; a dict output only
with ``strict=False``), and returns a scripted object that runs the Python again on each call. PyTorch's
trace instead records the ops of that one run, so a traced function with data-dependent control flow
follows the branch of the example in PyTorch (with a ``TracerWarning``) and the branch of each input in
minidl: the results agree whenever the trace was valid in PyTorch.
"""
from __future__ import annotations

import copy

from ..nn.module import Module
from ..tensor import Tensor
from ._script import RecursiveScriptModule, ScriptFunction, ScriptModule
from ._state import running

__all__ = ["trace", "trace_module", "freeze", "optimize_for_inference"]


def _check_inputs(value, where):
    if isinstance(value, Tensor):
        return
    if isinstance(value, (tuple, list)):
        for item in value:
            _check_inputs(item, where)
        return
    if isinstance(value, dict):
        for item in value.values():
            _check_inputs(item, where)
        return
    raise RuntimeError(f"{where}: Type '{type(value).__name__}' cannot be traced. Only Tensors and (possibly "
                       "nested) Lists, Dicts, and Tuples of Tensors can be traced")


def _check_outputs(value, strict, where):
    if isinstance(value, Tensor):
        return
    if isinstance(value, (tuple, list)):
        for item in value:
            _check_outputs(item, strict, where)
        return
    if isinstance(value, dict):
        if strict:
            raise RuntimeError("Encountering a dict at the output of the tracer might cause the trace to be "
                               "incorrect, this is only valid if the container structure does not change based "
                               "on the module's inputs. Consider using a constant container instead (e.g. for "
                               "`list`, use a `tuple` instead. for `dict`, use a `NamedTuple` instead). If you "
                               "absolutely need this and know the side effects, pass strict=False to trace() to "
                               "allow this behavior.")
        for item in value.values():
            _check_outputs(item, strict, where)
        return
    raise RuntimeError(f"{where}: Only tensors, lists, tuples of tensors, or dictionary of tensors can be output "
                       f"from traced functions; got {type(value).__name__}")


def _run_once(fn, example_inputs, example_kwarg_inputs, strict, where):
    if example_inputs is None and example_kwarg_inputs is None:
        raise RuntimeError(f"{where}: example_kwarg_inputs or example_inputs must be provided")
    if example_kwarg_inputs is not None:
        if not isinstance(example_kwarg_inputs, dict):
            raise RuntimeError(f"{where}: example_kwarg_inputs must be a dict, got "
                               f"{type(example_kwarg_inputs).__name__}")
        args, kwargs = (), dict(example_kwarg_inputs)
    else:
        args, kwargs = (example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)), {}
    _check_inputs(args, where)
    _check_inputs(kwargs, where)
    with running(tracing=True):
        out = fn(*args, **kwargs)
    _check_outputs(out, strict, where)
    return out


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-05,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs=True):
    """``jit.trace(func, example_inputs)``: run ``func`` (a function or a Module) once on ``example_inputs``
    (a Tensor, or a tuple of positional arguments; or ``example_kwarg_inputs``, a dict) with
    ``is_tracing()`` True, and return a :class:`RecursiveScriptModule` (for a Module, sharing its
    parameters) or a :class:`ScriptFunction` that computes exactly what ``func`` computes.

    Inputs must be Tensors or nested tuples/lists/dicts of Tensors and outputs Tensors or tuples/lists
    of them (dicts only with ``strict=False``): anything else raises ``RuntimeError`` as in PyTorch.
    ``check_trace``/``check_inputs``/``check_tolerance`` compare PyTorch's recorded graph against the
    Python; minidl records no graph (each call runs the Python), so there is nothing to compare.
    """
    if isinstance(func, ScriptModule) or isinstance(func, ScriptFunction):
        return func
    if isinstance(func, Module):
        return trace_module(func, {"forward": example_inputs} if example_kwarg_inputs is None
                            else {"forward": example_kwarg_inputs}, strict=strict,
                            example_inputs_is_kwarg=example_kwarg_inputs is not None)
    if not callable(func):
        raise RuntimeError(f"jit.trace: expected a function or an nn.Module, got {type(func).__name__}")
    owner = getattr(func, "__self__", None)
    if isinstance(owner, Module) and getattr(func, "__name__", None) != "forward":
        name = func.__name__
        traced = trace_module(owner, {name: example_inputs}, strict=strict)
        return getattr(traced, name)
    _run_once(func, example_inputs, example_kwarg_inputs, strict, f"jit.trace({getattr(func, '__name__', func)})")
    return ScriptFunction(func, traced=True)


def trace_module(mod, inputs, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-05,
                 strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
                 example_inputs_is_kwarg=False, _store_inputs=True):
    """``jit.trace_module(mod, {"forward": example, "method": example, ...})``: run each named method once on
    its example inputs (as :func:`trace`) and return the module as a :class:`RecursiveScriptModule`."""
    if not isinstance(mod, Module):
        raise AttributeError("expected torch.nn.Module as the first argument")
    if not isinstance(inputs, dict):
        raise AttributeError("expected a dictionary of (method_name, input) pairs")
    for name, example in inputs.items():
        method = getattr(mod, name)
        where = f"jit.trace_module({type(mod).__name__}.{name})"
        target = mod if name == "forward" else method
        if example_inputs_is_kwarg:
            _run_once(target, None, example, strict, where)
        else:
            _run_once(target, example, None, strict, where)
    return RecursiveScriptModule(mod, _traced=True) if not isinstance(mod, ScriptModule) else mod


def _require_script_module(mod, what):
    if not isinstance(mod, ScriptModule):
        raise RuntimeError(f"{what} expects a ScriptModule as input. Please use torch.jit.script or "
                           "torch.jit.trace to script your 'nn.Module'.")


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    """``jit.freeze(scripted_module)``: a frozen copy of an eval-mode scripted module: its parameters and
    buffers become constants (copied, no gradients; ``parameters()`` and ``state_dict()`` are empty, as
    PyTorch's), and it computes what the module computed. ``preserved_attrs`` stay reachable as attributes
    (every attribute does, in minidl)."""
    _require_script_module(mod, "Freezing")
    if mod.training:
        raise RuntimeError("Freezing is currently only implemented for modules in eval mode. Please call .eval() "
                           "on your module before freezing.")
    if getattr(mod, "_minidl_frozen", False):
        return mod
    original = mod.__dict__.get("_original", mod)
    constants = copy.deepcopy(original)
    for tensor in list(constants.parameters()) + list(constants.buffers()):
        tensor.requires_grad_(False)
    frozen = RecursiveScriptModule(constants, _frozen=True, _traced=mod.__dict__.get("_minidl_traced", False))
    object.__setattr__(frozen, "_minidl_frozen", True)
    return frozen


def optimize_for_inference(mod, other_methods=None):
    """``jit.optimize_for_inference(scripted_module)``: the module frozen (``mod.eval()`` first, as PyTorch
    does when it is not frozen yet); minidl runs no graph passes, so the result computes exactly what the
    module computed."""
    _require_script_module(mod, "optimize_for_inference")
    if getattr(mod, "_minidl_frozen", False):
        return mod
    return freeze(mod.eval())
