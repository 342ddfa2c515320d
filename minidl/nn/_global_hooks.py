"""Forward hooks that run for every module: PyTorch's ``nn.modules.module.register_module_forward_hook``
and ``register_module_forward_pre_hook``. They run before each module's own hooks, as in PyTorch."""
from __future__ import annotations

from collections import OrderedDict

__all__ = ["register_module_forward_pre_hook", "register_module_forward_hook"]

forward_pre_hooks: "OrderedDict[int, object]" = OrderedDict()
forward_hooks: "OrderedDict[int, object]" = OrderedDict()
forward_hooks_with_kwargs: set = set()


def register_module_forward_pre_hook(hook):
    """``hook(module, args)`` runs before every module's forward; it may return new args (a tuple, or
    one value). Returns a handle whose ``remove()`` unregisters it."""
    from minidl.nn.module import RemovableHandle
    handle = RemovableHandle(forward_pre_hooks)
    forward_pre_hooks[handle.id] = hook
    return handle


def register_module_forward_hook(hook, *, with_kwargs: bool = False):
    """``hook(module, args, output)`` (``hook(module, args, kwargs, output)`` with ``with_kwargs``) runs
    after every module's forward; a non-None result replaces the output. Returns a removable handle."""
    from minidl.nn.module import RemovableHandle
    handle = RemovableHandle(forward_hooks)
    forward_hooks[handle.id] = hook
    if with_kwargs:
        forward_hooks_with_kwargs.add(handle.id)
    return handle
