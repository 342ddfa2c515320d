"""``linalg.inv_ex``, ``cholesky_ex`` and ``solve_ex`` with PyTorch's ``info`` codes, and the checks and error
texts that ``inv``, ``cholesky`` and ``solve`` share with them.

``info`` is LAPACK's: for an LU (``inv``, ``solve``) the 1-based index of the
first exactly-zero pivot of U (getrf), for a Cholesky factorisation the order
of the first leading minor that is not positive-definite (potrf), 0 where the
factorisation succeeded. The raising variants name the first failing batch
element as PyTorch does ("(Batch element 0): ...").

>>> import minidl as mdl
>>> A = mdl.tensor([[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]]])
>>> mdl.linalg.inv_ex(A).info.tolist()
[2, 0]
>>> mdl.linalg.cholesky_ex(A).info.tolist()
[2, 0]
"""
from __future__ import annotations

import numpy as np

from . import return_types
from .backend import to_numpy
from .tensor import Tensor, as_tensor

__all__ = ["inv_ex", "cholesky_ex", "solve_ex", "cholesky_solve", "cholesky_inverse", "type_name", "float_input",
           "lu_info", "cholesky_info", "raise_info", "broadcast_batch"]

_TYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
               "float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
               "complex64": "ComplexFloat", "complex128": "ComplexDouble", "uint16": "UInt16", "uint32": "UInt32",
               "uint64": "UInt64"}


def type_name(dtype):
    """PyTorch's C++ name of a dtype ("Long", "Float", ...), as its error messages print it."""
    dtype = np.dtype(dtype)
    return _TYPE_NAMES.get(dtype.name, dtype.name)


# PyTorch's errors for half-precision input (its CPU kernels are float32/64 and complex only)
_LOW_PRECISION = {"det": "lu_cpu", "slogdet": "lu_cpu", "solve": "lu_cpu", "solve_ex": "lu_cpu",
                  "svd": "linalg_svd_cpu", "eigh": "linalg_eigh_cpu", "cholesky": "cholesky_cpu", "qr": "geqrf_cpu",
                  "pinv": "linalg_svd_cpu"}


def float_input(name, a):
    """``a`` as a Tensor; PyTorch's RuntimeError when it is not floating point or complex (and its errors for
    float16/bfloat16 where PyTorch's CPU kernels lack them)."""
    from .dtypes import BFLOAT16
    a = a if isinstance(a, Tensor) else as_tensor(a)
    dtype = a.array.dtype
    if dtype == np.float16 or dtype == BFLOAT16:
        if name == "inv":
            raise RuntimeError(f"linalg.inv: Low precision dtypes not supported. Got {type_name(dtype)}")
        if name in _LOW_PRECISION:
            raise NotImplementedError(f"\"{_LOW_PRECISION[name]}\" not implemented for '{type_name(dtype)}'")
        return a
    if dtype.kind not in "fc":
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as input. Got "
                           f"{type_name(a.array.dtype)}")
    return a


def broadcast_batch(first, second):
    """The broadcast of two batch shapes, or PyTorch's RuntimeError naming the first mismatch from the right."""
    try:
        return tuple(np.broadcast_shapes(tuple(first), tuple(second)))
    except ValueError:
        ndim = max(len(first), len(second))
        a, b = (1,) * (ndim - len(first)) + tuple(first), (1,) * (ndim - len(second)) + tuple(second)
        for i in range(ndim - 1, -1, -1):
            if a[i] != b[i] and 1 not in (a[i], b[i]):
                raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                                   f"non-singleton dimension {i}") from None
        raise


def lu_info(array):
    """getrf's ``info`` (int32, the batch shape) of square matrices: the first zero pivot of U (1-based) or 0."""
    host = to_numpy(array)
    batch = host.shape[:-2]
    info = np.zeros(batch, dtype=np.int32)
    if host.size == 0:
        return info
    from .ops.linalg_lu import lu_decompose
    return np.asarray(lu_decompose(host)[3], dtype=np.int32).reshape(batch)


def _potf2_lower(a):
    """LAPACK's unblocked lower Cholesky of one matrix, in place: returns info (0 or the failing order)."""
    n = a.shape[0]
    for j in range(n):
        ajj = a[j, j] - np.vdot(a[j, :j], a[j, :j])
        ajj = ajj.real if np.iscomplexobj(a) else ajj
        if not ajj > 0:
            a[j, j] = ajj
            return j + 1
        ajj = np.sqrt(ajj)
        a[j, j] = ajj
        if j + 1 < n:
            a[j + 1:, j] = (a[j + 1:, j] - a[j + 1:, :j] @ a[j, :j].conj()) / ajj
    return 0


