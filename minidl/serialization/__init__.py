"""PyTorch-compatible weight files: ``.pt``/``.pth`` (PyTorch's zip format, plus reading the
legacy format) and ``.safetensors``.

:func:`minidl.save` and :func:`minidl.load` dispatch here by extension
(``minidl/io.py`` keeps HDF5 and ``.npz``). See :mod:`minidl.serialization.pt`
and :mod:`minidl.serialization.safetensors` for the layouts.
"""
from __future__ import annotations

import os

from .pt import load_pt, save_pt
from .safetensors import check_header, load_safetensors, save_safetensors

__all__ = ["EXTENSIONS", "handles", "save_file", "load_file", "load_with_config",
           "save_pt", "load_pt", "save_safetensors", "load_safetensors", "check_header"]

#: extension -> format name, for the files this package reads and writes
EXTENSIONS = {".pt": "pt", ".pth": "pt", ".safetensors": "safetensors"}


def _ext(path) -> str:
    return os.path.splitext(os.fspath(path))[1].lower()


def handles(path) -> bool:
    """True when ``path``'s extension is one of :data:`EXTENSIONS`."""
    return _ext(path) in EXTENSIONS


def save_file(obj, path):
    """Save ``obj`` to a ``.pt``/``.pth``/``.safetensors`` path (atomic write); returns the path."""
    if EXTENSIONS[_ext(path)] == "pt":
        return save_pt(obj, path)
    return save_safetensors(obj, path)


def load_with_config(path, map_location=None):
    """``(object, zoo config or None)`` from a ``.pt``/``.pth``/``.safetensors`` file."""
    if EXTENSIONS[_ext(path)] == "pt":
        return load_pt(path, map_location)
    return load_safetensors(path, map_location)


def load_file(path, map_location=None):
    """The object saved in ``path``, with minidl Tensors in place of tensors."""
    return load_with_config(path, map_location)[0]
