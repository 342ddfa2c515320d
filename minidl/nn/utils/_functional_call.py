"""``functional_call``: run a module with some of its parameters and buffers replaced (``torch.func.functional_call``).

The given tensors stand in for the module's own during one call (they are put
into the registries and the originals restored afterwards, also when the call
raises), so gradients flow to the given tensors, not to the module's. Public as
``minidl.func.functional_call``; ``minidl.nn.utils.stateless.functional_call``
is PyTorch's deprecated path to it (it warns).
"""
from __future__ import annotations

from collections.abc import Mapping

__all__ = ["functional_call"]


def _merge_dicts(parameter_and_buffer_dicts):
    if isinstance(parameter_and_buffer_dicts, Mapping):
        return dict(parameter_and_buffer_dicts)
    if isinstance(parameter_and_buffer_dicts, (list, tuple)):
        merged, seen = {}, {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                seen[k] = seen.get(k, 0) + 1
            merged.update(d)
        repeated = [k for k, n in seen.items() if n > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        return merged
    raise ValueError(f"Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, "
                     f"but got {type(parameter_and_buffer_dicts)}")


def _state_names(module):
    """dotted name -> (owner, registry name, local name, tensor) for every parameter and buffer, tied ones included."""
    out = {}
    for prefix, sub in module.named_modules(remove_duplicate=False):
        p = prefix + "." if prefix else ""
        for registry in ("_parameters", "_buffers"):
            for name, t in getattr(sub, registry).items():
                if t is not None:
                    out[p + name] = (sub, registry, name, t)
    return out


def _expand_tied(values, state, tie_weights):
    """Add, for every given name, the names tied to the same tensor (``tie_weights``)."""
    if not tie_weights:
        return values
    by_tensor = {}
    for name, (_, _, _, t) in state.items():
        by_tensor.setdefault(id(t), []).append(name)
    expanded = dict(values)
    for names in by_tensor.values():
        if len(names) < 2:
            continue
        given = [n for n in names if n in values]
        if len(given) > 1:
            raise ValueError(f"functional_call got multiple values for keys {given}, which are tied. "
                             "Consider using tie_weights=False")
        if given:
            for n in names:
                expanded[n] = values[given[0]]
    return expanded


def _parametrized_key(module, name):
    """``(id(owner), local name)`` when ``name`` is a parametrized tensor of ``module`` or a submodule, else None."""
    from . import parametrize
    prefix, _, local = name.rpartition(".")
    try:
        owner = module.get_submodule(prefix) if prefix else module
    except AttributeError:
        return None
    return (id(owner), local) if parametrize.is_parametrized(owner, local) else None


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with the parameters and buffers named in the dict(s) replaced by the given tensors.

    Args:
        module: the module to call.
        parameter_and_buffer_dicts: dotted name -> Tensor, or a list/tuple of such
            dicts (a name may appear in only one).
        args: the positional argument(s): a tuple, or one value that is not a tuple.
        kwargs: keyword arguments.
        tie_weights: a tensor registered under several names (tied weights) is
            replaced under all of them when one is given.
        strict: every parameter and buffer must be given, and no other name.

    Returns:
        What the module returns. Names that match no parameter or buffer are
        ignored unless ``strict``.
    """
    values = _merge_dicts(parameter_and_buffer_dicts)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    kwargs = {} if kwargs is None else kwargs
    state = _state_names(module)
    values = _expand_tied(values, state, tie_weights)
    if strict:
        unexpected = sorted(k for k in values if k not in state)
        missing = sorted(k for k in state if k not in values)
        msgs = []
        if unexpected:
            msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if msgs:
            raise RuntimeError(f"Error(s) in reparametrizing for {module._get_name()}:\n\t" + "\n\t".join(msgs))
    saved, substituted = [], []
    try:
        for name, value in values.items():
            if name not in state:
                key = _parametrized_key(module, name)
                if key is not None:   # a parametrized tensor given directly: used as is, as PyTorch does
                    from . import parametrize
                    parametrize._substitutes[key] = value
                    substituted.append(key)
                continue
            owner, registry, local, old = state[name]
            getattr(owner, registry)[local] = value
            saved.append((owner, registry, local, old))
        return module(*args, **kwargs)
    finally:
        for owner, registry, local, old in reversed(saved):
            getattr(owner, registry)[local] = old
        from . import parametrize
        for key in substituted:
            parametrize._substitutes.pop(key, None)

