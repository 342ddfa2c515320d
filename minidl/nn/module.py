"""``Module`` and ``Parameter``: the building blocks of every network.

A :class:`Module` owns three ordered registries, filled by plain attribute
assignment after ``super().__init__()``:

* ``_parameters``: name -> :class:`Parameter` (or ``None``),
* ``_buffers``: name -> Tensor (or ``None``), state that is not trained
  (batch-norm running statistics); non-persistent ones stay out of the
  state dict,
* ``_modules``: name -> sub-:class:`Module` (or ``None``).

State-dict keys are PyTorch's dotted names (``features.0.weight``,
``bn1.running_mean``). Every in-place operation (``to``, ``load_state_dict``)
keeps the identity of each Parameter, so an optimiser built before the call
still updates the same objects.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from minidl import backend
from minidl.autograd import _profiling
from minidl.autograd.handles import RemovableHandle
from minidl.dtypes import default_float, is_floating
from minidl.nn import _global_hooks, _state_dict
from minidl.nn._layer_path import label_error
from minidl.nn._module_more import ModuleMoreMixin
from minidl.nn._state_dict import _as_array
from minidl.tensor import Tensor

__all__ = ["Parameter", "Module", "RemovableHandle"]


class Parameter(Tensor):
    """A Tensor that a :class:`Module` registers as trainable.

    Args:
        data: an array (NumPy or CuPy), a Tensor, or nested lists; wrapped
            without a copy when it is already an array or a Tensor.
        requires_grad: defaults to True.
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.empty((0,), dtype=default_float())
        elif type(data) is np.ndarray and backend.get_default_device().type == "meta":
            data = backend.to_device(data, "meta")   # a layer built inside ``with device("meta")``: no memory
        super().__init__(_as_array(data), requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        xp = backend.get_array_module(self.array)
        out = type(self)(xp.array(self.array, copy=True), requires_grad=self.requires_grad)
        if self.grad is not None:
            out.grad = Tensor(xp.array(self.grad.array, copy=True))
        memo[id(self)] = out
        return out


def _parse_to_args(device, dtype):
    """Accept ``to("gpu")``, ``to(np.float64)``, ``to("float64")``, ``to(device, dtype)``."""
    if device is not None and dtype is None and not isinstance(device, backend.Device):
        is_device_name = isinstance(device, str) and (
            device.lower() in ("cpu", "gpu", "cuda", "meta") or device.lower().startswith(("cuda:", "gpu:", "cpu:")))
        if not is_device_name:
            try:
                dtype = np.dtype(device)
                device = None
            except TypeError:
                pass
    dev = backend.Device(device) if device is not None else None
    dt = np.dtype(dtype) if dtype is not None else None
    if dt is not None and not is_floating(dt):
        raise TypeError(f"Module.to only accepts floating dtypes, got {dt}")
    return dev, dt


def _overwrite_parameters(module, dev, dt):
    """``Module.to`` under ``set_overwrite_module_params_on_conversion(True)``: each parameter replaced by a new
    Parameter on the converted data (its gradient converted too); buffers converted in place."""
    for name, p in list(module._parameters.items()):
        if p is None:
            continue
        new = Parameter(Tensor(_convert_array(p.array, dev, dt)), requires_grad=p.requires_grad)
        if p.grad is not None:
            new.grad = Tensor(_convert_array(p.grad.array, dev, dt))
        module._parameters[name] = new
    for b in module._buffers.values():
        if b is not None:
            b.array = _convert_array(b.array, dev, dt)


def _convert_array(array, dev, dt):
    """``array`` moved to ``dev`` and (if floating) cast to ``dt``; same object if unchanged."""
    if dev is not None and dev.type != "meta" and backend.is_meta_array(array):
        raise NotImplementedError("Cannot copy out of meta tensor; no data! Please use torch.nn.Module.to_empty() "
                                  "instead of torch.nn.Module.to() when moving module from meta to a different "
                                  "device.")
    if dev is not None and not backend.same_device(backend.device_of(array), dev):
        array = backend.to_device(array, dev)
    if dt is not None and is_floating(array.dtype) and array.dtype != dt:
        array = array.astype(dt)
    return array


class Module(ModuleMoreMixin):
    """Base class of every layer and network, as in PyTorch.

    Subclasses call ``super().__init__()``, assign Parameters, sub-Modules and
    buffers as attributes, and implement ``forward``. Calling the module runs
    forward pre-hooks, ``forward`` and forward hooks.

    >>> import minidl as mdl, minidl.nn as nn
    >>> class TwoLayer(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1, self.fc2 = nn.Linear(4, 8), nn.Linear(8, 2)
    ...     def forward(self, x):
    ...         return self.fc2(self.fc1(x).relu())
    >>> net = TwoLayer()
    >>> net(mdl.ones(3, 4)).shape
    minidl.Size([3, 2])
    >>> list(net.state_dict())
    ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    """

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments")
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())

    # ------------------------------------------------------------------ forward
    def forward(self, *args, **kwargs):
        """Compute the output; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} has no forward() defined")

    def __call__(self, *args, **kwargs):
        if _profiling.modules_active:   # a profiler records with_modules=True (minidl/autograd/_profiling.py)
            return _profiling.timed_module_call(self, args, kwargs)
        if (self._forward_pre_hooks or self._forward_hooks or "_backward_hooks" in self.__dict__
                or _global_hooks.forward_pre_hooks or _global_hooks.forward_hooks):
            return self._call_with_hooks(args, kwargs)
        try:
            return self.forward(*args, **kwargs)
        except (ValueError, TypeError, RuntimeError) as exc:
            label_error(self, exc)  # name the sub-module that raised it: "features.3 (Conv2d): ..."
            raise

    def _call_with_hooks(self, args, kwargs):
        """``__call__`` when hooks are registered: pre-hooks, forward, forward hooks (PyTorch's order and
        return rules; hooks registered ``with_kwargs`` also see and may replace the keyword arguments)."""
        with_kwargs = self.__dict__.get("_hooks_with_kwargs", ())
        for hook in list(_global_hooks.forward_pre_hooks.values()):   # PyTorch runs the global ones first
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        for key, hook in list(self._forward_pre_hooks.items()):
            if key in with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {result}.")
                    args, kwargs = result
                continue
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        try:
            if self.__dict__.get("_backward_hooks") or self.__dict__.get("_backward_pre_hooks"):
                from minidl.nn._backward_hooks import call_with_backward_hooks
                out = call_with_backward_hooks(self, args, lambda a: self.forward(*a, **kwargs))
            else:
                out = self.forward(*args, **kwargs)
        except (ValueError, TypeError, RuntimeError) as exc:
            label_error(self, exc)  # name the sub-module that raised it: "features.3 (Conv2d): ..."
            for key in self.__dict__.get("_hooks_always_called", ()):
                hook = self._forward_hooks.get(key)
                if hook is not None:    # always_call=True hooks run even when forward raised, as PyTorch
                    hook(self, args, kwargs, None) if key in with_kwargs else hook(self, args, None)
            raise
        for key, hook in list(_global_hooks.forward_hooks.items()):
            with_kw = key in _global_hooks.forward_hooks_with_kwargs
            result = hook(self, args, kwargs, out) if with_kw else hook(self, args, out)
            if result is not None:
                out = result
        for key, hook in list(self._forward_hooks.items()):
            result = hook(self, args, kwargs, out) if key in with_kwargs else hook(self, args, out)
            if result is not None:
                out = result
        if self.__dict__.get("_legacy_backward_hooks"):   # register_backward_hook: on the output's grad_fn
            from minidl.autograd.node_hooks import attach_module_hooks
            attach_module_hooks(self, args, out)
        return out

    def _add_hook(self, table, hook, prepend, with_kwargs, always_call=False):
        handle = RemovableHandle(table)
        table[handle.id] = hook
        if prepend:
            table.move_to_end(handle.id, last=False)
        if with_kwargs:
            self.__dict__.setdefault("_hooks_with_kwargs", set()).add(handle.id)
        if always_call:
            self.__dict__.setdefault("_hooks_always_called", set()).add(handle.id)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False) -> RemovableHandle:
        """``hook(module, args, output)`` (``hook(module, args, kwargs, output)`` with ``with_kwargs``) runs
        after each forward and may return a new output; ``prepend`` runs it first, ``always_call`` also
        when forward raises."""
        return self._add_hook(self._forward_hooks, hook, prepend, with_kwargs, always_call)

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False) -> RemovableHandle:
        """``hook(module, args)`` runs before each forward and may return new args (a tuple, or one value);
        with ``with_kwargs``, ``hook(module, args, kwargs)`` may return ``(new_args, new_kwargs)``."""
        return self._add_hook(self._forward_pre_hooks, hook, prepend, with_kwargs)

    # ------------------------------------------------------------ registration
    def __setattr__(self, name, value):
        d = self.__dict__
        if "_parameters" not in d:
            if isinstance(value, (Parameter, Module)):
                raise AttributeError(
                    f"cannot assign {type(value).__name__} '{name}' before Module.__init__() call")
            object.__setattr__(self, name, value)
            return
        params, modules, buffers = d["_parameters"], d["_modules"], d["_buffers"]
        if isinstance(value, Parameter):
            self._remove_from(name, d, modules, buffers)
            self.register_parameter(name, value)
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter '{name}' "
                                "(an nn.Parameter or None is expected)")
            params[name] = None
        elif isinstance(value, Module):
            self._remove_from(name, d, params, buffers)
            modules[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module '{name}' "
                                "(a Module or None is expected)")
            modules[name] = None
        elif getattr(value, "_is_buffer", False) and isinstance(value, Tensor):  # nn.Buffer(...), as PyTorch
            self.register_buffer(name, value, persistent=getattr(value, "persistent", True))
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer '{name}' "
                                "(a Tensor or None is expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    @staticmethod
    def _remove_from(name, *dicts):
        for d in dicts:
            d.pop(name, None)

    def __getattr__(self, name):
        # Only called when normal lookup fails: search the registries.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            reg = d.get(registry)
            if reg is not None and name in reg:
                return reg[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for registry in ("_parameters", "_buffers", "_modules"):
            reg = self.__dict__.get(registry)
            if reg is not None and name in reg:
                del reg[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = list(super().__dir__())
        keys += list(self._parameters) + list(self._buffers) + list(self._modules)
        return sorted(set(keys))

    @staticmethod
    def _check_name(kind, name, owner):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if "." in name or name == "":
            raise KeyError(f"{kind} name can't contain '.' or be empty: {name!r}")
        own = owner._parameters if kind == "parameter" else owner._buffers   # PyTorch: only re-register the same kind
        if hasattr(owner, name) and name not in own:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param) -> None:
        """Register ``param`` (a :class:`Parameter` or None) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_name("parameter", name, self)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign {type(param).__name__} object to parameter '{name}' "
                            "(nn.Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Register ``tensor`` (a Tensor or None) as a buffer: saved in the state
        dict when ``persistent``, moved by ``to()``, never trained."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_name("buffer", name, self)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign {type(tensor).__name__} object to buffer '{name}' "
                            "(a Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module) -> None:
        """Register the sub-module ``module`` (or None) under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string, got {type(name).__name__}")
        if "." in name or name == "":
            raise KeyError(f"module name can't contain '.' or be empty: {name!r}")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> "Module":
        """The sub-module at dotted path ``target`` (``""`` is self)."""
        mod = self
        if target == "":
            return mod
        for item in target.split("."):
            if item not in mod._modules or mod._modules[item] is None:
                raise AttributeError(f"{type(mod).__name__} has no submodule `{item}` (in '{target}')")
            mod = mod._modules[item]
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target``."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._parameters:
            raise AttributeError(f"{type(mod).__name__} has no parameter `{name}` (in '{target}')")
        return mod._parameters[name]

    # --------------------------------------------------------------- iteration
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """Yield ``(dotted_name, module)`` for self and every descendant, depth first."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self):
        """Yield self and every descendant module."""
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        """Yield ``(name, module)`` for the direct sub-modules."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        """Yield the direct sub-modules."""
        for _, m in self.named_children():
            yield m

    def _named_members(self, getter, prefix="", recurse=True, remove_duplicate=True):
        seen = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse
                   else [(prefix, self)])
        for mod_prefix, module in modules:
            for name, value in getter(module):
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield mod_prefix + ("." if mod_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """Yield ``(dotted_name, Parameter)``; a shared parameter is yielded once."""
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                       remove_duplicate)

    def parameters(self, recurse: bool = True):
        """Yield every Parameter (each once)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """Yield ``(dotted_name, Tensor)`` for every buffer (persistent or not)."""
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                       remove_duplicate)

    def buffers(self, recurse: bool = True):
        """Yield every buffer Tensor."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ---------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> "Module":
        """Set training mode on self and every descendant; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode (``train(False)``); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Set ``requires_grad`` on every parameter; returns self."""
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient (``None``, or zeros in place)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.array[...] = 0

    def apply(self, fn) -> "Module":
        """Call ``fn(module)`` on every descendant (children first) and self; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------- device and dtype
    def to(self, *args, **kwargs) -> "Module":
        """Move every parameter and buffer (and their ``.grad``) in place.

        PyTorch's forms: ``to(device=None, dtype=None, non_blocking=False)``,
        ``to(dtype)``, ``to(tensor)`` (its device and dtype). ``device``:
        "cpu", "gpu"/"cuda" or a Device. ``dtype``: a floating dtype; integer
        tensors (``num_batches_tracked``) keep theirs. The Parameter objects
        stay the same, so optimisers keep working. Returns self.
        """
        kwargs.pop("non_blocking", None)
        convert_to_format = kwargs.pop("memory_format", None)
        if args and isinstance(args[0], Tensor):
            kwargs.setdefault("device", args[0].device)
            kwargs.setdefault("dtype", args[0].dtype)
            args = ()
        if len(args) > 2 or (len(args) == 2 and isinstance(args[1], bool)):
            args = args[:1]  # to(dtype, non_blocking) / to(device, dtype, non_blocking)
        names = ("device", "dtype")
        for name, value in zip(names, args):
            if name in kwargs:
                raise TypeError(f"Module.to() got multiple values for argument '{name}'")
            kwargs[name] = value
        unknown = set(kwargs) - set(names)
        if unknown:
            raise TypeError(f"Module.to() got unexpected keyword argument(s) {sorted(unknown)}")
        dev, dt = _parse_to_args(kwargs.get("device"), kwargs.get("dtype"))
        if convert_to_format is not None:
            from ..tensor_layout import relayout_module
            relayout_module(self, convert_to_format)
        if dev is None and dt is None:
            return self
        from .. import __future__ as future
        overwrite = (future.get_overwrite_module_params_on_conversion()
                     and not future.get_swap_module_params_on_conversion())
        for module in self.modules():
            if overwrite:   # torch.__future__: new Parameter objects (with their gradients) replace the old
                _overwrite_parameters(module, dev, dt)
                continue
            for p in module._parameters.values():
                if p is None:
                    continue
                p.array = _convert_array(p.array, dev, dt)
                if p.grad is not None:
                    g = p.grad
                    g.array = _convert_array(g.array, dev, dt)
            for b in module._buffers.values():
                if b is not None:
                    b.array = _convert_array(b.array, dev, dt)
        return self

    def cpu(self) -> "Module":
        """``to("cpu")``."""
        return self.to(device="cpu")

    def cuda(self, device=None) -> "Module":
        """``to("cuda")`` (or ``"cuda:<device>"``); raises ``DeviceError`` where no GPU is usable."""
        if device is None:
            return self.to(device="cuda")
        return self.to(device=device if not isinstance(device, int) else f"cuda:{device}")

    gpu = cuda

    def float(self) -> "Module":
        """Cast floating parameters and buffers to float32."""
        return self.to(dtype=np.float32)

    def double(self) -> "Module":
        """Cast floating parameters and buffers to float64."""
        return self.to(dtype=np.float64)

    def type(self, dst_type) -> "Module":
        """Cast floating parameters and buffers to ``dst_type``; returns self."""
        return self.to(dtype=dst_type)

    # ------------------------------------------------------------ state dict
    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False):
        """An ordered dict of dotted name -> Tensor: every parameter and persistent buffer.

        Values share memory with the module (as in PyTorch); copy them if the
        module trains on. ``keep_vars=True`` returns the Parameter objects.
        """
        if args:  # PyTorch's deprecated positional (destination, prefix, keep_vars)
            destination, prefix, keep_vars = (list(args) + [destination, prefix, keep_vars][len(args):])[:3]
        return _state_dict.state_dict(self, destination, prefix, keep_vars)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy ``state_dict`` (name -> Tensor or array) into this module, in place.

        Each value is moved to its parameter's device and cast to its dtype.
        A missing ``num_batches_tracked`` is tolerated. Shape mismatches
        always raise (as in PyTorch); missing and unexpected keys raise when
        ``strict``. Nothing is copied unless every check passes. ``assign=True``
        makes the module hold the given tensors (as Parameters where it had
        Parameters) instead of copying into its own.

        Returns:
            ``(missing_keys, unexpected_keys)`` (a namedtuple).
        """
        return _state_dict.load_state_dict(self, state_dict, strict, assign)

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (override in layers)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, module in self._modules.items():
            mod_str = repr(module).replace("\n", "\n  ")
            lines.append(f"({name}): {mod_str}")
        main = self._get_name() + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    # --------------------------------------------------------------- pickling
    def __getstate__(self):
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)
