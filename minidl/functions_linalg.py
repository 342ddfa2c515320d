"""The matrix functions PyTorch also has at the top level (``torch.inverse``, ``torch.det``, ``torch.svd``,
...), in their ``torch.*`` forms; they are built on :mod:`minidl.linalg`.

>>> import minidl as mdl
>>> mdl.inverse(mdl.tensor([[2.0, 0.0], [0.0, 4.0]])).tolist()
[[0.5, 0.0], [0.0, 0.25]]
"""
from __future__ import annotations

import numpy as np

from . import linalg as _linalg
from . import return_types
from .backend import get_array_module
from .ops.elementwise import Where
from .ops.math import log as _math_log
from .tensor import Tensor

__all__ = ["inverse", "det", "logdet", "slogdet", "svd", "qr", "cholesky", "matrix_power", "pinverse"]


def inverse(input, *, out=None):
    """The inverse of each square matrix (``linalg.inv``)."""
    return _linalg.inv(input)


def det(input):
    """The determinant of each square matrix (``linalg.det``)."""
    return _linalg.det(input)


def slogdet(input):
    """``(sign, logabsdet)`` of the determinant (``linalg.slogdet``)."""
    sign, logabsdet = _linalg.slogdet(input)
    return return_types.slogdet(sign, logabsdet)


def logdet(input):
    """log(det(input)): NaN where the determinant is negative, -inf where it is 0."""
    from .linalg_ex import type_name
    if isinstance(input, Tensor) and input.array.dtype.kind not in "fcV":
        raise RuntimeError(f"logdet: Expected a floating point or complex tensor as input. Got "
                           f"{type_name(input.array.dtype)}")
    sign, logabsdet = _linalg.slogdet(input)
    if sign.array.dtype.kind == "c":   # complex: log|det| + i arg(det), as PyTorch
        return logabsdet + _math_log(sign)
    xp = get_array_module(logabsdet.array)
    nan = Tensor(xp.asarray(np.nan, dtype=logabsdet.array.dtype))
    return Where.apply(nan, logabsdet, cond=sign.array < 0)


def svd(input, some=True, compute_uv=True, *, out=None):
    """``(U, S, V)`` with ``input = U @ diag(S) @ V.mH`` (note V, not Vh); ``some=False`` gives full U and V;
    without ``compute_uv``, U and V are zeros."""
    if not compute_uv:   # PyTorch: zero-filled U (m, m) and V (n, n), whatever ``some`` says
        S = _linalg.svdvals(input)
        xp = get_array_module(S.array)
        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        return return_types.svd(Tensor(xp.zeros(batch + (m, m), input.array.dtype)), S,
                                Tensor(xp.zeros(batch + (n, n), input.array.dtype)))
    U, S, Vh = _linalg.svd(input, full_matrices=not some)
    return return_types.svd(U, S, Vh.mH)


def qr(input, some=True, *, out=None):
    """``(Q, R)`` with ``input = Q @ R``; ``some=False`` gives the complete Q."""
    Q, R = _linalg.qr(input, "reduced" if some else "complete")
    return return_types.qr(Q, R)


def cholesky(input, upper=False, *, out=None):
    """The Cholesky factor (lower, or upper with ``upper=True``) of symmetric positive-definite matrices."""
    from .linalg_ex import type_name
    if isinstance(input, Tensor) and input.array.dtype.kind not in "fcV":
        raise NotImplementedError(f"\"cholesky_cpu\" not implemented for '{type_name(input.array.dtype)}'")
    return _linalg.cholesky(input, upper=upper)


def matrix_power(input, n):
    """``input`` to the integer power ``n`` (``linalg.matrix_power``)."""
    return _linalg.matrix_power(input, n)


def pinverse(input, rcond=1e-15):
    """The Moore-Penrose pseudo-inverse (singular values below ``rcond`` times the largest count as 0)."""
    return _linalg.pinv(input, rtol=rcond)


from .linalg_out import linalg_out as _linalg_out  # noqa: E402

# PyTorch's out= on the top-level forms (its dtype rules and texts, as minidl.linalg's)
inverse = _linalg_out(inverse, "linalg_inv_ex", "exact")
slogdet = _linalg_out(slogdet, "_linalg_slogdet", "exact")
svd = _linalg_out(svd, "_linalg_svd", "exact")
qr = _linalg_out(qr, "linalg_qr", "exact")
cholesky = _linalg_out(cholesky, "cholesky", "castable", "cholesky")
matrix_power = _linalg_out(matrix_power, "linalg_matrix_power", "castable_exact", "matrix_power")
