"""The error functions on NumPy arrays: Numba ufuncs over ``math.erf``/``math.erfc``, compiled on first use
(exact to the last bit or two in float32 and float64). :func:`minidl.backend.erf`/``erfc`` call these for
host arrays."""
from __future__ import annotations

import math

from .meta_array import MetaArray, is_meta_array

__all__ = ["erf_host", "erfc_host"]

_ufuncs = {}


def _erf_scalar(v):
    return math.erf(v)


def _erfc_scalar(v):
    return math.erfc(v)


def _ufunc(name, scalar):
    if name not in _ufuncs:
        import numba
        _ufuncs[name] = numba.vectorize(["float32(float32)", "float64(float64)"], cache=True)(scalar)
    return _ufuncs[name]


def erf_host(array):
    """erf of a NumPy floating array, elementwise (same dtype); a meta array gives a meta array."""
    if is_meta_array(array):
        return MetaArray(array.shape, array.dtype)
    return _ufunc("erf", _erf_scalar)(array)


def erfc_host(array):
    """erfc of a NumPy floating array, elementwise (same dtype); a meta array gives a meta array."""
    if is_meta_array(array):
        return MetaArray(array.shape, array.dtype)
    return _ufunc("erfc", _erfc_scalar)(array)
