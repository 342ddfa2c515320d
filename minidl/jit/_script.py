"""``jit.script`` and the scripted objects: ScriptModule, RecursiveScriptModule, ScriptFunction.

minidl has no TorchScript compiler, so a scripted module is a thin :class:`~minidl.nn.Module` around the
original: it shares the original's parameters and buffers (the same Parameter objects, the same
``state_dict``), its children are scripted the same way, ``train()``/``eval()`` reach the original's
``training`` flags, and calling it runs the original's Python ``forward`` (hooks included) with
:func:`~minidl.jit.is_scripting` True. Results are exactly the eager results.

``.code`` is the Python source of ``forward`` (the code that actually runs); ``.graph`` raises, since
there is no TorchScript IR to show.
"""
from __future__ import annotations

import copy
import inspect
import textwrap
from collections import OrderedDict

from ..nn.module import Module
from ._state import running

__all__ = ["ScriptModule", "RecursiveScriptModule", "ScriptFunction", "script", "NO_GRAPH"]

NO_GRAPH = ("minidl.jit runs scripted and traced code eagerly as Python and builds no TorchScript graph; "
            "use .code for the Python source that runs")


def _source(fn, what):
    try:
        return textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError) as exc:
        raise RuntimeError(f"{what}: its Python source is not available ({exc})") from None


class ScriptModule(Module):
    """``torch.jit.ScriptModule``: the type of every scripted or traced module, and a base class for the old
    ``class M(jit.ScriptModule)`` API: its ``@jit.script_method`` methods run as Python with ``is_scripting()``
    True, and ``self.x = jit.Attribute(value, type)`` stores ``value``."""

    def __call__(self, *args, **kwargs):
        with running(scripting=True):
            return super().__call__(*args, **kwargs)

    def __setattr__(self, name, value):
        from ._state import Attribute
        if isinstance(value, Attribute):
            value = value.value
        super().__setattr__(name, value)

    def save(self, f, **kwargs):
        """Write this module with :func:`minidl.jit.save` (``_extra_files`` accepted)."""
        from ._serialization import save
        save(self, f, **kwargs)

    @property
    def code(self) -> str:
        """The Python source of ``forward`` (what runs: minidl has no TorchScript code to show)."""
        return _source(type(self).forward, f"{type(self).__name__}.forward")

    @property
    def graph(self):
        """Raises: minidl builds no TorchScript graph."""
        raise RuntimeError(f"{type(self).__name__}.graph: {NO_GRAPH}")

    inlined_graph = graph

    @property
    def original_name(self) -> str:
        """The name of the scripted module's class."""
        return type(self).__name__


_UNSUPPORTED = ("register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook",
                "register_full_backward_pre_hook", "register_backward_hook", "register_module",
                "register_parameter", "add_module")


