"""State dicts of :class:`~minidl.nn.module.Module`: saving and loading by dotted names.

Keys are PyTorch's (``features.0.weight``, ``bn1.running_mean``,
``bn1.num_batches_tracked``); loading copies in place, so an optimiser built
before the load keeps updating the same Parameter objects.
"""
from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np

from minidl import backend
from minidl.dtypes import default_float
from minidl.size import Size
from minidl.tensor import Tensor

__all__ = ["state_dict", "load_state_dict"]

# Keys the loader tolerates when absent (old checkpoints, Keras ports).
_OPTIONAL_STATE = ("num_batches_tracked",)
_EXTRA_STATE = "_extra_state"   # the key of a module's get_extra_state() value, as in PyTorch


def _as_array(data):
    """The backend array inside ``data`` (a Tensor, a NumPy/CuPy array, or array-like)."""
    if isinstance(data, Tensor):
        return data.array
    if backend.is_array(data):   # NumPy, device and meta arrays
        return data
    arr = np.asarray(data)
    if isinstance(data, (list, tuple, float)) and arr.dtype == np.float64:
        arr = arr.astype(default_float())  # Python floats take the default dtype, as in mdl.tensor
    return arr


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: ``(missing_keys, unexpected_keys)``."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


def _is_lazy(tensor):
    """Whether ``tensor`` is a lazy module's not yet materialised parameter or buffer."""
    from minidl.nn.parameter import is_lazy
    return is_lazy(tensor)


def state_dict(module, destination=None, prefix="", keep_vars=False):
    """dotted name -> Tensor for every parameter and persistent buffer of ``module`` (an uninitialised
    parameter or buffer of a lazy module is kept as itself, as PyTorch does)."""
    if destination is None:
        destination = OrderedDict()
    for hook in module.__dict__.get("_state_dict_pre_hooks", {}).values():
        hook(module, prefix, keep_vars)
    for name, p in module._parameters.items():
        if p is not None:
            destination[prefix + name] = p if keep_vars or _is_lazy(p) else Tensor(p.array)
    for name, b in module._buffers.items():
        if b is not None and name not in module._non_persistent_buffers:
            destination[prefix + name] = b if keep_vars or _is_lazy(b) else Tensor(b.array)
    if _has_extra_state(module):
        destination[prefix + _EXTRA_STATE] = module.get_extra_state()
    for name, m in module._modules.items():
        if m is not None:
            state_dict(m, destination, prefix + name + ".", keep_vars)
    for private, hook in module.__dict__.get("_state_dict_hooks", {}).values():
        result = hook(module, destination, prefix, {"version": getattr(module, "_version", 1)})
        if not private and result is not None:
            raise RuntimeError("state_dict post-hook must return None")
        if private and result is not None:          # PyTorch's private hooks may return a new dict
            destination = result
    return destination


def add_hook(module, table_name, hook, prepend=False):
    """Register ``hook`` in the ordered table ``table_name`` of ``module``; returns its handle."""
    from minidl.nn.module import RemovableHandle
    table = module.__dict__.get(table_name)
    if table is None:
        table = OrderedDict()
        object.__setattr__(module, table_name, table)
    handle = RemovableHandle(table)
    table[handle.id] = hook
    if prepend:
        table.move_to_end(handle.id, last=False)
    return handle


def _run_load_post_hooks(module, keys):
    """Run each ``hook(submodule, incompatible_keys)``; they may edit the key lists before strict checks."""
    for sub in module.modules():
        for hook in list(sub.__dict__.get("_load_state_dict_post_hooks", {}).values()):
            if hook(sub, keys) is not None:
                raise RuntimeError("Hooks registered with ``register_load_state_dict_post_hook`` are not"
                                   "expected to return new values, if incompatible_keys need to be modified,"
                                   "it should be done inplace.")


def _has_extra_state(module):
    """Whether ``module``'s class overrides ``get_extra_state`` (PyTorch then saves it under "_extra_state")."""
    from minidl.nn.module import Module
    return getattr(type(module), "get_extra_state", None) is not getattr(Module, "get_extra_state", None)


def _extra_states(module):
    """dotted "_extra_state" key -> module, for every module whose class overrides ``get_extra_state``."""
    return OrderedDict((p + ("." if p else "") + _EXTRA_STATE, sub)
                       for p, sub in module.named_modules(remove_duplicate=False) if _has_extra_state(sub))


def _own_state(module):
    """dotted name -> (owner module, local name, Tensor) for every state-dict entry."""
    out = OrderedDict()
    for mod_prefix, sub in module.named_modules(remove_duplicate=False):
        p = mod_prefix + "." if mod_prefix else ""
        for name, t in sub._parameters.items():
            if t is not None:
                out[p + name] = (sub, name, t)
        for name, t in sub._buffers.items():
            if t is not None and name not in sub._non_persistent_buffers:
                out[p + name] = (sub, name, t)
    return out


def add_load_state_dict_pre_hook(module, hook):
    """Register ``hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)``
    (PyTorch's private load-state-dict pre-hook signature) to run on a copy of the state dict before
    ``module`` (or a module containing it) loads one; the hook may rename or add keys."""
    return add_hook(module, "_load_state_dict_pre_hooks", hook)


