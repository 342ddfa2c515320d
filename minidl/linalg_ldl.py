"""LDL^T factorisation of symmetric matrices with Bunch-Kaufman pivoting, ``torch.linalg.ldl_factor``,
``ldl_factor_ex`` and ``ldl_solve`` (re-exported by :mod:`minidl.linalg`).

The factorisation is LAPACK's unblocked ``sytf2`` on the lower triangle: at
each step a 1x1 or a 2x2 pivot block is chosen with alpha = (1 + sqrt(17)) / 8,
rows and columns are swapped, and the trailing matrix is updated. ``LD`` holds
the multipliers of the unit lower L below the block diagonal of D; ``pivots``
are LAPACK's (1-based; a 2x2 block at k, k+1 stores -p twice). ``ldl_solve``
is ``sytrs``. As in PyTorch, none of these is differentiable. Complex
matrices are factored as complex symmetric (LAPACK's csytf2, pivots chosen by
|re| + |im|) or, with ``hermitian=True``, as Hermitian (hetf2 / hetrs).

>>> import minidl as mdl
>>> A = mdl.tensor([[4.0, 2.0], [2.0, 3.0]])
>>> LD, pivots = mdl.linalg.ldl_factor(A)
>>> LD.tolist(), pivots.tolist()
([[4.0, 0.0], [0.5, 2.0]], [1, 2])
>>> mdl.linalg.ldl_solve(LD, pivots, mdl.tensor([[6.0], [5.0]])).flatten().tolist()
[1.0, 1.0]
"""
from __future__ import annotations

import math

import numpy as np

from . import return_types
from .backend import to_numpy
from .tensor import Tensor, as_tensor

__all__ = ["ldl_factor", "ldl_factor_ex", "ldl_solve"]

_ALPHA = (1 + math.sqrt(17)) / 8


def _cabs1(x):
    """LAPACK's magnitude for pivoting: |re| + |im| (|x| for real numbers)."""
    return np.abs(x.real) + np.abs(x.imag) if np.iscomplexobj(x) else np.abs(x)


def _sytf2_lower(a, hermitian=False):
    """Factor one symmetric (Hermitian when ``hermitian``) (n, n) array in place (lower triangle), as LAPACK's
    sytf2 / hetf2; returns (pivots 1-based, info)."""
    n = a.shape[0]
    herm = hermitian and np.iscomplexobj(a)
    ipiv = np.zeros(n, dtype=np.int32)
    info = 0
    k = 0
    while k < n:
        kstep = 1
        absakk = abs(a[k, k].real) if herm else float(_cabs1(a[k, k]))
        if k < n - 1:
            imax = k + 1 + int(np.argmax(_cabs1(a[k + 1:, k])))
            colmax = float(_cabs1(a[imax, k]))
        else:
            imax, colmax = k, 0.0
        if max(absakk, colmax) == 0 or np.isnan(absakk):
            info = info or k + 1
            kp = k
            if herm:
                a[k, k] = a[k, k].real
        else:
            if absakk >= _ALPHA * colmax:
                kp = k
            else:
                rowmax = _cabs1(a[imax, k:imax]).max()
                if imax < n - 1:
                    rowmax = max(rowmax, _cabs1(a[imax + 1:, imax]).max())
                diag = abs(a[imax, imax].real) if herm else float(_cabs1(a[imax, imax]))
                if absakk >= _ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif diag >= _ALPHA * rowmax:
                    kp = imax
                else:
                    kp, kstep = imax, 2
            kk = k + kstep - 1
            if kp != kk:
                column = a[kp + 1:, kk].copy()
                a[kp + 1:, kk] = a[kp + 1:, kp]
                a[kp + 1:, kp] = column
                middle = a[kk + 1:kp, kk].copy()
                a[kk + 1:kp, kk] = a[kp, kk + 1:kp].conj() if herm else a[kp, kk + 1:kp]
                a[kp, kk + 1:kp] = middle.conj() if herm else middle
                if herm:
                    a[kp, kk] = np.conj(a[kp, kk])
                    a[kk, kk], a[kp, kp] = a[kp, kp].real, a[kk, kk].real
                else:
                    a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]
                if kstep == 2:
                    if herm:
                        a[k, k] = a[k, k].real
                    a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
            elif herm:
                a[k, k] = a[k, k].real
                if kstep == 2:
                    a[k + 1, k + 1] = a[k + 1, k + 1].real
            if kstep == 1:
                if k < n - 1:
                    d11 = 1.0 / (a[k, k].real if herm else a[k, k])
                    x = a[k + 1:, k].copy()
                    a[k + 1:, k + 1:] -= d11 * np.tril(np.outer(x, x.conj() if herm else x))
                    if herm:
                        idx = np.arange(k + 1, n)
                        a[idx, idx] = a[idx, idx].real
                    a[k + 1:, k] *= d11
            elif k < n - 2:
                _update_2x2(a, k, n, herm)
        if kstep == 1:
            ipiv[k] = kp + 1
        else:
            ipiv[k] = ipiv[k + 1] = -(kp + 1)
        k += kstep
    return ipiv, info


