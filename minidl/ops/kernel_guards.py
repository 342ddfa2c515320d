"""PyTorch's refusals of dtypes its kernels do not implement, with its error text.

PyTorch raises ``NotImplementedError: "hypot_cpu" not implemented for 'Long'`` (or a
``RuntimeError`` with a fixed sentence) where NumPy would compute something; the ops call
these checks first so that minidl refuses the same inputs with the same message.
"""
from __future__ import annotations

import numpy as np

__all__ = ["dtype_of", "promoted", "refuse_kinds", "torch_name"]


def torch_name(np_dtype):
    """PyTorch's scalar-type name of a NumPy dtype (``Long``, ``Float``, ``ComplexFloat``, ...)."""
    from ..tensor_inplace import _torch_name
    return _torch_name(np.dtype(np_dtype))


def dtype_of(value):
    """The NumPy dtype of a Tensor (or array)."""
    return np.dtype((value.array if hasattr(value, "array") else value).dtype)


def promoted(a, b):
    """PyTorch's result dtype of two operands (Tensors or numbers)."""
    from ..dtypes import result_type
    return np.dtype(result_type(a, b))


def refuse_kinds(kernel, np_dtype, kinds, error=NotImplementedError, message=None):
    """Raise ``error`` when ``np_dtype``'s kind is in ``kinds`` ("b" bool, "iu" integers, "c" complex):
    ``message`` if given, else PyTorch's ``"<kernel>" not implemented for '<Type>'``."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind in kinds:
        raise error(message if message is not None else f"\"{kernel}\" not implemented for '{torch_name(np_dtype)}'")
