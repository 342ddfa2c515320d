"""A protocol-2 pickle writer for the few types a PyTorch checkpoint holds.

``torch.save`` pickles tensors as calls to ``torch._utils._rebuild_tensor_v2``
on a *persistent id* that names a storage record of the zip archive. Python's
own pickler refuses to name a function it cannot import (torch is not a
dependency), so this module writes the opcodes itself: None, bools, ints,
floats, strings, tuples, lists, dicts, ``collections.OrderedDict``, global
references, NEWOBJ calls, persistent ids, ``bytes`` (as Python's protocol 2 writes them) and
BUILD states (NumPy arrays, as Python's pickle reduces them). The output is an ordinary pickle that
``pickletools.dis`` lists.
"""
from __future__ import annotations

import io
import struct

__all__ = ["PickleWriter", "Global", "Call", "NewObj", "Build", "PersistentId"]


class Global:
    """A reference to ``module.name`` (the GLOBAL opcode)."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name


class Call:
    """``func(*args)`` at unpickling time (GLOBAL + args tuple + REDUCE); ``items``, if
    given, are then set on the result as dict items (SETITEMS)."""

    def __init__(self, func: Global, args: tuple, items=None):
        self.func, self.args, self.items = func, args, items


class NewObj:
    """``cls.__new__(cls, *args)`` at unpickling time (the NEWOBJ opcode), as Python's protocol 2 writes an
    object whose ``__reduce_ex__`` names ``copyreg.__newobj__``; ``items``, if given, are then set on it."""

    def __init__(self, cls: Global, args: tuple, items=None):
        self.cls, self.args, self.items = cls, args, items


class Build:
    """``obj`` whose state is then set from ``state`` (the BUILD opcode: ``obj.__setstate__(state)``),
    as Python's pickle writes an object whose ``__reduce__`` returns a state (a NumPy array, a dtype)."""

    def __init__(self, obj, state):
        self.obj, self.state = obj, state


class PersistentId:
    """A value the unpickler resolves with ``persistent_load(pid)`` (BINPERSID)."""

    def __init__(self, pid: tuple):
        self.pid = pid


class PickleWriter:
    """Serialise a tree of supported values: ``PickleWriter().dumps(obj) -> bytes``."""

    def __init__(self):
        self.out = io.BytesIO()

    def dumps(self, obj) -> bytes:
        """The protocol-2 pickle of ``obj``."""
        self.out.write(b"\x80\x02")
        self._save(obj)
        self.out.write(b".")
        return self.out.getvalue()

    def _save(self, obj):
        w = self.out.write
        if obj is None:
            w(b"N")
        elif obj is True:
            w(b"\x88")
        elif obj is False:
            w(b"\x89")
        elif isinstance(obj, int):
            self._int(obj)
        elif isinstance(obj, float):
            w(b"G" + struct.pack(">d", obj))
        elif isinstance(obj, str):
            data = obj.encode("utf-8", "surrogatepass")
            w(b"X" + struct.pack("<I", len(data)) + data)
        elif isinstance(obj, tuple):
            self._tuple(obj)
        elif isinstance(obj, list):
            w(b"]")
            if obj:
                w(b"(")
                for v in obj:
                    self._save(v)
                w(b"e")
        elif isinstance(obj, dict):
            w(b"}")
            self._setitems(obj)
        elif isinstance(obj, Global):
            w(b"c" + f"{obj.module}\n{obj.name}\n".encode("ascii"))
        elif isinstance(obj, Call):
            self._save(obj.func)
            self._tuple(tuple(obj.args))
            w(b"R")
            if obj.items:
                self._setitems(obj.items)
        elif isinstance(obj, NewObj):
            self._save(obj.cls)
            self._tuple(tuple(obj.args))
            w(b"\x81")
            if obj.items:
                self._setitems(obj.items)
        elif isinstance(obj, Build):
            self._save(obj.obj)
            self._save(obj.state)
            w(b"b")
        elif isinstance(obj, bytes):  # protocol 2 has no bytes opcode: Python writes this call
            self._save(Call(Global("_codecs", "encode"), (obj.decode("latin-1"), "latin1")))
        elif isinstance(obj, PersistentId):
            self._tuple(tuple(obj.pid))
            w(b"Q")
        else:  # callers convert everything else first
            raise TypeError(f"cannot pickle a {type(obj).__name__}")

    def _int(self, v):
        w = self.out.write
        if 0 <= v < 256:
            w(b"K" + bytes([v]))
        elif 0 <= v < 65536:
            w(b"M" + struct.pack("<H", v))
        elif -2 ** 31 <= v < 2 ** 31:
            w(b"J" + struct.pack("<i", v))
        else:
            n = (v.bit_length() + 8) // 8
            data = v.to_bytes(n, "little", signed=True)
            w(b"\x8a" + bytes([len(data)]) + data)

    def _tuple(self, t):
        w = self.out.write
        if not t:
            w(b")")
            return
        if len(t) <= 3:
            for v in t:
                self._save(v)
            w(b"\x85\x86\x87"[len(t) - 1:len(t)])
            return
        w(b"(")
        for v in t:
            self._save(v)
        w(b"t")

    def _setitems(self, items):
        if not items:
            return
        self.out.write(b"(")
        for k, v in items.items():
            self._save(k)
            self._save(v)
        self.out.write(b"u")
