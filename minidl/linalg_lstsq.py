"""``linalg.pinv``, ``matrix_rank`` and ``lstsq`` with PyTorch's tolerances and outputs.

Tolerances: singular values (absolute eigenvalues when ``hermitian``) at or
below ``max(atol, rtol * largest)`` count as zero; ``atol`` and ``rtol`` are
numbers or tensors broadcast against the batch shape. Without ``rtol`` it is
``eps * max(m, n)`` where ``atol`` is not positive and 0 where it is. The
legacy ``tol=`` (matrix_rank, an ``atol``) and ``rcond=`` (pinv, an ``rtol``)
are accepted, positionally too, as PyTorch's overloads do.

``lstsq`` follows PyTorch's CPU drivers' outputs: ``gelsy`` (the default)
gives the rank, ``gelsd``/``gelss`` the rank and the singular values, ``gels``
neither; ``residuals`` (squared column norms of B - A X, shape (..., k)) come
when m > n, the driver is not ``gelsy`` and every matrix has full rank.

>>> import minidl as mdl
>>> A = mdl.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
>>> r = mdl.linalg.lstsq(A, mdl.tensor([[1.0], [1.0], [0.0]]), driver="gelsd")
>>> [round(v, 4) for v in r.solution.flatten().tolist()], r.rank.item(), r.residuals.shape
([0.3333, 0.3333], 2, minidl.Size([1]))
"""
from __future__ import annotations

import numpy as np

from . import return_types
from .backend import get_array_module
from .linalg_ex import type_name
from .ops.elementwise import Where
from .tensor import Tensor, as_tensor

__all__ = ["pinv", "matrix_rank", "lstsq"]

_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _t(value):
    return value if isinstance(value, Tensor) else as_tensor(value)


def _tolerance(xp, a, smax, atol, rtol):
    """``max(atol, rtol * smax)`` per matrix (shape: the batch, plus a trailing 1), PyTorch's defaults."""
    real = np.dtype(a.array.dtype).type(0).real.dtype
    m, n = a.array.shape[-2:]

    def value(v):
        if v is None:
            return None
        v = v.array if isinstance(v, Tensor) else v
        return xp.asarray(v, dtype=real)[..., None]

    atol, rtol = value(atol), value(rtol)
    if rtol is None:
        default = xp.asarray(max(m, n) * np.finfo(real).eps, dtype=real)
        rtol = default if atol is None else xp.where(atol > 0, xp.zeros((), dtype=real), default)
    if atol is None:
        atol = xp.zeros((), dtype=real)
    return xp.maximum(atol, rtol * smax)


