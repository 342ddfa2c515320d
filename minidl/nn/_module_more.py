"""More ``nn.Module`` methods PyTorch scripts call: ``half``, ``get_buffer``, ``set_submodule``,
``to_empty`` and ``compile`` (mixed into :class:`minidl.nn.Module`)."""
from __future__ import annotations

import functools
from collections import OrderedDict

import numpy as np

__all__ = ["ModuleMoreMixin"]

_MIXED_HOOKS = ("Cannot use both regular backward hooks and full backward hooks on a single Module. Please use only "
                "one of them.")


class ModuleMoreMixin:
    """Methods of ``torch.nn.Module`` built on the core ones (``to``, ``get_submodule``, ``_modules``)."""

    def register_full_backward_hook(self, hook, prepend: bool = False):
        """``hook(module, grad_input, grad_output)`` runs when the gradients of the module's inputs
        are computed; it may return a new ``grad_input`` (see :mod:`minidl.nn._backward_hooks`)."""
        if self.__dict__.get("_legacy_backward_hooks"):
            raise RuntimeError(_MIXED_HOOKS)
        return self._add_backward_hook("_backward_hooks", hook, prepend)

    def register_backward_hook(self, hook):
        """PyTorch's deprecated backward hook: ``hook(module, grad_input, grad_output)`` is registered on the
        autograd node that made the module's first output, so ``grad_input`` holds the gradients of that node's
        inputs (for a Linear or Conv2d: input, weight, bias), as in PyTorch; prefer
        :meth:`register_full_backward_hook` (see :mod:`minidl.autograd.node_hooks`)."""
        if self.__dict__.get("_backward_hooks") or self.__dict__.get("_backward_pre_hooks"):
            raise RuntimeError(_MIXED_HOOKS)
        return self._add_backward_hook("_legacy_backward_hooks", hook, False)

    def register_full_backward_pre_hook(self, hook, prepend: bool = False):
        """``hook(module, grad_output)`` runs when the gradients of the module's outputs are known;
        it may return a new ``grad_output``."""
        return self._add_backward_hook("_backward_pre_hooks", hook, prepend)

    def _add_backward_hook(self, table_name, hook, prepend):
        from minidl.nn.module import RemovableHandle
        table = self.__dict__.setdefault(table_name, OrderedDict())
        self.__dict__.setdefault("_backward_hooks", OrderedDict())
        handle = RemovableHandle(table)
        table[handle.id] = hook
        if prepend:
            table.move_to_end(handle.id, last=False)
        return handle

    def get_extra_state(self):
        """Extra (non-tensor) state to save in ``state_dict`` under ``"_extra_state"``; override it together
        with :meth:`set_extra_state` (the default saves nothing, as in PyTorch)."""
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be called. "
                           "Please override get_extra_state() in the module's class.")

    def set_extra_state(self, state):
        """Restore what :meth:`get_extra_state` returned, when ``load_state_dict`` finds it."""
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be called. "
                           "Please override set_extra_state() in the module's class.")

    def register_state_dict_pre_hook(self, hook):
        """``hook(module, prefix, keep_vars)`` runs before ``state_dict`` collects this module's entries."""
        from minidl.nn import _state_dict
        return _state_dict.add_hook(self, "_state_dict_pre_hooks", hook)

    def register_state_dict_post_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata)`` runs after this module's entries are in
        ``state_dict``; it edits the dict in place and must return None."""
        from minidl.nn import _state_dict
        return _state_dict.add_hook(self, "_state_dict_hooks", (False, hook))

    def _register_state_dict_hook(self, hook):
        """PyTorch's private form of :meth:`register_state_dict_post_hook`: the hook may return a new dict."""
        from minidl.nn import _state_dict
        return _state_dict.add_hook(self, "_state_dict_hooks", (True, hook))

    def register_load_state_dict_pre_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs)`` runs before ``load_state_dict`` reads this module's entries; it may edit the dict."""
        from minidl.nn import _state_dict
        return _state_dict.add_hook(self, "_load_state_dict_pre_hooks", functools.partial(hook, self))

    def register_load_state_dict_post_hook(self, hook):
        """``hook(module, incompatible_keys)`` runs once ``load_state_dict`` knows the missing and
        unexpected keys, before strict checking; it may edit those lists in place and must return None.
        (minidl copies only after every check passes, so the hook sees the module before the copy.)"""
        from minidl.nn import _state_dict
        return _state_dict.add_hook(self, "_load_state_dict_post_hooks", hook)

    def half(self):
        """Cast floating parameters and buffers to float16; returns self."""
        return self.to(dtype=np.float16)

    def bfloat16(self):
        """Cast floating parameters and buffers to bfloat16; returns self."""
        from minidl.dtypes import BFLOAT16
        return self.to(dtype=BFLOAT16)

    def get_buffer(self, target: str):
        """The buffer at dotted path ``target`` (e.g. ``"bn.running_mean"``).

        Raises ``AttributeError`` when a module on the path or the buffer is missing, or when
        the name is an attribute that is not a buffer.
        """
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if not hasattr(mod, name):
            raise AttributeError(f"{type(mod).__name__} has no attribute `{name}`")
        if name not in mod._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return mod._buffers[name]

    def set_submodule(self, target: str, module, strict: bool = False) -> None:
        """Put ``module`` at dotted path ``target`` (e.g. ``"layer1.0.conv1"``), replacing what is there.

        Every module on the path before the last name must exist (``AttributeError``); with
        ``strict=True`` the last name must already be a sub-module too. ``ValueError`` for an
        empty ``target`` or a ``module`` that is not an ``nn.Module``.
        """
        from .module import Module
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        *path, name = target.split(".")
        mod = self
        for item in path:
            if not hasattr(mod, item):
                raise AttributeError(f"{type(mod).__name__} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        if strict and not hasattr(mod, name):
            raise AttributeError(f"{type(mod).__name__} has no attribute `{name}`")
        if hasattr(mod, name) and not isinstance(getattr(mod, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(mod, name, module)

    def to_empty(self, *, device, recurse: bool = True):
        """Move parameters and buffers to ``device`` (their values there are unspecified in PyTorch;
        here they are kept, and tensors on the ``meta`` device, which have none, become zeros);
        only this module's own tensors when ``recurse`` is False. Returns self."""
        from .. import backend
        from .module import _convert_array, _parse_to_args
        dev, _ = _parse_to_args(device, None)
        for module in (self.modules() if recurse else (self,)):
            for table in (module._parameters, module._buffers):
                for value in table.values():
                    if value is None:
                        continue
                    if backend.is_meta_array(value.array):
                        value.array = dev.xp.zeros(value.array.shape, dtype=value.array.dtype)
                    else:
                        value.array = _convert_array(value.array, dev, None)
                    if value.grad is not None and backend.is_meta_array(value.grad.array):
                        value.grad = None
        return self

    def compile(self, *args, **kwargs) -> None:
        """``torch.compile`` this module's forward in place (``minidl.compile``: same results, no
        compilation); the arguments are checked as ``minidl.compile`` checks them. Returns None."""
        from .. import compile as compile_fn
        compile_fn(self.forward, *args, **kwargs)  # checks the arguments; forward itself is kept (eager)

    def share_memory(self):
        """Move every parameter, buffer (and existing gradient) into shared memory (``Tensor.share_memory_``), for
        Hogwild training by several processes; returns ``self``."""
        for tensor in list(self.parameters()) + list(self.buffers()):
            tensor.share_memory_()
            if tensor.grad is not None:
                tensor.grad.share_memory_()
        return self
