"""PyTorch-compatible weight files: ``.pt``/``.pth`` (PyTorch's zip format, plus reading the
legacy format) and ``.safetensors``.

:func:`minidl.save` and :func:`minidl.load` dispatch here by extension
(``minidl/io.py`` keeps HDF5 and ``.npz``). See :mod:`minidl.serialization.pt`
and :mod:`minidl.serialization.safetensors` for the layouts.
"""
from __future__ import annotations

import os

from ._allowlist import (
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    get_unsafe_globals_in_checkpoint,
    safe_globals,
)
from ._common import is_file_like
from .pt import load_pt, save_pt
from .safetensors import check_header, load_safetensors, save_safetensors

__all__ = ["EXTENSIONS", "handles", "save_file", "load_file", "load_with_config",
           "save_pt", "load_pt", "save_safetensors", "load_safetensors", "check_header",
           "add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals",
           "get_unsafe_globals_in_checkpoint"]

#: extension -> format name, for the files this package reads and writes
EXTENSIONS = {".pt": "pt", ".pth": "pt", ".safetensors": "safetensors"}
#: the extensions minidl.io keeps (HDF5, NumPy); every other name is a PyTorch zip file
NATIVE_EXTENSIONS = (".h5", ".hdf5", ".npz")


def _ext(path) -> str:
    return os.path.splitext(os.fspath(path))[1].lower()


def handles(path) -> bool:
    """True when this package reads/writes ``path``: a binary file object, or a path whose
    extension is one of :data:`EXTENSIONS` or none that :mod:`minidl.io` knows (``.h5``,
    ``.hdf5``, ``.npz``), since ``torch.save`` writes its zip format under any name
    (``checkpoint.pth.tar``, ``model.bin``, ``weights``)."""
    if is_file_like(path):
        return True
    return _ext(path) not in NATIVE_EXTENSIONS


def _format(path) -> str:
    return "pt" if is_file_like(path) else EXTENSIONS.get(_ext(path), "pt")


def save_file(obj, path):
    """Save ``obj`` to a ``.safetensors`` path, or in PyTorch's zip format to any other path
    (atomic write) or binary file object; returns ``path``."""
    if _format(path) == "pt":
        return save_pt(obj, path)
    return save_safetensors(obj, path)


def load_with_config(path, map_location=None, weights_only=True, mmap=False):
    """``(object, zoo config or None)`` from a ``.pt``/``.pth``/``.safetensors`` file (``mmap``: see ``load_pt``)."""
    if _format(path) == "pt":
        return load_pt(path, map_location, weights_only, mmap=mmap)
    if mmap:
        raise RuntimeError(f"load(mmap=True) reads PyTorch's zip format (torch.save) only, not {path!r}")
    return load_safetensors(path, map_location)


def load_file(path, map_location=None, weights_only=True, mmap=False):
    """The object saved in ``path``, with minidl Tensors in place of tensors (a whole saved
    Module with ``weights_only=False``; storages memory-mapped with ``mmap=True``)."""
    return load_with_config(path, map_location, weights_only, mmap=mmap)[0]