def _spectrum(xp, array, hermitian):
    if hermitian:
        return xp.sort(xp.abs(xp.linalg.eigvalsh(array)), axis=-1)[..., ::-1]
    return xp.linalg.svd(array, compute_uv=False)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The number of singular values (absolute eigenvalues when ``hermitian``) above the tolerance, int64 of the
    batch shape. ``tol`` is the legacy name of ``atol`` (with ``rtol`` 0)."""
    a = _t(A)
    if tol is not None:
        if atol is not None or rtol is not None:
            raise TypeError("linalg_matrix_rank() received an invalid combination of arguments: tol with atol or "
                            "rtol")
        atol, rtol = tol, 0.0
    if a.array.dtype.kind not in "fc":
        raise RuntimeError("This function doesn't handle types other than float and double")
    if a.array.ndim < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.")
    if hermitian and a.array.shape[-1] != a.array.shape[-2]:
        raise RuntimeError(f"linalg.matrix_rank: A must be batches of square matrices, but they are "
                           f"{a.array.shape[-2]} by {a.array.shape[-1]} matrices")
    xp = get_array_module(a.array)
    s = _spectrum(xp, a.array, hermitian)
    smax = s[..., :1] if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), dtype=s.dtype)
    tol_ = _tolerance(xp, a, smax, atol, rtol)
    return Tensor((s > tol_).sum(axis=-1).astype(np.int64))


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The Moore-Penrose pseudo-inverse, through the SVD (the eigendecomposition when ``hermitian``); singular
    values at or below the tolerance count as 0. ``rcond`` is the legacy name of ``rtol``."""
    from .linalg import eigh, svd
    a = _t(A)
    if rcond is not None:
        if atol is not None or rtol is not None:
            raise TypeError("linalg_pinv() received an invalid combination of arguments: rcond with atol or rtol")
        rtol = rcond
    if a.array.dtype.kind not in "fc" or a.array.ndim < 2:
        raise RuntimeError(f"linalg.pinv({type_name(a.array.dtype)}{{{list(a.shape)}}}): expected a tensor with 2 or "
                           f"more dimensions of float, double, cfloat or cdouble types")
    xp = get_array_module(a.array)
    if hermitian:
        w, v = eigh(a)
        s = w.abs()
        smax = s.array.max(axis=-1, keepdims=True) if s.array.size else xp.zeros(s.array.shape[:-1] + (1,))
        keep = s.array > _tolerance(xp, a, smax, atol, rtol)
        real = w.array.dtype
        inv_w = Where.apply(1 / Where.apply(w, Tensor(xp.ones((), dtype=real)), cond=keep),
                            Tensor(xp.zeros((), dtype=real)), cond=keep)
        return (v * inv_w.unsqueeze(-2)).matmul(v.mH)
    u, s, vh = svd(a, full_matrices=False)
    smax = s.array[..., :1] if s.array.shape[-1] else xp.zeros(s.array.shape[:-1] + (1,), dtype=s.array.dtype)
    keep = s.array > _tolerance(xp, a, smax, atol, rtol)
    one = Tensor(xp.ones((), dtype=s.array.dtype))
    inv_s = Where.apply(1 / Where.apply(s, one, cond=keep), Tensor(xp.zeros((), dtype=s.array.dtype)), cond=keep)
    return (vh.mH * inv_s.unsqueeze(-2)).matmul(u.mH)


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution X minimising ||A X - B|| (the minimum-norm one for rank-deficient A), as
    ``(solution, residuals, rank, singular_values)`` filled as PyTorch's CPU ``driver`` fills them (see the module
    docstring); ``rcond`` (default eps * max(m, n)) decides the rank."""
    from .ops import shape as _shape
    a, b = _t(A), _t(B)
    if driver is not None and driver not in _DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    driver = driver or "gelsy"
    if a.array.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if b.array.ndim < 1:
        raise RuntimeError("torch.linalg.lstsq: other must have at least 1 dimension.")
    if a.array.dtype.kind not in "fc":
        raise RuntimeError("This function doesn't handle types other than float and double")
    if a.array.dtype != b.array.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's "
                           f"dtype {type_name(a.array.dtype)} and other's dtype {type_name(b.array.dtype)}")
    vector = b.array.ndim == a.array.ndim - 1
    if a.array.shape[-2] != b.array.shape[-1 if vector else -2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size({-1 if vector else -2})")
    if vector:
        b = _shape.unsqueeze(b, -1)
    xp = get_array_module(a.array)
    m, n = a.array.shape[-2:]
    real = np.dtype(a.array.dtype).type(0).real.dtype
    s = xp.linalg.svd(a.array, compute_uv=False)
    rtol = max(m, n) * np.finfo(real).eps if rcond is None or rcond < 0 else rcond
    smax = s[..., :1] if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), dtype=real)
    rank = (s > rtol * smax).sum(axis=-1).astype(np.int64)
    x = pinv(a, rtol=rtol).matmul(b)
    empty = Tensor(xp.zeros((0,), dtype=real))
    residuals = empty
    if m > n and driver != "gelsy" and (driver == "gels" or bool((rank == n).all())):
        diff = a.matmul(x) - b
        residuals = (diff.abs() ** 2 if diff.array.dtype.kind == "c" else diff * diff).sum(-2)
    rank_out = Tensor(xp.zeros((0,), dtype=np.int64)) if driver == "gels" else Tensor(rank)
    values = Tensor(s) if driver in ("gelsd", "gelss") else empty
    return return_types.linalg_lstsq(_shape.squeeze(x, -1) if vector else x, residuals, rank_out, values)
