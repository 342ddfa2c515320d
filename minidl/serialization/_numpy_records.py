"""NumPy values in PyTorch's ``.pt`` pickles, both ways.

``torch.save`` pickles a NumPy array or scalar as Python's pickle (protocol 2) does:
``numpy._core.multiarray._reconstruct(ndarray, (0,), b'b')`` then BUILD with ``(1, shape, dtype, fortran,
raw bytes)``, a scalar as ``numpy._core.multiarray.scalar(dtype, raw bytes)``, so ``torch.load`` gives NumPy
values back. :func:`numpy_record` writes that record for minidl's pickle writer; :data:`NUMPY_GLOBALS` are
the globals such records need when read: pure data, never code, so minidl's restricted unpickler resolves
them even with ``weights_only=True`` (PyTorch asks for them to be allowlisted first).
"""
from __future__ import annotations

import codecs

import numpy as np

from ._pickle_writer import Build, Call, Global

__all__ = ["numpy_record", "NUMPY_GLOBALS"]

NUMPY_GLOBALS = {
    ("numpy._core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
    ("numpy.core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
    ("numpy._core.multiarray", "scalar"): np._core.multiarray.scalar,
    ("numpy.core.multiarray", "scalar"): np._core.multiarray.scalar,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,  # protocol 2 writes bytes as _codecs.encode(str, 'latin1')
}


def numpy_record(obj):
    """The pickle writer's record of a NumPy array or dtype, as Python's ``__reduce_ex__(2)`` describes it."""
    func, args, *state = obj.__reduce_ex__(2)
    call = Call(_plain_record(func), _plain_record(args))
    return Build(call, _plain_record(state[0])) if state and state[0] is not None else call


def _plain_record(value):
    """The writer's value for one piece of a NumPy ``__reduce__``: dtypes reduced in turn, classes and
    functions as globals, containers element by element; numbers, strings and bytes as they are."""
    if isinstance(value, np.dtype):
        return numpy_record(value)
    if isinstance(value, type) or callable(value):
        return Global(value.__module__, value.__qualname__)
    if isinstance(value, tuple):
        return tuple(_plain_record(v) for v in value)
    if isinstance(value, list):
        return [_plain_record(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain_record(v) for k, v in value.items()}
    return value
