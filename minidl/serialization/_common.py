"""Shared helpers of the PyTorch-compatible file formats: values to arrays, atomic writes."""
from __future__ import annotations

import os

import numpy as np

__all__ = ["as_array", "is_module", "is_file_like", "chmod_for_umask", "format_error"]


def as_array(value):
    """A NumPy array for a minidl Tensor / NumPy array (CuPy arrays are copied), else None."""
    from ..tensor import Tensor
    if isinstance(value, Tensor):
        value = value.array
    if isinstance(value, np.ndarray):
        return value
    from .. import backend
    if backend.is_device_array(value):
        return backend.to_numpy(value)
    return None


def is_module(obj) -> bool:
    """True for an ``nn.Module`` (anything with ``state_dict`` and ``named_parameters``)."""
    return hasattr(obj, "state_dict") and hasattr(obj, "named_parameters")


def is_file_like(obj) -> bool:
    """True for a binary file object (``io.BytesIO``, ``open(..., "rb"/"wb")``) rather than a path."""
    return not isinstance(obj, (str, bytes, os.PathLike)) and (hasattr(obj, "read") or hasattr(obj, "write"))


def chmod_for_umask(path) -> None:
    """Give ``path`` the mode a plain ``open(path, "w")`` would have (0o666 minus the umask).

    Temporary files from ``tempfile.mkstemp`` are created 0o600; a saved model
    should be readable as the user's other files are.
    """
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def format_error(path, message):
    """A :class:`minidl.io.FileFormatError` ``"<path>: <message>"``."""
    from ..io import FileFormatError
    return FileFormatError(f"{os.fspath(path)}: {message}")
