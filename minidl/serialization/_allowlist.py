"""PyTorch's allowlist for ``weights_only`` loads: ``torch.serialization.add_safe_globals`` and friends.

``minidl.load(path)`` (``weights_only=True``, the default as in PyTorch 2.6+) never runs code from a
file: its unpickler resolves only tensors, storages and plain containers. A user who trusts more names
them here, as in PyTorch::

    with minidl.serialization.safe_globals([RNNModel, nn.LSTM, nn.Linear, nn.Dropout, nn.Embedding]):
        model = minidl.load("model.pt")      # the whole Module saved by minidl.save(model, ...)

Each entry is a class/function, identified in a pickle by ``f"{obj.__module__}.{obj.__qualname__}"``, or a
``(obj, "module.qualname")`` tuple naming the path the pickle uses. A file saved by ``minidl.save(model)``
comes back as that Module under ``weights_only=True`` when every class and function its pickle needs is
allowlisted (its tensors, NumPy arrays, dtypes and ``OrderedDict`` always are); otherwise the load raises
``pickle.UnpicklingError`` naming the first global that is not, as PyTorch's.
"""
from __future__ import annotations

import io
import pickle

__all__ = ["add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals",
           "get_unsafe_globals_in_checkpoint", "user_allowed_globals", "NotAllowedGlobal", "load_allowlisted"]

_marked_safe_globals: set = set()

#: what a pickled minidl Module always needs besides its own classes: data, never behaviour
_DATA_GLOBALS = frozenset({
    "collections.OrderedDict", "builtins.set", "builtins.frozenset", "builtins.slice", "builtins.complex",
    "builtins.bytearray", "numpy.dtype", "numpy.ndarray",
    "numpy._core.numeric._frombuffer", "numpy.core.numeric._frombuffer",
    "numpy._core.multiarray._reconstruct", "numpy.core.multiarray._reconstruct",
    "numpy._core.multiarray.scalar", "numpy.core.multiarray.scalar",
    "numpy.dtypes.Float32DType", "numpy.dtypes.Float64DType", "numpy.dtypes.Int64DType",
    "minidl.tensor.Tensor", "minidl.nn.module.Parameter", "minidl.nn.parameter.Parameter",
    "minidl.nn.parameter._rebuild_uninitialized", "minidl.dtypes.as_dtype", "minidl.size.Size",
})


def add_safe_globals(safe_globals) -> None:
    """Mark ``safe_globals`` (a list of classes/functions or ``(obj, "module.qualname")`` tuples) as safe
    to resolve in every later ``weights_only`` load, as ``torch.serialization.add_safe_globals``."""
    global _marked_safe_globals
    _marked_safe_globals = _marked_safe_globals.union(set(safe_globals))


def get_safe_globals() -> list:
    """The globals marked safe by :func:`add_safe_globals` (and open :class:`safe_globals` blocks)."""
    return list(_marked_safe_globals)


def clear_safe_globals() -> None:
    """Forget every global marked safe."""
    global _marked_safe_globals
    _marked_safe_globals = set()


class safe_globals:
    """Context manager: ``safe_globals`` count as safe for ``weights_only`` loads inside the block only.

    Args:
        safe_globals: list of classes/functions, or ``(obj, "module.qualname")`` tuples.
    """

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        add_safe_globals(self.safe_globals)

    def __exit__(self, exc_type, exc_value, tb):
        global _marked_safe_globals
        _marked_safe_globals = _marked_safe_globals - set(self.safe_globals)


def user_allowed_globals() -> dict:
    """``{"module.qualname": obj}`` for every marked global; raises ``ValueError``/``TypeError``
    (PyTorch's messages) for a malformed tuple entry."""
    allowed = {}
    for entry in _marked_safe_globals:
        if isinstance(entry, tuple):
            if len(entry) != 2:
                raise ValueError("Expected tuple of length 2 (global, str of callable full path), "
                                 f"but got tuple of length: {len(entry)}")
            if type(entry[1]) is not str:
                raise TypeError("Expected second item in tuple to be str of callable full path, "
                                f"but got: {type(entry[1])}")
            obj, name = entry
            allowed[name] = obj
        else:
            allowed[f"{entry.__module__}.{entry.__qualname__}"] = entry
    return allowed


class NotAllowedGlobal(pickle.UnpicklingError):
    """A ``weights_only`` pickle asked for a global that is neither data nor allowlisted."""


def unsupported_global(key: str, name: str) -> str:
    """PyTorch's ``weights_only`` refusal of the global ``key`` (``"module.qualname"``; ``name``: its last part)."""
    return (f"Unsupported global: GLOBAL {key} was not an allowed global by default. Please use "
            f"`minidl.serialization.add_safe_globals([{name}])` or the `minidl.serialization.safe_globals([{name}])` "
            "context manager to allowlist this global if you trust this class/function.")


class _AllowlistUnpickler(pickle.Unpickler):
    """Resolves data globals and allowlisted ones (to the very objects the user listed); refuses the rest
    with :class:`NotAllowedGlobal` before importing anything."""

    def __init__(self, file, allowed):
        super().__init__(file)
        self._allowed = allowed
        self.refused = []

    def find_class(self, module, name):
        key = f"{module}.{name}"
        if key in self._allowed:
            return self._allowed[key]
        if key in _DATA_GLOBALS:
            return super().find_class(module, name)
        if module == "minidl" or module.startswith("minidl."):
            found = super().find_class(module, name)
            from ..dtypes import dtype
            if isinstance(found, dtype):  # minidl.float32 and the other dtype constants
                return found
        raise NotAllowedGlobal(unsupported_global(key, name))


def load_allowlisted(data: bytes):
    """Unpickle ``data`` (a whole-Module record) resolving only data and allowlisted globals; raises
    :class:`NotAllowedGlobal` naming the first other global it needs."""
    return _AllowlistUnpickler(io.BytesIO(data), user_allowed_globals()).load()


def get_unsafe_globals_in_checkpoint(f) -> list:
    """The ``"module.qualname"`` globals the whole-Module pickle inside file ``f`` (a path or binary file
    object saved by ``minidl.save(model, f)``) needs beyond data and the allowlist; ``[]`` when it loads
    under ``weights_only=True`` as a Module, or when the file holds no Module."""
    import pickletools

    from .pt import read_module_record
    data = read_module_record(f)
    if data is None:
        return []
    allowed = user_allowed_globals()
    needed, strings, memo = [], [], {}
    pushed = None  # the string the previous opcode pushed, if it pushed one
    for opcode, arg, _ in pickletools.genops(data):
        name, was_pushed, pushed = opcode.name, pushed, None
        if name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
            strings.append(arg)
            pushed = arg
        elif name == "MEMOIZE":
            memo[len(memo)] = was_pushed
        elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[arg] = was_pushed
        elif name in ("BINGET", "LONG_BINGET", "GET") and isinstance(memo.get(arg), str):
            strings.append(memo[arg])
            pushed = memo[arg]
        elif name == "STACK_GLOBAL":
            needed.append(f"{strings[-2]}.{strings[-1]}")
        elif name == "GLOBAL":
            needed.append(arg.replace(" ", "."))
    unsafe = []
    for key in needed:
        if key in allowed or key in _DATA_GLOBALS or key in unsafe:
            continue
        unsafe.append(key)
    return unsafe
