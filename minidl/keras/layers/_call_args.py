"""How a layer call's arguments reach a user ``call``: the first one by name, tensors by name, options.

Keras binds ``layer(...)``'s arguments to the signature of ``call``: the first positional parameter may
be given by its name (``layer(inputs=x)``, ``endpoint(logits=x, targets=y)``), and keyword arguments go
to ``call`` as keyword arguments. minidl turns tensors given by the names of a user ``call``'s following
positional parameters into positional arguments (so a symbolic call records them as graph inputs), and
passes the other keyword arguments ``call`` accepts through :meth:`UserCallOptions.call_options`
(eagerly for one call; a functional model sets them again from its node each time it runs it).
"""
from __future__ import annotations

import contextlib
import inspect

import numpy as np

from minidl.tensor import Tensor

__all__ = ["bind_call_arguments", "call_parameters", "UserCallOptions"]

_NOT_OPTIONS = ("training", "mask")
_SIGNATURES = {}  # class -> (positional parameter names of its call, keyword names it accepts or None: any)


def call_parameters(layer):
    """``(positional names, keyword names)`` of ``layer``'s ``call`` (self, training and mask left out);
    keyword names is None when ``call`` takes ``**kwargs``. Built-in layers: ``(["inputs"], ())``."""
    from minidl.keras.layers.base import Layer
    cls = type(layer)
    cached = _SIGNATURES.get(cls)
    if cached is None:
        if cls.call is Layer.call:
            cached = (["inputs"], ())
        else:
            params = list(inspect.signature(cls.call).parameters.values())[1:]
            positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                          and p.name not in _NOT_OPTIONS]
            keywords = None if any(p.kind == p.VAR_KEYWORD for p in params) else tuple(
                p.name for p in params if p.kind != p.VAR_POSITIONAL and p.name not in _NOT_OPTIONS)
            cached = (positional or ["inputs"], keywords)
        _SIGNATURES[cls] = cached
    return cached


def _is_tensor(value) -> bool:
    from minidl.keras.layers._symbolic import KerasTensor
    return isinstance(value, (KerasTensor, Tensor, np.ndarray))


def bind_call_arguments(layer, args, kwargs):
    """``(inputs, more positional arguments)`` of ``layer(*args, **kwargs)``; ``kwargs`` loses the
    arguments moved to positions. Raises Keras' TypeError when the first argument is missing."""
    positional, _ = call_parameters(layer)
    args = list(args)
    if not args:
        first = positional[0]
        key = first if first in kwargs else "inputs" if "inputs" in kwargs else None
        if key is None:
            raise TypeError(f"Layer {layer.name!r} ({type(layer).__name__}) was called without its first "
                            f"argument {first!r} (pass it by position or as `{first}=`)")
        args.append(kwargs.pop(key))
    for name in positional[len(args):]:
        if name not in kwargs or not _is_tensor(kwargs[name]):
            break
        args.append(kwargs.pop(name))
    return args[0], tuple(args[1:])


def _passes_kwargs(layer, kwargs) -> bool:
    return bool(kwargs) and type(layer).call_options is UserCallOptions.call_options


@contextlib.contextmanager
def _no_options():
    yield


class UserCallOptions:
    """Keyword arguments of one call that a user ``call`` accepts (``layer(x, scale=2.0)``), set for the
    call's duration and read by ``Layer._call_user``; a functional model's node records them."""

    @property
    def _takes_call_options(self) -> bool:
        """True for a user ``call`` with keyword parameters beyond inputs, training and mask."""
        from minidl.keras.layers.base import Layer
        if type(self).call is Layer.call:
            return False
        positional, keywords = call_parameters(self)
        return keywords is None or any(k not in positional[:1] for k in keywords)

    @contextlib.contextmanager
    def call_options(self, options):
        """Within the block, the user ``call`` receives the entries of ``options`` it accepts."""
        _, keywords = call_parameters(self)
        accepted = {k: v for k, v in (options or {}).items()
                    if k not in _NOT_OPTIONS and (keywords is None or k in keywords)}
        previous = self.__dict__.get("_user_call_options")
        self.__dict__["_user_call_options"] = accepted
        try:
            yield
        finally:
            self.__dict__["_user_call_options"] = previous

    def _saved_call_arguments(self, node):
        """(saving) ``(tensor arguments, keyword arguments)`` of a functional node: a user ``call``'s
        recorded keyword options (plain values) are written so that ``load_model`` calls it the same way."""
        if not self._takes_call_options:
            return node._parents, {}
        from minidl.keras.layers._symbolic import KerasTensor
        _, keywords = call_parameters(self)
        return node._parents, {k: v for k, v in node._call_kwargs.items() if not isinstance(v, KerasTensor)
                               and _plain(v) and k not in _NOT_OPTIONS and (keywords is None or k in keywords)}


def _plain(value) -> bool:
    """True for a value a saved config can hold as JSON (None, bools, numbers, strings, lists of them)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return isinstance(value, dict) and all(isinstance(k, str) and _plain(v) for k, v in value.items())
