"""LU decomposition with partial pivoting and its derivative (PyTorch's ``linalg_lu_backward``).

``lu_decompose`` factors a batch of (m, n) matrices as LAPACK's getrf does
(row of the largest magnitude as pivot, the first one on ties, multipliers
scaled by the pivot's reciprocal; a zero pivot sets ``info`` and is skipped).
``LuPart`` is one output (the packed ``LU``, ``L`` or ``U``) of a precomputed
factorisation; its gradient, with A = P L U, k = min(m, n):

- m <= n: gA = P L^-H [tril(L^H gL - triu(gU) U^H, -1) U1^-H + triu(gU)1 | gU2]
- m > n:  gA = P [tril(gL1, -1) + L1^-H triu(triu(gU) U^H - L^H gLm) ; gL2] U^-H

(U1/L1 the leading k x k blocks, gLm the gradient of L restricted to its free
entries). The formula is written once in Tensor operations: the array
``backward`` runs it without a graph, ``backward_graph`` on the factors of a
differentiable re-factorisation, so second derivatives follow.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function, no_grad
from ..backend import get_array_module, to_numpy
from ..tensor import Tensor

__all__ = ["lu_decompose", "permutation_matrix", "LuPart", "lu_gradient"]


def lu_decompose(a):
    """Partial-pivoting LU of ``a`` (..., m, n) (host arrays): packed LU, 1-based int32 pivots (..., k), the row
    permutation (..., m) with ``a[perm] = L @ U``, and int32 ``info`` (..., ) (first zero pivot, 1-based, or 0)."""
    a = np.array(to_numpy(a), copy=True)
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    flat = a.reshape((int(np.prod(batch)), m, n))
    count = flat.shape[0]
    rows = np.arange(count)
    pivots = np.zeros((count, k), dtype=np.int32)
    perm = np.tile(np.arange(m), (count, 1))
    info = np.zeros(count, dtype=np.int32)
    for j in range(k):
        column = flat[:, j:, j]   # LAPACK's magnitude: |re| + |im| for complex matrices (izamax)
        size = np.abs(column.real) + np.abs(column.imag) if column.dtype.kind == "c" else np.abs(column)
        p = j + np.argmax(size, axis=1)
        pivots[:, j] = p + 1
        top = flat[rows, j].copy()
        flat[rows, j] = flat[rows, p]
        flat[rows, p] = top
        top_index = perm[rows, j].copy()
        perm[rows, j] = perm[rows, p]
        perm[rows, p] = top_index
        pivot = flat[:, j, j]
        zero = pivot == 0
        info[(info == 0) & zero] = j + 1
        scale = np.where(zero, 1, 1 / np.where(zero, 1, pivot)).astype(flat.dtype)
        flat[:, j + 1:, j] *= scale[:, None]
        flat[:, j + 1:, j + 1:] -= flat[:, j + 1:, j:j + 1] * flat[:, j:j + 1, j + 1:]
    return (flat.reshape(a.shape), pivots.reshape(batch + (k,)), perm.reshape(batch + (m,)),
            info.reshape(batch))


def permutation_matrix(perm, dtype):
    """P (..., m, m) with P[perm[i], i] = 1, so that A = P L U when A[perm] = L U."""
    m = perm.shape[-1]
    eye = np.eye(m, dtype=dtype)
    return np.swapaxes(eye[perm], -1, -2)


def _unpack(packed, part):
    """``L`` (unit lower, (..., m, k)) or ``U`` (upper, (..., k, n)) from a packed LU array."""
    xp = get_array_module(packed)
    m, n = packed.shape[-2:]
    k = min(m, n)
    if part == "L":
        return xp.tril(packed[..., :, :k], -1) + xp.eye(m, k, dtype=packed.dtype)
    return xp.triu(packed[..., :k, :])


class LuPart(Function):
    """One output of a precomputed LU (``result`` = (P, packed LU) arrays): ``part`` "LU", "L" or "U"."""

    def forward(self, a, part="LU", result=None):
        self.part, self.result = part, result
        packed = result[1]
        return packed if part == "LU" else _unpack(packed, part)

    def _split(self, g):
        """The gradients of L and U that ``g`` (the gradient of this output) stands for."""
        from ..functions_shape import tril, triu
        k = min(g.shape[-2], g.shape[-1]) if self.part == "LU" else None
        if self.part == "LU":
            return tril(g[..., :, :k], -1), triu(g[..., :k, :])
        return (g, None) if self.part == "L" else (None, g)

    def backward(self, g):
        p, packed = self.result
        with no_grad():
            grad_l, grad_u = self._split(Tensor(g))
            out = lu_gradient(Tensor(p), Tensor(_unpack(packed, "L")), Tensor(_unpack(packed, "U")), grad_l, grad_u)
        return out.array

    def backward_graph(self, g):
        from ..linalg_lu import lu
        p, lower, upper = lu(self.inputs[0])
        grad_l, grad_u = self._split(g)
        return lu_gradient(p, lower, upper, grad_l, grad_u)


def _solve_tri(a, b, *, upper, left=True, unitriangular=False):
    from ..linalg import solve_triangular
    return solve_triangular(a, b, upper=upper, left=left, unitriangular=unitriangular)


def lu_gradient(p, lower, upper, grad_l, grad_u):
    """gA for A = P L U given the gradients of L (..., m, k) and U (..., k, n) (either may be None)."""
    from ..functions_shape import tril, triu
    from ..ops.shape import cat
    m, n = lower.shape[-2], upper.shape[-1]
    k = min(m, n)
    xp = get_array_module(lower.array)
    dtype = lower.array.dtype
    batch = tuple(lower.shape[:-2])
    if m <= n:
        gum = None if grad_u is None else triu(grad_u)
        inner = 0
        if grad_l is not None:
            inner = lower.mH.matmul(grad_l)
        if gum is not None:
            inner = inner - gum.matmul(upper.mH)
        x1 = _solve_tri(upper[..., :k].mH, tril(inner, -1), upper=False, left=False)
        if gum is not None:
            x = cat([x1 + gum[..., :k], gum[..., k:]], -1)
        else:
            x = cat([x1, Tensor(xp.zeros(batch + (k, n - k), dtype=dtype))], -1)
        return p.matmul(_solve_tri(lower.mH, x, upper=True, unitriangular=True))
    glm = None if grad_l is None else cat([tril(grad_l[..., :k, :], -1), grad_l[..., k:, :]], -2)
    inner = 0
    if grad_u is not None:
        inner = triu(grad_u).matmul(upper.mH)
    if glm is not None:
        inner = inner - lower.mH.matmul(glm)
    y1 = _solve_tri(lower[..., :k, :].mH, triu(inner), upper=True, unitriangular=True)
    if glm is not None:
        y = cat([y1 + glm[..., :k, :], glm[..., k:, :]], -2)
    else:
        y = cat([y1, Tensor(xp.zeros(batch + (m - k, k), dtype=dtype))], -2)
    return p.matmul(_solve_tri(upper.mH, y, upper=False, left=False))
