"""Arbitrary Python objects inside a ``.pt`` checkpoint, as ``torch.save`` pickles them.

Training scripts save more than tensors: ``torch.save({"args": args, "epoch": e, "model": sd}, path)``
with an ``argparse.Namespace``, a ``set``, a ``datetime``, an ``Enum`` member or a class of their own.
``torch.save`` pickles those with Python's rules; so does minidl's writer here, through the object's
``__reduce_ex__(2)`` (its class by reference, its state converted like any other value, so tensors
inside it are still stored as tensor records PyTorch can read).

Loading follows ``torch.load``: with ``weights_only=True`` (the default) a class the file names is refused
unless allowlisted (``minidl.serialization.add_safe_globals``); with ``weights_only=False`` it is
imported and called, which runs the file's code, so only for files the user trusts.
"""
from __future__ import annotations

import copyreg
import importlib
import types

from ..io import FileFormatError
from ._allowlist import NotAllowedGlobal, unsupported_global
from ._common import format_error
from ._pickle_writer import Build, Call, Global, NewObj

__all__ = ["global_of", "object_record", "trusted_class", "objects_in", "WeightsOnlyRefusal", "refusal"]


class WeightsOnlyRefusal(FileFormatError, NotAllowedGlobal):
    """A ``weights_only`` load met a global it may not import: ``pickle.UnpicklingError`` as PyTorch's,
    and a :class:`minidl.io.FileFormatError` (a ValueError) as minidl's other file-format errors."""


def refusal(path, module: str, name: str) -> WeightsOnlyRefusal:
    """The error of a ``weights_only`` load of ``path`` that met ``module.name``."""
    return WeightsOnlyRefusal(f"{path}: refusing to load {module}.{name} (pass weights_only=False only for a file "
                              f"you trust): {unsupported_global(f'{module}.{name}', name.rsplit('.', 1)[-1])}")


def _import_global(module: str, name: str):
    """``module.name`` (``name`` may be dotted) as pickle finds a global; ImportError/AttributeError if absent."""
    found = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    return found


def global_of(obj, where: str) -> Global:
    """``obj`` (a class or a module-level function) as a pickle global; TypeError naming ``where`` when
    pickle could not find it again on loading (a lambda, a local class)."""
    module, name = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    found = None
    if module and name and "<" not in name:
        try:
            found = _import_global(module, name)
        except (ImportError, AttributeError):
            found = None
    if found is not obj:
        raise TypeError(f"cannot save {obj!r} at '{where}' in a .pt file: pickle can only refer to classes "
                        "and functions importable by their module and name (not a lambda or a local one)")
    return Global(module, name)


def object_record(convert, obj, where: str):
    """The writer values of ``obj``, an object the container rules do not cover, from its
    ``__reduce_ex__(2)``; ``convert(value, where)`` converts the parts (tensors included)."""
    if isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
        return global_of(obj, where)
    try:
        reduced = obj.__reduce_ex__(2)
    except Exception as exc:
        raise TypeError(f"cannot save a {type(obj).__name__} at '{where}' in a .pt file: {exc}") from None
    if isinstance(reduced, str):       # a module-level singleton, pickled by name
        return global_of(obj, where)
    func, args = reduced[0], tuple(reduced[1])
    if any(a is obj for a in args):
        raise TypeError(f"cannot save a {type(obj).__name__} at '{where}' in a .pt file: it reduces to itself")
    state = reduced[2] if len(reduced) > 2 else None
    listitems = reduced[3] if len(reduced) > 3 else None
    dictitems = reduced[4] if len(reduced) > 4 else None
    if listitems is not None:
        listitems = list(listitems)
        if listitems:
            raise TypeError(f"cannot save a {type(obj).__name__} at '{where}' in a .pt file: list subclasses "
                            "are not supported; save a plain list")
    items = None
    if dictitems is not None:
        items = {convert(k, where): convert(v, f"{where}/{k}") for k, v in dictitems}
    if func is copyreg.__newobj__:     # protocol 2's NEWOBJ: cls.__new__(cls, *args)
        record = NewObj(global_of(args[0], where), tuple(convert(a, f"{where}/{i}") for i, a in enumerate(args[1:])),
                        items or None)
    else:
        record = Call(global_of(func, where), tuple(convert(a, f"{where}/{i}") for i, a in enumerate(args)),
                      items or None)
    if state is not None:
        record = Build(record, convert(state, where))
    return record


def trusted_class(path, module: str, name: str):
    """``module.name`` imported as Python's unpickler would (``weights_only=False``)."""
    if module == "torch" or module.startswith("torch."):
        raise format_error(path, f"cannot load {module}.{name}: the file needs PyTorch's own class, which "
                                 "minidl does not have (save the state_dict instead)")
    try:
        return _import_global(module, name)
    except (ImportError, AttributeError) as exc:
        raise format_error(path, f"cannot load {module}.{name}: {exc}") from None


def objects_in(obj):
    """The attribute dict of ``obj`` when it is a plain object whose attributes may hold tensors to
    materialise (not a class, a module or a function); else None."""
    if isinstance(obj, (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType)):
        return None
    attrs = getattr(obj, "__dict__", None)
    return attrs if isinstance(attrs, dict) else None