def cholesky_info(array):
    """``(L, info)`` host arrays: potrf's lower factor (partial where it failed, as LAPACK leaves it) and info."""
    host = np.array(to_numpy(array), copy=True)
    batch, n = host.shape[:-2], host.shape[-1]
    flat = host.reshape((-1, n, n))
    info = np.zeros(flat.shape[0], dtype=np.int32)
    for i in range(flat.shape[0]):
        try:
            flat[i] = np.linalg.cholesky(flat[i])
        except np.linalg.LinAlgError:
            work = np.tril(flat[i])
            info[i] = _potf2_lower(work)
            flat[i] = np.tril(work)
    return np.tril(flat.reshape(host.shape)), info.reshape(batch)


def raise_info(name, info, batched, message):
    """PyTorch's LinAlgError for the first non-zero ``info``: ``message(code)`` prefixed by the batch element."""
    from .linalg import LinAlgError
    flat = np.asarray(info).reshape(-1)
    bad = np.flatnonzero(flat)
    if not bad.size:
        return
    where = f"(Batch element {int(bad[0])}): " if batched else ""
    raise LinAlgError(f"{name}: {where}{message(int(flat[bad[0]]))}")


def _singular_inverse(code):
    return f"The diagonal element {code} is zero, the inversion could not be completed because the input matrix " \
           f"is singular."


def _not_positive_definite(code):
    return f"The factorization could not be completed because the input is not positive-definite (the leading " \
           f"minor of order {code} is not positive-definite)."


def _singular_solve(code):
    return "The solver failed because the input matrix is singular."


def _inverse_with_info(name, A):
    from . import linalg
    from .ops import linalg as _ops
    a = linalg._float_matrices("inv", A)
    xp = a.xp
    info = lu_info(a.array)
    if not info.any():
        return linalg._run(name, linalg._singular("inversion"), _ops.Inv.apply, a), info
    # a singular matrix: LAPACK's getri result is not defined; every element becomes inf/nan as PyTorch shows
    with np.errstate(all="ignore"):
        host = to_numpy(a.array)
        flat = host.reshape((-1,) + host.shape[-2:])
        inverse = np.empty_like(flat)
        for i, (matrix, code) in enumerate(zip(flat, info.reshape(-1))):
            inverse[i] = np.linalg.inv(matrix) if code == 0 else np.full(matrix.shape, np.inf, dtype=matrix.dtype)
    return Tensor(xp.asarray(inverse.reshape(host.shape))), info


def inv_ex(A, *, check_errors=False, out=None):
    """``(inverse, info)``: the inverse of each square matrix and int32 ``info`` (batch shape), 0 where it was
    invertible, else the 1-based index of LU's first zero pivot (that element's inverse is then undefined).
    ``check_errors=True`` raises PyTorch's LinAlgError instead."""
    result, info = _inverse_with_info("inv", A)
    if check_errors:
        raise_info("linalg.inv_ex", info, info.ndim > 0, _singular_inverse)
    return return_types.linalg_inv_ex(result, Tensor(result.xp.asarray(info)))


def inv(A, *, out=None):
    """The inverse of each square matrix (..., n, n); PyTorch's LinAlgError if one is singular."""
    result, info = _inverse_with_info("inv", A)
    raise_info("linalg.inv", info, info.ndim > 0, _singular_inverse)
    return result


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """``(L, info)``: as ``cholesky``, with int32 ``info`` 0 where the factorization succeeded, else the order of
    the first leading minor that is not positive-definite. ``check_errors=True`` raises instead."""
    from . import linalg
    a = linalg._float_matrices("cholesky", A)
    lo, info = _cholesky_with_info(a)
    if check_errors:
        raise_info("linalg.cholesky_ex", info, info.ndim > 0, _not_positive_definite)
    return return_types.linalg_cholesky_ex(lo.mH if upper else lo, Tensor(a.xp.asarray(info)))


def _cholesky_with_info(a):
    from .ops import linalg as _ops
    try:
        return _ops.Cholesky.apply(a), np.zeros(a.array.shape[:-2], dtype=np.int32)
    except np.linalg.LinAlgError:
        lo, info = cholesky_info(a.array)
        return Tensor(a.xp.asarray(lo)), info