def _run_load_pre_hooks(module, state_dict, strict):
    """``state_dict`` after the pre-hooks of ``module`` and its descendants (on a copy, when there are any)."""
    hooked = [(p, sub) for p, sub in module.named_modules(remove_duplicate=False)
              if sub.__dict__.get("_load_state_dict_pre_hooks")]
    if not hooked or not hasattr(state_dict, "items"):
        return state_dict
    state_dict = OrderedDict(state_dict)
    for mod_prefix, sub in hooked:
        for hook in list(sub._load_state_dict_pre_hooks.values()):
            hook(state_dict, mod_prefix + "." if mod_prefix else "", {}, strict, [], [], [])
    return state_dict


def load_state_dict(module, state_dict, strict=True, assign=False):
    """See :meth:`Module.load_state_dict`; returns ``(missing_keys, unexpected_keys)``."""
    from minidl.nn.module import Parameter
    if not hasattr(state_dict, "items"):
        raise TypeError(f"load_state_dict expects a dict, got {type(state_dict).__name__}")
    state_dict = _run_load_pre_hooks(module, state_dict, strict)
    for mod_prefix, sub in module.named_modules(remove_duplicate=False):
        if sub.__dict__.get("_lazy_pending"):   # a lazy module not run yet: shape its parameters from the checkpoint
            sub._lazy_load_hook(state_dict, mod_prefix + "." if mod_prefix else "")
    own = _own_state(module)
    extra = _extra_states(module)
    missing = [k for k in own if k not in state_dict and k.rsplit(".", 1)[-1] not in _OPTIONAL_STATE]
    missing += [k for k in extra if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own and k not in extra]
    errors, copies = [], []
    for key, (owner, name, target) in own.items():
        if key not in state_dict:
            continue
        value = state_dict[key]
        if _is_lazy(value) or _is_lazy(target):
            if not (_is_lazy(value) and _is_lazy(target)):   # both lazy: nothing to copy, as in PyTorch
                errors.append(f"load_state_dict: {key}: " + "Can't access the shape of an uninitialized "
                              "parameter or buffer: run a forward pass to initialize it before loading")
            continue
        array = _as_array(value) if value is not None else None
        if array is None:
            errors.append(f"load_state_dict: value for {key} is None")
            continue
        if tuple(array.shape) != tuple(target.shape):
            errors.append(f"size mismatch for {key}: copying a param with shape {Size(array.shape)!r} from "
                          f"checkpoint, the shape in current model is {Size(target.shape)!r}.")
            continue
        copies.append((owner, name, target, value, array))
    keys = _IncompatibleKeys(missing, unexpected)
    _run_load_post_hooks(module, keys)
    if strict:
        # PyTorch's wording: missing keys first, then unexpected keys, then the rest
        if unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
    if errors:
        raise RuntimeError(f"Error(s) in loading state_dict for {type(module).__name__}:\n\t"
                           + "\n\t".join(errors))
    from .. import __future__ as future
    swap = future.get_swap_module_params_on_conversion()
    for owner, name, target, value, array in copies:
        if swap:   # PyTorch's swap path: module_load's result swapped into the module's own tensor object
            _swap_in(target, value if isinstance(value, Tensor) else Tensor(array), assign, Parameter)
            continue
        if assign:
            if isinstance(target, Parameter):
                new = value if isinstance(value, Parameter) else Parameter(array, target.requires_grad)
                owner._parameters[name] = new
            else:
                owner._buffers[name] = value if isinstance(value, Tensor) else Tensor(array)
            continue
        if backend.is_meta_array(target.array):   # PyTorch's warning: a copy into a meta tensor does nothing
            if not backend.is_meta_array(array):
                import warnings
                warnings.warn(f"for {name}: copying from a non-meta parameter in the checkpoint to a meta parameter "
                              "in the current model, which is a no-op. (Did you mean to pass `assign=True` to assign "
                              "items in the state dictionary to their corresponding key in the module instead of "
                              "copying them in place?)", UserWarning, stacklevel=3)
            continue
        array = backend.to_device(array, target.device)
        xp = backend.get_array_module(target.array)
        target.array[...] = xp.asarray(array).astype(target.dtype, copy=False)
    for key, sub in extra.items():
        if key in state_dict:
            sub.set_extra_state(state_dict[key])
    return keys


def _swap_in(target, value, assign, parameter_cls):
    """``load_state_dict`` under ``torch.__future__.set_swap_module_params_on_conversion(True)``: ``target`` keeps
    its identity and takes what ``target.module_load(value, assign)`` gives (a Parameter stays a Parameter)."""
    from ..autograd.grad_mode import no_grad
    from ..utils.swap import swap_tensors
    with no_grad():   # PyTorch loads state dicts under no_grad: copy_ into a parameter is allowed
        new = target.module_load(value, assign=assign)
    if new is value or new is target:
        raise RuntimeError("module_load returned one of self or other, please .detach() the result if returning "
                           "one of the inputs in module_load")
    if isinstance(target, parameter_cls):
        if not isinstance(new, parameter_cls):
            new = parameter_cls(new, requires_grad=target.requires_grad)
        else:
            new.requires_grad_(target.requires_grad)
    swap_tensors(target, new)
