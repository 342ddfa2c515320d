"""``minidl.set_float32_matmul_precision`` / ``get_float32_matmul_precision``, as PyTorch's.

PyTorch may compute float32 matrix products with TensorFloat-32 or bfloat16
passes under 'high'/'medium'. minidl's float32 products always run in full
float32 (NumPy/CuPy GEMM), which is PyTorch's 'highest'; the setting is
recorded so scripts that set and read it behave as under PyTorch.

>>> import minidl as mdl
>>> mdl.set_float32_matmul_precision("high")
>>> mdl.get_float32_matmul_precision()
'high'
>>> mdl.set_float32_matmul_precision("highest")
"""
from __future__ import annotations

import warnings

__all__ = ["set_float32_matmul_precision", "get_float32_matmul_precision"]

_CHOICES = ("highest", "high", "medium")
_precision = "highest"


def set_float32_matmul_precision(precision):
    """Record the float32 matrix-product precision: 'highest', 'high' or 'medium' (minidl always computes
    in full float32). Another string warns and changes nothing; a non-string raises RuntimeError."""
    global _precision
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}")
    if precision not in _CHOICES:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "set_float32_matmul_precision call has no effect.", UserWarning, stacklevel=2)
        return
    _precision = precision


def get_float32_matmul_precision():
    """The precision last set by :func:`set_float32_matmul_precision` ('highest' at start)."""
    return _precision
