"""The linear algebra of ``keras.ops.linalg`` (and ``keras.ops.slogdet``/``logdet``) on
:mod:`minidl.linalg`'s differentiable functions; inputs may be batched (``(..., M, N)``).
Keras' argument names (``upper``, ``lower``, ``rcond``, ``tol``); pivots are 0-based int32.
``eig`` is absent: minidl Tensors hold no complex numbers.
"""
from __future__ import annotations

import minidl
from minidl.tensor import Tensor

__all__ = ["cholesky", "cholesky_inverse", "det", "eigh", "inv", "jvp", "lstsq", "lu_factor", "matrix_rank",
           "pinv", "qr", "solve", "solve_triangular", "svd", "slogdet", "logdet"]


def _t(x):
    from minidl.keras.ops import convert_to_tensor
    return convert_to_tensor(x)


def _matrix(x, name, square=True) -> Tensor:
    x = _t(x)
    x = x if x.is_floating_point() else x.float()
    if x.ndim < 2 or (square and x.shape[-1] != x.shape[-2]):
        kind = "square matrices" if square else "matrices"
        raise ValueError(f"{name} needs {kind} of shape (..., M, {'M' if square else 'N'}), got {tuple(x.shape)}")
    return x


def cholesky(x, upper=False) -> Tensor:
    """The Cholesky factor of symmetric positive-definite ``x``: lower ``L`` with ``x = L L^T``
    (upper ``U = L^T`` with ``upper=True``)."""
    return minidl.linalg.cholesky(_matrix(x, "cholesky"), upper=upper)


def cholesky_inverse(x, upper=False) -> Tensor:
    """The inverse of ``A`` from its Cholesky factor ``x`` (lower, or upper with ``upper=True``)."""
    return minidl.cholesky_inverse(_matrix(x, "cholesky_inverse"), upper=upper)


def det(x) -> Tensor:
    """The determinant of each square matrix."""
    return minidl.linalg.det(_matrix(x, "det"))


def slogdet(x) -> tuple:
    """``(sign, log|det|)`` of each square matrix."""
    out = minidl.linalg.slogdet(_matrix(x, "slogdet"))
    return out[0], out[1]


def logdet(x) -> Tensor:
    """``log(det(x))`` of each square matrix (NaN where the determinant is negative)."""
    return minidl.logdet(_matrix(x, "logdet"))


def eigh(x) -> tuple:
    """``(eigenvalues, eigenvectors)`` of symmetric ``x`` (ascending eigenvalues; vectors as columns)."""
    out = minidl.linalg.eigh(_matrix(x, "eigh"))
    return out[0], out[1]


def inv(x) -> Tensor:
    """The inverse of each square matrix."""
    return minidl.linalg.inv(_matrix(x, "inv"))


def _rhs(a: Tensor, b) -> Tensor:
    b = _t(b)
    return b.to(a.dtype)


def solve(a, b) -> Tensor:
    """``x`` with ``a @ x = b`` (``b`` a matrix ``(..., M, K)`` or a vector ``(..., M)``)."""
    a = _matrix(a, "solve")
    return minidl.linalg.solve(a, _rhs(a, b))


def solve_triangular(a, b, lower=False) -> Tensor:
    """``x`` with ``a @ x = b`` for triangular ``a`` (upper unless ``lower``); ``b`` may be a vector."""
    a = _matrix(a, "solve_triangular")
    b = _rhs(a, b)
    vector = b.ndim == a.ndim - 1
    out = minidl.linalg.solve_triangular(a, b.unsqueeze(-1) if vector else b, upper=not lower)
    return out.squeeze(-1) if vector else out


def lstsq(a, b, rcond=None) -> Tensor:
    """The least-squares solution ``x`` minimising ``|a @ x - b|`` (``b`` a matrix or a vector)."""
    a = _matrix(a, "lstsq", square=False)
    b = _rhs(a, b)
    vector = b.ndim == 1
    x = minidl.linalg.pinv(a, rtol=rcond) @ (b.unsqueeze(-1) if vector else b) if rcond is not None else \
        minidl.linalg.lstsq(a, b.unsqueeze(-1) if vector else b).solution
    return x.squeeze(-1) if vector else x


def lu_factor(x) -> tuple:
    """``(lu, pivots)``: the packed LU factors of ``(..., M, N)`` matrices and the 0-based row pivots
    (int32, ``min(M, N)`` of them), as LAPACK's getrf."""
    out = minidl.linalg.lu_factor(_matrix(x, "lu_factor", square=False))
    return out[0], (out[1] - 1).to(minidl.int32)


def matrix_rank(x, tol=None) -> Tensor:
    """The rank (int32) of each matrix: the singular values above ``tol`` (default: the largest times
    ``max(M, N)`` times the dtype's epsilon)."""
    return minidl.linalg.matrix_rank(_matrix(x, "matrix_rank", square=False), atol=tol).to(minidl.int32)


def pinv(x, rcond=None) -> Tensor:
    """The Moore-Penrose pseudo-inverse; singular values below ``rcond`` times the largest are cut."""
    return minidl.linalg.pinv(_matrix(x, "pinv", square=False), rtol=rcond)


def qr(x, mode="reduced") -> tuple:
    """``(q, r)`` with ``x = q @ r`` (``mode`` ``"reduced"`` or ``"complete"``)."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"`mode` argument value not supported. Expected one of {{'reduced', 'complete'}}. "
                         f"Received: mode={mode}")
    out = minidl.linalg.qr(_matrix(x, "qr", square=False), mode=mode)
    return out[0], out[1]


def svd(x, full_matrices=True, compute_uv=True):
    """``(u, s, vh)`` with ``x = u @ diag(s) @ vh``, or the singular values ``s`` alone
    without ``compute_uv`` (descending)."""
    x = _matrix(x, "svd", square=False)
    if not compute_uv:
        return minidl.linalg.svdvals(x)
    out = minidl.linalg.svd(x, full_matrices=full_matrices)
    return out[0], out[1], out[2]


def jvp(fun, primals, tangents, has_aux=False):
    """``(fun(*primals), J @ tangents)`` (and ``fun``'s auxiliary output with ``has_aux``): the
    Jacobian-vector product at ``primals`` (a list or tuple of tensors)."""
    primals = tuple(_t(p) for p in primals)
    tangents = tuple(_t(t).to(p.dtype) for t, p in zip(tangents, primals))
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    return minidl.func.jvp(fun, primals, tangents, has_aux=has_aux)
