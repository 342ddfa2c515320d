"""Top-level LU functions of PyTorch: ``lu_unpack`` and the deprecated ``lu`` and ``lu_solve`` (thin layers
over :mod:`minidl.linalg_lu`)."""
from __future__ import annotations

import warnings

import numpy as np

from . import return_types
from .linalg_lu import _permutation_from_pivots, lu_factor_ex
from .linalg_lu import lu_solve as _linalg_lu_solve
from .ops.linalg_lu import permutation_matrix
from .tensor import Tensor

__all__ = ["lu_unpack", "lu", "lu_solve"]


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """``(P, L, U)`` from ``linalg.lu_factor``'s packed (..., m, n) ``LU_data`` and int32 ``LU_pivots``:
    P (..., m, m), L (..., m, k) unit lower, U (..., k, n) upper, k = min(m, n); P is empty unless
    ``unpack_pivots``, L and U are empty unless ``unpack_data``. Differentiable in ``LU_data``."""
    from .functions_shape import tril, triu
    if not isinstance(LU_data, Tensor) or LU_data.ndim < 2:
        raise RuntimeError("torch.lu_unpack: LU_data must be a Tensor with at least 2 dimensions")
    if not isinstance(LU_pivots, Tensor) or LU_pivots.array.dtype != np.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.\n"
                           "Note: this function is intended to be used with the output produced by "
                           "torch.linalg.lu_factor")
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    xp, dtype = LU_data.xp, LU_data.array.dtype
    empty = Tensor(xp.zeros((0,), dtype=dtype))
    lower = upper = empty
    if unpack_data:
        lower = tril(LU_data[..., :, :k], -1) + Tensor(xp.eye(m, k, dtype=dtype))
        upper = triu(LU_data[..., :k, :])
    p = empty
    if unpack_pivots:
        if tuple(LU_pivots.shape) != tuple(LU_data.shape[:-2]) + (k,):
            raise RuntimeError(f"torch.lu_unpack: LU_pivots of shape {list(LU_pivots.shape)} do not fit LU_data of "
                               f"shape {list(LU_data.shape)}")
        p = Tensor(xp.asarray(permutation_matrix(_permutation_from_pivots(LU_pivots, m), dtype)))
    result = return_types.lu_unpack(p, lower, upper)
    if out is None:
        return result
    for target, value in zip(out, result):
        target.array = value.xp.asarray(value.array, dtype=target.array.dtype)
    return return_types.lu_unpack(*out)


def lu(A, pivot=True, get_infos=False, out=None):
    """Deprecated: ``(LU, pivots)`` as ``linalg.lu_factor`` (``(LU, pivots, infos)`` with ``get_infos``), never
    raising on a singular matrix."""
    warnings.warn("torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will "
                  "be removed in a future PyTorch release.", UserWarning, stacklevel=2)
    LU, pivots, infos = lu_factor_ex(A, pivot=pivot)
    if get_infos:
        return return_types._lu_with_info(LU, pivots, infos)
    return LU, pivots


def lu_solve(b, LU_data, LU_pivots, *, out=None):
    """Deprecated: X with A X = b from ``(LU_data, LU_pivots)``; ``linalg.lu_solve(LU_data, LU_pivots, b)``."""
    warnings.warn("torch.lu_solve is deprecated in favor of torch.linalg.lu_solve and will be removed in a future "
                  "PyTorch release. Note that torch.linalg.lu_solve has its arguments reversed.", UserWarning,
                  stacklevel=2)
    return _linalg_lu_solve(LU_data, LU_pivots, b, out=out)


