"""PyTorch's optimizer hooks: ``register_step_pre_hook``/``register_step_post_hook`` and the
state-dict hooks, with the call conventions of ``torch.optim.Optimizer``.

* step pre-hook ``hook(optimizer, args, kwargs)``: may return ``(new_args, new_kwargs)``;
* step post-hook ``hook(optimizer, args, kwargs)``;
* state-dict pre-hook ``hook(optimizer)``; post-hook ``hook(optimizer, state_dict)``, may return a new dict;
* load-state-dict pre-hook ``hook(optimizer, state_dict)``, may return a new dict; post-hook ``hook(optimizer)``.

The ``step``, ``state_dict`` and ``load_state_dict`` of every Optimizer subclass are wrapped
(:func:`hooked`) so that the hooks run once per outer call, also when the subclass calls ``super()``.
"""
from __future__ import annotations

import functools
from collections import OrderedDict

from minidl.autograd import versions as _versions
from minidl.autograd.handles import RemovableHandle, _HookDict

__all__ = ["OptimizerHooks", "hooked"]

_TABLES = ("_step_pre_hooks", "_step_post_hooks", "_state_dict_pre_hooks", "_state_dict_post_hooks",
           "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")


def _register(opt, table, hook, prepend=False):
    hooks = opt.__dict__.get(table)
    if hooks is None:
        hooks = opt.__dict__[table] = _HookDict()
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        items = OrderedDict(hooks)
        hooks.clear()
        hooks[handle.id] = hook
        hooks.update((k, v) for k, v in items.items() if k != handle.id)
    return handle


def _hooks(opt, table):
    hooks = opt.__dict__.get(table)
    return list(hooks.values()) if hooks else []


class OptimizerHooks:
    """The ``register_*_hook`` methods of :class:`minidl.optim.Optimizer`."""

    def register_step_pre_hook(self, hook):
        """Run ``hook(optimizer, args, kwargs)`` before each ``step``; it may return (args, kwargs)."""
        return _register(self, "_step_pre_hooks", hook)

    def register_step_post_hook(self, hook):
        """Run ``hook(optimizer, args, kwargs)`` after each ``step``."""
        return _register(self, "_step_post_hooks", hook)

    def register_state_dict_pre_hook(self, hook, prepend: bool = False):
        """Run ``hook(optimizer)`` before ``state_dict()`` builds the dict."""
        return _register(self, "_state_dict_pre_hooks", hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend: bool = False):
        """Run ``hook(optimizer, state_dict)`` on the built dict; a returned dict replaces it."""
        return _register(self, "_state_dict_post_hooks", hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend: bool = False):
        """Run ``hook(optimizer, state_dict)`` before loading; a returned dict is loaded instead."""
        return _register(self, "_load_state_dict_pre_hooks", hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend: bool = False):
        """Run ``hook(optimizer)`` after ``load_state_dict``."""
        return _register(self, "_load_state_dict_post_hooks", hook, prepend)


def _run_step(method, self, args, kwargs):
    for hook in _hooks(self, "_step_pre_hooks"):
        result = hook(self, args, kwargs)
        if result is not None:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError(f"optimizer step pre-hook must return None or a tuple of "
                                   f"(new_args, new_kwargs), but got {result}.")
            args, kwargs = result
    out = method(self, *args, **kwargs)
    for hook in _hooks(self, "_step_post_hooks"):
        hook(self, args, kwargs)
    return out


def _run_state_dict(method, self, args, kwargs):
    for hook in _hooks(self, "_state_dict_pre_hooks"):
        hook(self)
    state = method(self, *args, **kwargs)
    for hook in _hooks(self, "_state_dict_post_hooks"):
        result = hook(self, state)
        if result is not None:
            state = result
    return state


def _run_load(method, self, args, kwargs):
    if args:
        state, args = args[0], args[1:]
    else:
        state = kwargs.pop("state_dict")
    for hook in _hooks(self, "_load_state_dict_pre_hooks"):
        result = hook(self, state)
        if result is not None:
            state = result
    out = method(self, state, *args, **kwargs)
    for hook in _hooks(self, "_load_state_dict_post_hooks"):
        hook(self)
    return out


_RUNNERS = {"step": _run_step, "state_dict": _run_state_dict, "load_state_dict": _run_load}


def _count_writes(optimizer):
    """The step wrote into each parameter that has a gradient: one in-place op on its version counter
    (a graph that kept the old values then refuses to run backward, as PyTorch's)."""
    for group in optimizer.param_groups:
        for p in group["params"]:
            if p.grad is not None:
                _versions.bump(p, True)


def hooked(method, kind):
    """``method`` (``step``, ``state_dict`` or ``load_state_dict``) running its hooks once per outer call."""
    runner = _RUNNERS[kind]
    flag = f"_in_hooked_{kind}"
    step = kind == "step"

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if step:
            self.__dict__["_opt_called"] = True   # an lr scheduler checks it (PyTorch's step-order warning)
        if self.__dict__.get(flag):
            return method(self, *args, **kwargs)
        self.__dict__[flag] = True
        try:
            if not any(self.__dict__.get(t) for t in _TABLES):
                out = method(self, *args, **kwargs)
            else:
                out = runner(method, self, args, kwargs)
            if step:
                _count_writes(self)
            return out
        finally:
            self.__dict__[flag] = False

    wrapper._hooked = True
    return wrapper
