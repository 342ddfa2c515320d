"""LU factorisation, LU solves and products of Householder reflectors: ``torch.linalg``'s ``lu_factor``,
``lu_factor_ex``, ``lu``, ``lu_solve`` and ``householder_product`` (re-exported by :mod:`minidl.linalg`).

Batched over leading dimensions and differentiable as PyTorch's: ``lu``/``lu_factor`` through
:class:`minidl.ops.linalg_lu.LuPart`, ``lu_solve`` and ``householder_product`` as compositions of
differentiable operations (triangular solves, products), so second derivatives come with them.

>>> import minidl as mdl
>>> A = mdl.tensor([[1.0, 2.0], [3.0, 4.0]])
>>> LU, pivots = mdl.linalg.lu_factor(A)
>>> pivots.tolist(), mdl.linalg.lu_solve(LU, pivots, mdl.tensor([[5.0], [11.0]])).flatten().tolist()
([2, 2], [1.0, 2.0])
"""
from __future__ import annotations

import numpy as np

from . import return_types
from .backend import to_numpy
from .ops import math as _math
from .ops.linalg_lu import LuPart, lu_decompose, permutation_matrix
from .tensor import Tensor, as_tensor

__all__ = ["lu_factor", "lu_factor_ex", "lu", "lu_solve", "householder_product"]


def _matrices(name, value, *, square=False, prefix="linalg."):
    a = value if isinstance(value, Tensor) else as_tensor(value)
    if a.array.ndim < 2:
        prefix_ = "linalg" if name == "lu" else "torch"
        raise RuntimeError(f"{prefix_}.{name}: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(a.shape)} instead")
    if a.array.dtype.kind not in "fc" and name in ("lu", "lu_factor"):
        from .linalg_ex import type_name
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{type_name(a.array.dtype)}'")
    if a.array.dtype.kind not in "fc":
        raise NotImplementedError(f"{prefix}{name}: not implemented for {a.dtype} (floating or complex matrices "
                                  f"only)")
    if square and a.array.shape[-1] != a.array.shape[-2]:
        raise RuntimeError(f"torch.linalg.{name}: A must be batches of square matrices, but they are "
                           f"{a.array.shape[-2]} by {a.array.shape[-1]} matrices")
    return a


def _write_out(out, results):
    """PyTorch's ``out=``: each result copied into the given tensor (resized), which is returned instead."""
    if out is None:
        return results
    if len(out) != len(results):
        raise TypeError(f"out must be a tuple of {len(results)} tensors, got {len(out)}")
    for target, value in zip(out, results):
        target.array = value.xp.asarray(value.array, dtype=target.array.dtype)
    return type(results)(*out)


def _factor(name, A, pivot):
    a = _matrices("lu" if name == "lu" else "lu_factor", A)
    if not pivot:
        raise RuntimeError(f"linalg.{name}: LU without pivoting is not implemented on the CPU")
    xp = a.xp
    packed, pivots, perm, info = lu_decompose(a.array)
    p = permutation_matrix(perm, packed.dtype)
    result = (xp.asarray(p), xp.asarray(packed))
    return a, result, xp.asarray(pivots), xp.asarray(info)


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """``(LU, pivots, info)`` of A (..., m, n): L (unit lower, below the diagonal) and U packed in one
    (..., m, n) matrix, 1-based int32 row swaps (..., min(m, n)) as LAPACK's, and int32 ``info`` (...,): 0, or
    the 1-based index of the first zero pivot (then U is singular). Differentiable in A."""
    a, result, pivots, info = _factor("lu_factor_ex", A, pivot)
    if check_errors and bool((info != 0).any()):
        raise RuntimeError(f"torch.linalg.lu_factor_ex: U[{int(info.reshape(-1)[info.reshape(-1) != 0][0])},"
                           f"{int(info.reshape(-1)[info.reshape(-1) != 0][0])}] is zero (the matrix is singular)")
    packed = LuPart.apply(a, part="LU", result=result)
    return _write_out(out, return_types.linalg_lu_factor_ex(packed, Tensor(pivots), Tensor(info)))


