"""Which tensor an op's output is a view of (``Tensor._base``); see :mod:`minidl.autograd.view_inplace`."""
from __future__ import annotations

import numpy as np

from .. import backend

__all__ = ["note_view", "is_device_view"]


def is_device_view(array):
    """Whether ``array`` is a GPU array viewing another one's memory."""
    return backend.is_device_array(array) and array.base is not None


def _root(array):
    """The array that owns ``array``'s memory (following ``.base`` through views)."""
    while True:
        base = getattr(array, "base", None)
        if base is not None and not hasattr(base, "strides"):
            base = getattr(base, "base", None)   # as_strided's stand-in object holds the array as .base
        if base is None or not hasattr(base, "strides"):
            return array
        array = base


def note_view(out, tensors):
    """Record on ``out`` the base of the input whose memory its array views (``out._base``), if any."""
    root = _root(out.array)
    for t in tensors:
        if t is not None and (type(t.array) is np.ndarray or backend.is_device_array(t.array)) and \
                _root(t.array) is root:
            base = t.__dict__.get("_base")
            out._base = t if base is None else base
            return
