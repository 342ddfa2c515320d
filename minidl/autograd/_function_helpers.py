"""Small helpers of ``minidl/autograd/function.py``: the shape rule for summing a gradient back to its input
(:func:`_reducible`) and the sparse-input test of ``Function.apply``'s slow path (:func:`_has_sparse`)."""
from __future__ import annotations

import numpy as np

__all__ = ["_reducible", "_has_sparse", "SPARSE_TYPES"]


def _reducible(grad_shape, input_shape):
    """Whether a gradient of ``grad_shape`` sums back to ``input_shape`` (the input was broadcast)."""
    try:
        return np.broadcast_shapes(tuple(input_shape), tuple(grad_shape)) == tuple(grad_shape)
    except ValueError:
        return False


#: the array types of sparse tensors (registered by minidl/sparse/_arrays.py when it is imported)
SPARSE_TYPES = set()


def _has_sparse(args, Tensor):
    """Whether a Tensor among ``args`` has a sparse layout (its array is a holder of minidl/sparse/_arrays.py)."""
    for item in args:
        if type(getattr(item, "array", None)) in SPARSE_TYPES:
            return True
    return False