class RecursiveScriptModule(ScriptModule):
    """What :func:`minidl.jit.script` and :func:`minidl.jit.trace` return for a module: the original
    module behind PyTorch's scripted-module surface (``original_name``, ``code``, ``save``), with the
    same parameters, buffers, ``state_dict`` and ``training`` flag; its children are scripted too."""

    def __init__(self, original, _memo=None, _frozen=False, _traced=False):
        object.__setattr__(self, "_original", original)
        object.__setattr__(self, "_minidl_traced", _traced)
        mode = original.training
        super().__init__()          # Module.__init__ sets training = True: keep the original's mode
        original.training = mode
        memo = {} if _memo is None else _memo
        memo[id(original)] = self
        if _frozen:
            return
        object.__setattr__(self, "_parameters", original._parameters)
        object.__setattr__(self, "_buffers", original._buffers)
        object.__setattr__(self, "_non_persistent_buffers", original._non_persistent_buffers)
        children = OrderedDict()
        for name, child in original._modules.items():
            if child is None or isinstance(child, ScriptModule):
                children[name] = child
            else:
                children[name] = memo.get(id(child)) or RecursiveScriptModule(child, memo, _traced=_traced)
        object.__setattr__(self, "_modules", children)

    @property
    def training(self):
        """The original module's ``training`` flag."""
        return self.__dict__["_original"].training

    @training.setter
    def training(self, mode):
        self.__dict__["_original"].training = mode

    def forward(self, *args, **kwargs):
        """Call the original module (its hooks included) with ``is_scripting()`` True (False, and
        ``is_tracing()`` False, for a traced module: PyTorch replays what the trace recorded)."""
        traced = self.__dict__["_minidl_traced"]
        with running(scripting=not traced, tracing=False if traced else None):
            return self._original(*args, **kwargs)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            pass
        value = getattr(self.__dict__["_original"], name)
        if inspect.ismethod(value) and getattr(value, "_minidl_jit_modifier", None) not in ("ignore", "unused"):
            method, traced = value, self.__dict__["_minidl_traced"]

            def scripted_method(*args, **kwargs):
                with running(scripting=not traced, tracing=False if traced else None):
                    return method(*args, **kwargs)
            scripted_method.__name__ = scripted_method.__qualname__ = name
            scripted_method.__doc__ = method.__doc__
            return scripted_method
        return value

    def __setattr__(self, name, value):
        if name.startswith("_") or name in self._parameters or name in self._buffers or name in self._modules \
                or isinstance(value, Module) or name == "training":
            super().__setattr__(name, value)
        else:   # a plain attribute lives on the original, where its forward reads it
            setattr(self.__dict__["_original"], name, value)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(dir(self.__dict__["_original"])))

    # containers (Sequential, ModuleList, ModuleDict): PyTorch's scripted containers index, iterate and measure
    def _scripted(self, value):
        if not isinstance(value, Module) or isinstance(value, ScriptModule):
            return value
        for child in self._modules.values():
            if child is not None and child.__dict__.get("_original") is value:
                return child
        return RecursiveScriptModule(value, _traced=self.__dict__["_minidl_traced"])

    def __getitem__(self, index):
        return self._scripted(self.__dict__["_original"][index])

    def __len__(self):
        return len(self.__dict__["_original"])

    def __bool__(self):
        return True

    def __iter__(self):
        for item in iter(self.__dict__["_original"]):
            yield self._scripted(item)

    def __contains__(self, key):
        return key in self.__dict__["_original"]

    @property
    def original_name(self) -> str:
        """The name of the original module's class (``"Linear"``, ``"Net"``...)."""
        return type(self.__dict__["_original"]).__name__

    @property
    def code(self) -> str:
        """The Python source of the original's ``forward`` (what runs: minidl has no TorchScript code)."""
        return _source(type(self._original).forward, f"{self.original_name}.forward")

    def _get_name(self) -> str:
        return "RecursiveScriptModule"

    def extra_repr(self) -> str:
        return f"original_name={self.original_name}"

    def __copy__(self):
        return copy.deepcopy(self)


def _refuse(name):
    def refused(self, *args, **kwargs):
        raise RuntimeError(name + " is not supported on ScriptModules")
    refused.__name__ = name
    refused.__doc__ = f"Raises RuntimeError, as PyTorch: ``{name}`` is not supported on ScriptModules."
    return refused


for _name in _UNSUPPORTED:
    setattr(RecursiveScriptModule, _name, _refuse(_name))


class ScriptFunction:
    """``torch.jit.ScriptFunction``: what :func:`minidl.jit.script` (and :func:`~minidl.jit.trace`) return for
    a function. Calling it runs the function's Python with ``is_scripting()`` True."""

    def __init__(self, fn, traced=False):
        self._fn, self._traced = fn, traced
        self.__name__ = self.name = getattr(fn, "__name__", type(fn).__name__)
        self.qualified_name = f"__torch__.{self.name}"
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn

    def __call__(self, *args, **kwargs):
        with running(scripting=not self._traced, tracing=False if self._traced else None):
            return self._fn(*args, **kwargs)

    @property
    def code(self) -> str:
        """The function's Python source (what runs: minidl has no TorchScript code to show)."""
        return _source(self._fn, self.name)

    @property
    def graph(self):
        """Raises: minidl builds no TorchScript graph."""
        raise RuntimeError(f"ScriptFunction {self.name}.graph: {NO_GRAPH}")

    inlined_graph = graph

    def save(self, f, **kwargs):
        """Write this function (by reference to its module and name) with :func:`minidl.jit.save`."""
        from ._serialization import save
        save(self, f, **kwargs)

    def __repr__(self):
        return f"<minidl.jit.ScriptFunction object {self.name}>"


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """``jit.script(obj)``: a module instance gives a :class:`RecursiveScriptModule` sharing its parameters; a
    function gives a :class:`ScriptFunction`; a class (not a Module class) comes back as it is (its instances
    are ordinary Python objects); an already scripted object comes back unchanged."""
    if isinstance(obj, (ScriptModule, ScriptFunction)):
        return obj
    if isinstance(obj, Module):
        return RecursiveScriptModule(obj)
    if isinstance(obj, type):
        if issubclass(obj, Module):
            raise RuntimeError(f"Type '{obj}' cannot be compiled since it inherits from nn.Module, "
                               "pass an instance instead")
        return obj
    if callable(obj):
        if getattr(obj, "_minidl_jit_modifier", None) in ("ignore", "unused"):
            return obj
        return ScriptFunction(obj)
    raise RuntimeError(f"jit.script: cannot script an object of type {type(obj).__name__}: "
                       "expected an nn.Module instance, a function or a class")