def _update_2x2(a, k, n, herm):
    """The trailing update after a 2x2 pivot block at k (sytf2's, or hetf2's with conjugates)."""
    if herm:
        d = abs(a[k + 1, k])
        d11, d22 = a[k + 1, k + 1].real / d, a[k, k].real / d
        tt = 1.0 / (d11 * d22 - 1.0)
        d21 = a[k + 1, k] / d
        d = tt / d
        for j in range(k + 2, n):
            wk = d * (d11 * a[j, k] - d21 * a[j, k + 1])
            wkp1 = d * (d22 * a[j, k + 1] - np.conj(d21) * a[j, k])
            a[j:, j] -= a[j:, k] * np.conj(wk) + a[j:, k + 1] * np.conj(wkp1)
            a[j, k] = wk
            a[j, k + 1] = wkp1
            a[j, j] = a[j, j].real
        return
    d21 = a[k + 1, k]
    d11 = a[k + 1, k + 1] / d21
    d22 = a[k, k] / d21
    t = 1.0 / (d11 * d22 - 1.0)
    d21 = t / d21
    for j in range(k + 2, n):
        wk = d21 * (d11 * a[j, k] - a[j, k + 1])
        wkp1 = d21 * (d22 * a[j, k + 1] - a[j, k])
        a[j:, j] -= a[j:, k] * wk + a[j:, k + 1] * wkp1
        a[j, k] = wk
        a[j, k + 1] = wkp1