def lu_factor(A, *, pivot=True, out=None):
    """``(LU, pivots)``: the packed LU factorisation of A (..., m, n) with partial pivoting (see
    :func:`lu_factor_ex`); a RuntimeError if a zero pivot makes U singular. Differentiable in A."""
    a, result, pivots, info = _factor("lu_factor", A, pivot)
    flat = to_numpy(info).reshape(-1)
    if flat.size and (flat != 0).any():
        j = int(flat[flat != 0][0])
        raise RuntimeError(f"torch.linalg.lu_factor: U[{j},{j}] is zero and using it on lu_solve would result in a "
                           f"division by zero. If you still want to perform the factorization, consider calling "
                           f"linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    packed = LuPart.apply(a, part="LU", result=result)
    return _write_out(out, return_types.linalg_lu_factor(packed, Tensor(pivots)))


def lu(A, *, pivot=True, out=None):
    """``(P, L, U)`` with A = P @ L @ U for A (..., m, n): P (..., m, m) a permutation matrix, L (..., m, k)
    unit lower triangular, U (..., k, n) upper triangular, k = min(m, n). Differentiable in A (L and U)."""
    a, result, _, _ = _factor("lu", A, pivot)
    lower = LuPart.apply(a, part="L", result=result)
    upper = LuPart.apply(a, part="U", result=result)
    return _write_out(out, return_types.linalg_lu(Tensor(result[0]), lower, upper))


def _permutation_from_pivots(pivots, m):
    """The row order (..., m) that the 1-based LAPACK swaps ``pivots`` (..., k) apply: A[perm] = L U."""
    piv = to_numpy(pivots.array).astype(np.int64) - 1
    batch, k = piv.shape[:-1], piv.shape[-1]
    flat = piv.reshape(int(np.prod(batch)), k)
    perm = np.tile(np.arange(m), (flat.shape[0], 1))
    rows = np.arange(flat.shape[0])
    for j in range(k):
        p = flat[:, j]
        top = perm[rows, j].copy()
        perm[rows, j] = perm[rows, p]
        perm[rows, p] = top
    return perm.reshape(batch + (m,))


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """X solving A X = B (X A = B when ``left=False``; with A^T when ``adjoint``) from ``lu_factor``'s
    ``(LU, pivots)`` of a square A (..., n, n); B (..., n, k) (or (..., k, n) on the right). Differentiable
    in LU and B."""
    from .functions_shape import tril, triu
    from .linalg import solve_triangular
    lu_t = _matrices("lu_solve", LU, square=True)
    b = B if isinstance(B, Tensor) else as_tensor(B)
    if not isinstance(pivots, Tensor) or pivots.array.dtype != np.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32")
    if b.array.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    n = lu_t.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        rows, cols = (b.shape[-2], b.shape[-1]) if left else (b.shape[-1], b.shape[-2])
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation {equation} "
                           f"({n}x{n} and {rows}x{cols})")
    if tuple(pivots.shape) != tuple(lu_t.shape[:-1]):
        raise RuntimeError(f"linalg.lu_solve: Expected pivots of shape {list(lu_t.shape[:-1])}, got "
                           f"{list(pivots.shape)}")
    if b.array.dtype != lu_t.array.dtype:
        b = _math.cast(b, lu_t.array.dtype)
    perm = _permutation_from_pivots(pivots, n)
    p = Tensor(lu_t.xp.asarray(permutation_matrix(perm, lu_t.array.dtype)))
    lower, upper = tril(lu_t, -1), triu(lu_t)
    # A = P L U; op(A) is A or A^T, and the system is op(A) X = B, or X op(A) = B on the right.
    if left and not adjoint:      # X = U^-1 L^-1 P^T B
        y = solve_triangular(lower, p.mT.matmul(b), upper=False, unitriangular=True)
        x = solve_triangular(upper, y, upper=True)
    elif left:                    # A^H = U^H L^H P^T: X = P L^-H U^-H B
        y = solve_triangular(upper.mH, b, upper=False)
        x = p.matmul(solve_triangular(lower.mH, y, upper=True, unitriangular=True))
    elif not adjoint:             # X = B U^-1 L^-1 P^T
        y = solve_triangular(upper, b, upper=True, left=False)
        x = solve_triangular(lower, y, upper=False, left=False, unitriangular=True).matmul(p.mT)
    else:                         # X A^H = B: X = B P L^-H U^-H
        y = solve_triangular(lower.mH, b.matmul(p), upper=True, left=False, unitriangular=True)
        x = solve_triangular(upper.mH, y, upper=False, left=False)
    if out is not None:
        out.array = x.xp.asarray(x.array, dtype=out.array.dtype)
        return out
    return x


def householder_product(A, tau, *, out=None):
    """The first n columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^H, v_i = (0, .., 0, 1, A[i+1:, i]) (LAPACK's
    orgqr): A (..., m, n) with m >= n, tau (..., k), k <= n -> (..., m, n). Differentiable in A and tau."""
    from .creation import eye
    from .functions_shape import tril
    a = A if isinstance(A, Tensor) else as_tensor(A)
    t = tau if isinstance(tau, Tensor) else as_tensor(tau)
    name = "torch.linalg.householder_product"
    if a.array.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if a.shape[-2] < a.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if t.array.ndim < 1 or a.shape[-1] < t.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tuple(t.shape[:-1]) != tuple(a.shape[:-2]):
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(t.shape[:-1])}")
    if t.array.dtype != a.array.dtype:
        raise RuntimeError(f"{name}: tau dtype {t.dtype} does not match input dtype {a.dtype}")
    if a.array.dtype.kind not in "fc":
        raise NotImplementedError(f"{name}: not implemented for {a.dtype} (floating or complex matrices only)")
    m, n, k = a.shape[-2], a.shape[-1], t.shape[-1]
    # every reflector's vector at once: the strict lower triangle of A plus ones on the diagonal
    vectors = tril(a, -1) + eye(m, n, dtype=a.dtype, device=a.device)
    q = eye(m, n, dtype=a.dtype, device=a.device).expand(*a.shape)
    for i in range(k - 1, -1, -1):
        v = vectors[..., :, i:i + 1]                         # (..., m, 1)
        q = q - (t[..., i:i + 1].unsqueeze(-1) * v).matmul(v.mH.matmul(q))   # H_i = I - tau v v^H
    if out is not None:
        out.array = q.xp.asarray(q.array, dtype=out.array.dtype)
        return out
    return q
