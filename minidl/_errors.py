"""Exception types shared by the ops: PyTorch's type for an error, kept catchable as minidl's older one.

PyTorch raises ``RuntimeError`` for operands whose shapes do not fit (matmul, broadcasting, cat,
a layer given the wrong number of features or channels) and for a wrong target dtype; minidl raised
``ValueError`` there. :class:`ShapeError` is both, so ``except RuntimeError`` (PyTorch scripts) and
``except ValueError`` (code written against minidl) each catch it.
"""
from __future__ import annotations

__all__ = ["ArgumentError", "ArgumentAssertionError", "ArgumentTypeError", "ShapeError", "TargetIndexError"]


class ShapeError(RuntimeError, ValueError):
    """Operands or inputs whose shapes (or dtypes) an op cannot take: PyTorch's RuntimeError."""


class ArgumentError(RuntimeError, ValueError):
    """A bad argument value that PyTorch reports as RuntimeError (minidl's older type: ValueError)."""


class ArgumentAssertionError(AssertionError, ValueError):
    """A bad argument value that PyTorch rejects with an assert (minidl's older type: ValueError)."""


class ArgumentTypeError(RuntimeError, TypeError):
    """An argument of the wrong dtype that PyTorch reports as RuntimeError (minidl's older type: TypeError)."""


class TargetIndexError(RuntimeError, IndexError):
    """A class-id target out of range where PyTorch raises RuntimeError (minidl's older type: IndexError)."""