def _square(name, A):
    a = A if isinstance(A, Tensor) else as_tensor(A)
    if a.array.ndim < 2:
        raise RuntimeError(f"torch.linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"torch.linalg.{name}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    if a.array.dtype.kind not in "fc":
        from .linalg_ex import type_name
        raise RuntimeError(f"torch.linalg.{name}: Expected a floating point or complex tensor as input. Got "
                           f"{type_name(a.array.dtype)}")
    return a


def ldl_factor_ex(A, *, hermitian=False, check_errors=False, out=None):
    """``(LD, pivots, info)`` of symmetric A (..., n, n) (its lower triangle is read): LD (..., n, n) the
    compact L and D, int32 LAPACK pivots (..., n), int32 ``info`` (0, or k when D[k-1, k-1] is exactly zero)."""
    a = _square("ldl_factor_ex", A)
    host = np.array(to_numpy(a.array), copy=True)
    batch, n = host.shape[:-2], host.shape[-1]
    flat = host.reshape((int(np.prod(batch)), n, n))
    pivots = np.zeros((flat.shape[0], n), dtype=np.int32)
    info = np.zeros(flat.shape[0], dtype=np.int32)
    for i in range(flat.shape[0]):
        flat[i] = np.tril(flat[i])
        pivots[i], info[i] = _sytf2_lower(flat[i], hermitian)
        flat[i] = np.tril(flat[i])
    if check_errors and info.any():
        raise RuntimeError(f"torch.linalg.ldl_factor_ex: D[{int(info[info != 0][0]) - 1}, "
                           f"{int(info[info != 0][0]) - 1}] is zero: the matrix is singular")
    xp = a.xp
    result = return_types.linalg_ldl_factor_ex(Tensor(xp.asarray(flat.reshape(host.shape))),
                                               Tensor(xp.asarray(pivots.reshape(batch + (n,)))),
                                               Tensor(xp.asarray(info.reshape(batch))))
    return _write(out, result)


def ldl_factor(A, *, hermitian=False, out=None):
    """``(LD, pivots)``: the Bunch-Kaufman LDL^T factorisation of symmetric A (see :func:`ldl_factor_ex`); a
    RuntimeError when D is singular."""
    LD, pivots, info = ldl_factor_ex(A, hermitian=hermitian)
    flat = to_numpy(info.array).reshape(-1)
    if flat.any():
        k = int(flat[flat != 0][0])
        raise RuntimeError(f"torch.linalg.ldl_factor: D[{k - 1}, {k - 1}] is zero: the matrix is singular and "
                           f"cannot be used to solve a system (see linalg.ldl_factor_ex)")
    return _write(out, return_types.linalg_ldl_factor(LD, pivots))


def _sytrs_lower(ld, ipiv, b, hermitian=False):
    """Solve A X = B in place on ``b`` (n, k) from one lower LDL^T (LDL^H when ``hermitian``) factorisation
    (LAPACK's sytrs / hetrs)."""
    n = ld.shape[0]
    herm = hermitian and np.iscomplexobj(ld)
    cj = np.conj if herm else (lambda x: x)
    k = 0
    while k < n:
        if ipiv[k] > 0:
            kp = ipiv[k] - 1
            if kp != k:
                b[[k, kp]] = b[[kp, k]]
            b[k + 1:] -= np.outer(ld[k + 1:, k], b[k])
            b[k] /= ld[k, k].real if herm else ld[k, k]
            k += 1
        else:
            kp = -ipiv[k] - 1
            if kp != k + 1:
                b[[k + 1, kp]] = b[[kp, k + 1]]
            b[k + 2:] -= np.outer(ld[k + 2:, k], b[k]) + np.outer(ld[k + 2:, k + 1], b[k + 1])
            akm1k = ld[k + 1, k]
            akm1, ak = ld[k, k] / cj(akm1k), ld[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1.0
            bkm1, bk = b[k] / cj(akm1k), b[k + 1] / akm1k
            b[k], b[k + 1] = (ak * bkm1 - bk) / denom, (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:
        if ipiv[k] > 0:
            b[k] -= cj(ld[k + 1:, k]) @ b[k + 1:]
            kp = ipiv[k] - 1
            if kp != k:
                b[[k, kp]] = b[[kp, k]]
            k -= 1
        else:
            b[k] -= cj(ld[k + 1:, k]) @ b[k + 1:]
            b[k - 1] -= cj(ld[k + 1:, k - 1]) @ b[k + 1:]
            kp = -ipiv[k] - 1
            if kp != k:
                b[[k, kp]] = b[[kp, k]]
            k -= 2
    return b


def ldl_solve(LD, pivots, B, *, hermitian=False, out=None):
    """X with A X = B from ``ldl_factor``'s ``(LD, pivots)`` of A (..., n, n); B (..., n, k)."""
    ld = _square("ldl_solve", LD)
    b = B if isinstance(B, Tensor) else as_tensor(B)
    if b.array.ndim < 2:
        raise RuntimeError("torch.linalg.ldl_solve: The input tensor B must have at least 2 dimensions.")
    if not isinstance(pivots, Tensor) or pivots.array.dtype != np.int32:
        raise RuntimeError("torch.linalg.ldl_solve: Expected pivots to be integers. Got a tensor of another type")
    if tuple(pivots.shape) != tuple(ld.shape[:-1]):
        raise RuntimeError(f"torch.linalg.ldl_solve: Expected LD.shape[:-1] and pivots.shape to be the same, but got "
                           f"pivots with shape {list(pivots.shape)} instead")
    n = ld.shape[-1]
    if b.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for torch.linalg.ldl_solve: each A matrix is {n} by {n} but "
                           f"each b matrix is {b.shape[-2]} by {b.shape[-1]}")
    batch = tuple(np.broadcast_shapes(tuple(ld.shape[:-2]), tuple(b.shape[:-2])))
    count = int(np.prod(batch))
    lds = np.broadcast_to(to_numpy(ld.array), batch + (n, n)).reshape((count, n, n))
    pivs = np.broadcast_to(to_numpy(pivots.array), batch + (n,)).reshape((count, n))
    rhs = np.array(np.broadcast_to(to_numpy(b.array).astype(lds.dtype), batch + tuple(b.shape[-2:])), copy=True)
    flat = rhs.reshape((count,) + tuple(b.shape[-2:]))
    for i in range(flat.shape[0]):
        _sytrs_lower(lds[i], pivs[i], flat[i], hermitian)
    x = Tensor(ld.xp.asarray(rhs))
    return _write(out, x)


def _write(out, result):
    if out is None:
        return result
    if isinstance(result, Tensor):
        out.array = result.xp.asarray(result.array, dtype=out.array.dtype)
        return out
    for target, value in zip(out, result):
        target.array = value.xp.asarray(value.array, dtype=target.array.dtype)
    return type(result)(*out)