def cholesky(A, *, upper=False, out=None):
    """The lower-triangular L with ``A = L @ L.mH`` (the upper ``L.mH`` when ``upper``), for symmetric
    (Hermitian) positive-definite A; PyTorch's LinAlgError otherwise."""
    from . import linalg
    a = linalg._float_matrices("cholesky", A)
    lo, info = _cholesky_with_info(a)
    raise_info("linalg.cholesky", info, info.ndim > 0, _not_positive_definite)
    return lo.mH if upper else lo


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """``(result, info)``: as ``solve``, with int32 ``info`` (A's batch shape broadcast with B's) 0 where it
    succeeded, else the 1-based index of LU's first zero pivot. ``check_errors=True`` raises instead."""
    from . import linalg
    a = linalg._float_matrices("solve_ex", A)
    info = lu_info(a.array)
    if check_errors:
        raise_info("torch.linalg.solve_ex", info, info.ndim > 0, _singular_solve)
    if not info.any():
        x = linalg._solve(a, B, left=left, name="solve_ex")
        return return_types.linalg_solve_ex(x, Tensor(x.xp.asarray(info)))
    with np.errstate(all="ignore"):
        safe = np.where(info.reshape(info.shape + (1, 1)) != 0, np.eye(a.shape[-1], dtype=a.array.dtype),
                        to_numpy(a.array))
        x = linalg._solve(Tensor(a.xp.asarray(safe)), B, left=left, name="solve_ex")
        bad = np.asarray(info != 0)
        host = np.array(to_numpy(x.array), copy=True)
        vector = host.ndim == a.array.ndim - 1
        mask = bad.reshape(bad.shape + ((1,) if vector else (1, 1)))
        host = np.where(mask, np.inf, host).astype(host.dtype)
    return return_types.linalg_solve_ex(Tensor(a.xp.asarray(host)), Tensor(a.xp.asarray(info)))


def solve(A, B, *, left=True, out=None):
    """X with ``A @ X = B`` (``X @ A = B`` when ``left=False``); ``B`` is (..., n, k) or a vector (..., n).
    PyTorch's LinAlgError when a matrix is singular."""
    from . import linalg
    a = linalg._float_matrices("solve", A)
    info = lu_info(a.array)
    raise_info("torch.linalg.solve", info, info.ndim > 0, _singular_solve)
    return linalg._solve(a, B, left=left, name="solve")


def cholesky_solve(B, L, upper=False):
    """X with ``(L @ L.mH) @ X = B`` from the Cholesky factor ``L`` (``L.mH @ L`` when ``upper``), batched and
    broadcast, with PyTorch's checks (B and L of one floating dtype, matrices of matching sizes)."""
    from . import linalg
    b = B if isinstance(B, Tensor) else as_tensor(B)
    lo = L if isinstance(L, Tensor) else as_tensor(L)
    if b.array.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {b.array.ndim} dimensions instead")
    if lo.array.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {lo.array.ndim} dimensions instead")
    if b.array.dtype != lo.array.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {type_name(b.array.dtype)} "
                           f"and A of type {type_name(lo.array.dtype)} instead.")
    if b.array.dtype.kind not in "fc":
        raise NotImplementedError(f"\"cholesky_solve_cpu\" not implemented for '{type_name(b.array.dtype)}'")
    if lo.array.shape[-1] != lo.array.shape[-2]:
        raise RuntimeError(f"A must be batches of square matrices, but they are {lo.array.shape[-2]} by "
                           f"{lo.array.shape[-1]} matrices")
    if lo.array.shape[-1] != b.array.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {lo.array.shape[-1]} by "
                           f"{lo.array.shape[-1]} but each b matrix is {b.array.shape[-2]} by {b.array.shape[-1]}")
    broadcast_batch(b.array.shape[:-2], lo.array.shape[:-2])
    lower = lo.mH if upper else lo
    y = linalg.solve_triangular(lower, b, upper=False)
    return linalg.solve_triangular(lower.mH, y, upper=True)


def cholesky_inverse(L, upper=False):
    """The inverse of ``L @ L.mH`` (``L.mH @ L`` when ``upper``) from its Cholesky factor, PyTorch's checks."""
    lo = L if isinstance(L, Tensor) else as_tensor(L)
    if lo.array.dtype.kind not in "fc":
        raise NotImplementedError(f"\"cholesky_inverse_out_cpu\" not implemented for '{type_name(lo.array.dtype)}'")
    if lo.array.ndim < 2:
        raise RuntimeError("cholesky_inverse: The input tensor A must have at least 2 dimensions.")
    if lo.array.shape[-1] != lo.array.shape[-2]:
        raise RuntimeError(f"cholesky_inverse: A must be batches of square matrices, but they are "
                           f"{lo.array.shape[-2]} by {lo.array.shape[-1]} matrices")
    eye = Tensor(lo.xp.broadcast_to(lo.xp.eye(lo.array.shape[-1], dtype=lo.array.dtype), lo.array.shape).copy())
    return cholesky_solve(eye, lo, upper)
