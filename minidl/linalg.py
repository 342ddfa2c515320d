"""``minidl.linalg``, as ``torch.linalg``: norms, inverse, determinants, solve, and the Cholesky, symmetric
eigen-, singular value and QR decompositions, differentiable where PyTorch's are (batched over leading dims).

>>> import minidl as mdl
>>> a = mdl.tensor([[2.0, 1.0], [1.0, 3.0]])
>>> round(mdl.linalg.det(a).item(), 4)
5.0
>>> mdl.linalg.solve(a, mdl.tensor([3.0, 4.0])).tolist()
[1.0, 1.0]
>>> round(mdl.linalg.norm(mdl.tensor([3.0, 4.0])).item(), 4)
5.0
"""
from __future__ import annotations

import numbers

import numpy as np

from minidl.autograd.naming import names_node

from . import return_types
from .backend import get_array_module
from .linalg_ex import broadcast_batch, cholesky, cholesky_ex, float_input, inv, inv_ex, solve, solve_ex, type_name
from .ops import linalg as _ops
from .ops import math as _math
from .ops import reduction as _reduction
from .ops import shape as _shape
from .ops.elementwise import Where
from .tensor import Tensor, as_tensor

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "inv_ex", "det", "slogdet", "solve", "svd",
           "svdvals", "qr", "eigh", "eigvalsh", "cholesky", "cholesky_ex", "cross", "pinv", "matrix_power",
           "matrix_rank", "multi_dot", "matmul", "vecdot", "diagonal", "solve_ex", "solve_triangular", "lstsq", "cond",
           "matrix_exp", "vander", "tensorinv", "tensorsolve"]


class LinAlgError(RuntimeError):
    """A matrix function could not be computed (a singular matrix, one not positive-definite, ...)."""


def _t(value):
    return value if isinstance(value, Tensor) else as_tensor(value)


def _float_matrices(name, a, square=True):
    a = float_input(name, a)
    if a.array.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if square and a.array.shape[-1] != a.array.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are "
                           f"{a.array.shape[-2]} by {a.array.shape[-1]} matrices")
    return a


def _run(name, what, fn, *args, **kwargs):
    """``fn(*args)`` with NumPy's LinAlgError turned into minidl's, naming the function."""
    try:
        return fn(*args, **kwargs)
    except np.linalg.LinAlgError as exc:
        raise LinAlgError(f"linalg.{name}: {what} ({exc})") from None


def _singular(name):
    return f"the input matrix is singular, so the {name} could not be completed"


def det(A, *, out=None):
    """The determinant of each square matrix (..., n, n)."""
    return _ops.Det.apply(_float_matrices("det", A))


def slogdet(A, *, out=None):
    """``(sign, logabsdet)``: the sign of the determinant and the log of its absolute value (stable for large or
    tiny determinants); ``logabsdet`` is differentiable."""
    a = _float_matrices("slogdet", A)
    if a.array.dtype.kind == "c":   # the sign det / |det| of a complex matrix is differentiable, as in PyTorch
        return return_types.linalg_slogdet(_ops.SignDet.apply(a), _ops.LogAbsDet.apply(a))
    xp = get_array_module(a.array)
    sign = Tensor(xp.linalg.slogdet(a.array)[0].astype(a.array.dtype))
    return return_types.linalg_slogdet(sign, _ops.LogAbsDet.apply(a))


def _solve(a, B, *, left=True, name="solve", transposed=False):
    """X with ``a @ X = B`` (``X @ a = B`` when not ``left``) for a checked float ``a``; ``B`` (..., n, k) or a
    vector (..., n) of ``a``'s dtype."""
    b = _t(B)
    if b.array.dtype != a.array.dtype:
        raise RuntimeError(f"linalg.{name}: Expected A and B to have the same dtype, but found A of type "
                           f"{type_name(a.array.dtype)} and B of type {type_name(b.array.dtype)} instead")
    if not left:
        if b.array.ndim == 1 or (b.array.ndim == a.array.ndim - 1 and b.array.shape == a.array.shape[:-1]):
            return _solve(a.mT, b, name=name, transposed=True)
        return _solve(a.mT, b.mT, name=name).mT
    vector = b.array.ndim == 1 or (b.array.ndim == a.array.ndim - 1 and b.array.shape == a.array.shape[:-1])
    if vector:
        b = _shape.unsqueeze(b, -1)
    if transposed and vector:   # PyTorch: a vector B is a column, so XA = B fails
        n = a.array.shape[-1]
        if n == 1:
            raise RuntimeError(f"linalg.{name}: Vector broadcasting of the left hand side is not supported for "
                               f"left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)")
        raise RuntimeError(f"linalg.{name}: Incompatible shapes of A and B for the equation XA = B ({n}x{n} and "
                           f"{b.array.shape[-2]}x1)")
    if b.array.shape[-2] != a.array.shape[-1]:
        raise RuntimeError(f"linalg.{name}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({a.array.shape[-2]}x{a.array.shape[-1]} and "
                           f"{b.array.shape[-2]}x{b.array.shape[-1]})")
    batch = broadcast_batch(a.array.shape[:-2], b.array.shape[:-2])
    if a.array.shape[:-2] != batch:
        a = _shape.expand(a, *(batch + a.array.shape[-2:]))
    if b.array.shape[:-2] != batch:
        b = _shape.expand(b, *(batch + b.array.shape[-2:]))
    x = _run(name, _singular("solve"), _ops.Solve.apply, a, b)
    return _shape.squeeze(x, -1) if vector else x


def eigh(A, UPLO="L", *, out=None):
    """``(eigenvalues, eigenvectors)`` of symmetric matrices (only the ``UPLO`` triangle is read): eigenvalues
    ascending, eigenvectors in the columns. Gradients need distinct eigenvalues."""
    a = _t(A)
    if a.array.dtype.kind not in "fc":
        raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for '{type_name(a.array.dtype)}'")
    a = _float_matrices("eigh", a)
    if not isinstance(UPLO, str) or UPLO.upper() not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    UPLO = UPLO.upper()
    xp = get_array_module(a.array)
    w, v = _run("eigh", "the eigendecomposition failed to converge", xp.linalg.eigh, a.array, UPLO=UPLO)
    result = (w, v)
    return return_types.linalg_eigh(_ops.EighPart.apply(a, part="L", result=result),
                                    _ops.EighPart.apply(a, part="V", result=result))


def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues of symmetric matrices, ascending."""
    return eigh(A, UPLO).eigenvalues


def svd(A, full_matrices=True, *, driver=None, out=None):
    """``(U, S, Vh)`` with ``A = U @ diag(S) @ Vh``, S descending. Gradients flow through the first
    min(m, n) columns (use ``full_matrices=False`` for rectangular A, as PyTorch advises)."""
    a = _float_matrices("svd", A, square=False)
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
                           "cuSOLVER backend.")
    xp = get_array_module(a.array)
    m, n = a.array.shape[-2:]
    k = min(m, n)
    # the full decomposition when asked (LAPACK's jobz="A", as PyTorch): its leading columns carry the gradient
    uf, s, vhf = _run("svd", "the SVD failed to converge", xp.linalg.svd, a.array, full_matrices=full_matrices)
    result = (uf[..., :, :k], s, vhf[..., :k, :])
    U, S, Vh = (_ops.SvdPart.apply(a, part=p, result=result) for p in ("U", "S", "Vh"))
    if full_matrices and m != n:
        if m > n:
            U = _shape.cat([U, Tensor(uf[..., :, k:])], -1)
        else:
            Vh = _shape.cat([Vh, Tensor(vhf[..., k:, :])], -2)
    return return_types.linalg_svd(U, S, Vh)


def svdvals(A, *, driver=None, out=None):
    """The singular values, descending."""
    return svd(A, full_matrices=False, driver=driver).S


def qr(A, mode="reduced", *, out=None):
    """``(Q, R)`` with ``A = Q @ R``, Q orthonormal columns, R upper triangular. ``mode``: "reduced",
    "complete" or "r" (Q empty). Differentiable except in mode "complete" with m > n."""
    a = _float_matrices("qr", A, square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           f"or 'complete'")
    xp = get_array_module(a.array)
    m, n = a.array.shape[-2:]
    q, r = xp.linalg.qr(a.array, mode="complete" if mode == "complete" else "reduced")
    from .autograd import _forward_state as _forward_ad
    if not a.requires_grad and not (_forward_ad.active and _forward_ad.any_dual((a,))):
        if mode == "r":
            return return_types.linalg_qr(Tensor(xp.zeros((0,), dtype=a.array.dtype)), Tensor(r))
        return return_types.linalg_qr(Tensor(q), Tensor(r))
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    result = (q, r)
    Q, R = _ops.QrPart.apply(a, part="Q", result=result), _ops.QrPart.apply(a, part="R", result=result)
    if mode == "r":
        Q = Tensor(xp.zeros((0,), dtype=a.array.dtype))
    return return_types.linalg_qr(Q, R)


def _zero_safe_root(s, p):
    """``s ** (1/p)`` with a zero gradient (not NaN) where ``s`` is 0."""
    xp = get_array_module(s.array)
    zero = s.array == 0
    safe = Where.apply(Tensor(xp.ones((), dtype=s.array.dtype)), s, cond=zero)
    root = _math.sqrt(safe) if p == 2 else safe ** (1.0 / p)
    return Where.apply(Tensor(xp.zeros((), dtype=s.array.dtype)), root, cond=zero)


@names_node("LinalgVectorNormBackward0")   # PyTorch's node name
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The ``ord``-norm of vectors: over ``dim`` (an int or a tuple), or all elements when None.

    ``ord``: a number, ``inf`` (max |x|), ``-inf`` (min |x|) or 0 (the count of non-zeros).
    """
    from .ops.extrema import amax, amin
    x = _t(x)
    if isinstance(ord, str):
        raise TypeError("linalg_vector_norm(): argument 'ord' (position 2) must be Number, not str")
    if dtype is None and x.array.dtype.kind not in "fc":
        float_input("vector_norm", x)
    x = _math._float(x)
    if dtype is not None:
        x = x.to(dtype=dtype)
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None   # an empty dim list is every dimension, as PyTorch's
    if dim is None:
        if keepdim:
            return _shape.reshape(vector_norm(x, ord), *((1,) * x.array.ndim))
        x, dim = _shape.reshape(x, -1), 0
    a = _math.abs(x)
    ord = float(ord)
    if ord == float("inf"):
        return amax(a, dim, keepdim)
    if ord == float("-inf"):
        return amin(a, dim, keepdim)
    if ord == 0:
        return _reduction.sum(Tensor((x.array != 0).astype(x.array.real.dtype)), dim, keepdim)
    powered = a * a if ord == 2 else a if ord == 1 else a ** ord
    s = _reduction.sum(powered, dim, keepdim)
    return s if ord == 1 else _zero_safe_root(s, ord)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """The ``ord``-norm of matrices in dims ``dim``: "fro", "nuc" (sum of singular values), 2 / -2 (largest /
    smallest singular value), 1 / -1 (max / min column sum of |A|), inf / -inf (max / min row sum)."""
    from .ops.extrema import amax, amin
    a = _t(A)
    if ord not in ("fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf")):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if dtype is None and a.array.dtype.kind not in "fc":
        float_input("matrix_norm", a)
    a = _math._float(a)
    if dtype is not None:
        a = a.to(dtype=dtype)
    nd = a.array.ndim
    if nd < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    d0, d1 = (_shape._dim(d, nd) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return vector_norm(a, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        from .functions_shape import movedim
        s = svdvals(movedim(a, (d0, d1), (-2, -1)))
        r = _reduction.sum(s, -1) if ord == "nuc" else amax(s, -1) if ord == 2 else amin(s, -1)
        if keepdim:
            for d in sorted((d0, d1)):
                r = _shape.unsqueeze(r, d)
        return r
    if ord in (1, -1, float("inf"), float("-inf")):
        summed_dim, pick_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = _reduction.sum(_math.abs(a), summed_dim, True)
        pick = amax if ord in (1, float("inf")) else amin
        r = pick(sums, pick_dim, True)
        return r if keepdim else _shape.squeeze(r, (d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """A vector norm (1-D input, an int ``dim``, or ``ord`` None with ``dim`` None: all elements) or a matrix
    norm (2-D input or a 2-tuple ``dim``), as ``torch.linalg.norm``."""
    a = _t(A)
    if isinstance(dim, (tuple, list)) and len(dim) not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    if isinstance(dim, numbers.Integral) or (isinstance(dim, (tuple, list)) and len(dim) == 1):
        return vector_norm(a, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if dim is None and ord is None:
        return vector_norm(a, 2, None, keepdim, dtype=dtype)
    if dim is None:
        if isinstance(ord, str):   # PyTorch: a string order is a matrix norm's, whatever the input
            return matrix_norm(a, ord, (-2, -1), keepdim, dtype=dtype)
        if a.array.ndim == 1:
            return vector_norm(a, ord, None, keepdim, dtype=dtype)
        if a.array.ndim != 2:
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                               f"{a.array.ndim}D.")
        dim = (-2, -1)
    return matrix_norm(a, "fro" if ord is None else ord, tuple(dim), keepdim, dtype=dtype)


def cross(input, other, *, dim=-1, out=None):
    """The cross product of 3-vectors along ``dim`` (default: the last), broadcast."""
    from .functions_shape import cross as _cross
    a, b = _t(input), _t(other)
    if a.array.ndim == b.array.ndim:
        sizes = (a.shape[dim] if -a.ndim <= dim < a.ndim else None, b.shape[dim] if -b.ndim <= dim < b.ndim else None)
        if None not in sizes and sizes != (3, 3):
            raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {sizes[0]} and "
                               f"{sizes[1]}")
    broadcast_batch(a.shape, b.shape)
    return _cross(a, b, dim)


def matrix_power(A, n, *, out=None):
    """``A`` multiplied by itself ``n`` times (the identity for 0, powers of the inverse for negative n)."""
    a = _t(A)
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    if a.array.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if a.array.shape[-1] != a.array.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{a.array.shape[-2]} by {a.array.shape[-1]} matrices")
    if n == 0:
        xp = get_array_module(a.array)
        return Tensor(xp.broadcast_to(xp.eye(a.array.shape[-1], dtype=a.array.dtype), a.array.shape).copy())
    base = inv(a) if n < 0 else a
    result, power, k = None, base, abs(int(n))
    while k:
        if k & 1:
            result = power if result is None else result.matmul(power)
        k >>= 1
        if k:
            power = power.matmul(power)
    return result


def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices (the first may be 1-D, a row; the last 1-D, a column)."""
    tensors = [_t(t) for t in tensors]
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    last = len(tensors) - 1
    for i, t in enumerate(tensors):
        nd = t.array.ndim
        if i in (0, last) and nd not in (1, 2):
            raise RuntimeError(f"multi_dot(): the {'first' if i == 0 else 'last'} tensor must be 1D or 2D but got "
                               f"{nd}D")
        if 0 < i < last and nd != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {nd}D")
    shapes = [tuple(t.shape) if t.array.ndim == 2 else ((1,) + tuple(t.shape) if i == 0 else tuple(t.shape) + (1,))
              for i, t in enumerate(tensors)]
    for i in range(last):
        if shapes[i][1] != shapes[i + 1][0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} and "
                               f"{list(tensors[i + 1].shape)} cannot be multiplied")
    result = tensors[0]
    for t in tensors[1:]:
        result = result.matmul(t)
    return result


def matmul(input, other, *, out=None):
    """The matrix product (as ``minidl.matmul``)."""
    return _math.matmul(input, other)


def vecdot(x, y, *, dim=-1, out=None):
    """The dot product of vectors along ``dim``, broadcast: sum(conj(x) * y) (conj only for complex x)."""
    from .autograd.autocast_state import lower
    x, y = lower(_t(x), _t(y))
    broadcast_batch(x.shape, y.shape)
    return _reduction.sum((x.conj() if x.array.dtype.kind == "c" else x) * y, dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonals of the matrices in the last two dims (as ``minidl.diagonal`` with other defaults)."""
    from .functions_shape import diagonal as _diagonal
    return _diagonal(A, offset, dim1, dim2)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with ``A @ X = B`` (``X @ A = B`` if not ``left``) reading only the ``upper`` or lower triangle of A
    (its diagonal taken as ones when ``unitriangular``). B (..., n, k) is cast to A's dtype, as PyTorch does."""
    from .functions_shape import tril, triu
    a = _t(A)
    if a.array.dtype.kind not in "fc":
        raise NotImplementedError(f"\"triangular_solve_cpu\" not implemented for '{type_name(a.array.dtype)}'")
    a = _float_matrices("solve_triangular", a)
    b = _t(B)
    if b.array.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    tri = triu(a) if upper else tril(a)
    if unitriangular:
        xp = get_array_module(a.array)
        n = a.array.shape[-1]
        eye = xp.eye(n, dtype=a.array.dtype)
        tri = Where.apply(Tensor(eye), tri, cond=xp.eye(n, dtype=bool))
    if b.array.dtype != a.array.dtype:
        b = _math.cast(b.real if b.array.dtype.kind == "c" and a.array.dtype.kind != "c" else b, a.array.dtype)
    return _solve(tri, b, left=left, name="solve_triangular")


def cond(A, p=None, *, out=None):
    """The condition number ``norm(A, p) * norm(inv(A), p)`` (for ``p`` None or 2: the ratio of the largest to the
    smallest singular value)."""
    a = _t(A)
    if a.array.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if p is None or p in (2, -2):
        from .ops.extrema import amax, amin
        s = svdvals(a)
        big, small = amax(s, -1), amin(s, -1)
        return big / small if p != -2 else small / big
    inverse, info = inv_ex(a)
    if not info.array.any():
        return matrix_norm(a, p) * matrix_norm(inverse, p)
    # singular matrices have condition number inf, as PyTorch returns
    xp = get_array_module(a.array)
    safe = Where.apply(Tensor(xp.eye(a.shape[-1], dtype=a.array.dtype)), a, cond=(info.array != 0)[..., None, None])
    result = matrix_norm(a, p) * matrix_norm(inv(safe), p)
    return Where.apply(Tensor(xp.asarray(np.inf, dtype=result.array.dtype)), result, cond=info.array != 0)


def matrix_exp(A):
    """The matrix exponential sum_k A**k / k!, by scaling and squaring a degree-18 Taylor polynomial (all
    products recorded, so it is differentiable)."""
    a = _float_matrices("matrix_exp", A)
    xp = get_array_module(a.array)
    n = a.array.shape[-1]
    norm1 = float(xp.abs(a.array).sum(axis=-2).max()) if a.array.size else 0.0
    squarings = max(0, int(np.ceil(np.log2(norm1))) + 1) if norm1 > 0.5 else 0
    scaled = a * (0.5 ** squarings) if squarings else a
    eye = Tensor(xp.broadcast_to(xp.eye(n, dtype=a.array.dtype), a.array.shape).copy())
    result, term = eye, eye
    for k in range(1, 19):
        term = term.matmul(scaled) * (1.0 / k)
        result = result + term
    for _ in range(squarings):
        result = result.matmul(result)
    return result


def vander(x, N=None):
    """The Vandermonde matrix with columns ``x**0, x**1, ..., x**(N-1)`` (increasing powers, as PyTorch's)."""
    x = _t(x)
    n = (x.array.shape[-1] if x.array.ndim else 0) if N is None else int(N)
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    cols = [_math.pow(x, 0) if x.array.dtype.kind != "f" else x * 0 + 1] + [x ** k for k in range(1, n)]
    return _shape.stack(cols[:n], -1)


def tensorinv(A, ind=2, *, out=None):
    """The inverse of ``A`` seen as a matrix from its first ``ind`` dims to the rest (result shape:
    ``A.shape[ind:] + A.shape[:ind]``)."""
    a = _t(A)
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    front, back = a.array.shape[:ind], a.array.shape[ind:]
    rows, cols = int(np.prod(front)), int(np.prod(back))
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return _shape.reshape(inv(_shape.reshape(a, rows, cols)), *(back + front))


def tensorsolve(A, B, dims=None, *, out=None):
    """X with ``tensordot(A, X, X.ndim) == B``: A reshaped to a (B.numel(), X.numel()) matrix."""
    a, b = _t(A), _t(B)
    if dims is not None:
        from .functions_shape import movedim
        dims = [d % a.array.ndim for d in dims]
        a = movedim(a, dims, list(range(a.array.ndim - len(dims), a.array.ndim)))
    x_shape = a.array.shape[b.array.ndim:]
    rows = int(np.prod(b.array.shape))
    x = solve(_shape.reshape(a, rows, int(np.prod(x_shape))), _shape.reshape(b, rows))
    return _shape.reshape(x, *x_shape)


from .linalg_lstsq import lstsq, matrix_rank, pinv  # noqa: E402
from .linalg_lu import householder_product, lu, lu_factor, lu_factor_ex, lu_solve  # noqa: E402

__all__ += ["lu_factor", "lu_factor_ex", "lu", "lu_solve", "householder_product"]
from .linalg_ldl import ldl_factor, ldl_factor_ex, ldl_solve  # noqa: E402

__all__ += ["ldl_factor", "ldl_factor_ex", "ldl_solve"]


from .linalg_eig import eig, eigvals  # noqa: E402  (general eigendecomposition, complex outputs)

__all__ += ["eig", "eigvals"]

from .linalg_out import input_alias as _input_alias  # noqa: E402
from .linalg_out import linalg_out as _linalg_out  # noqa: E402

# PyTorch's out= on each function: (the op named in the requires-grad error, the dtype rule, its message's prefix)
_OUT_RULES = {"inv": ("linalg_inv_ex", "exact"), "inv_ex": ("linalg_inv_ex", "exact"), "det": ("_linalg_det", "exact"),
              "slogdet": ("_linalg_slogdet", "exact"), "solve": ("_linalg_solve_ex", "exact"),
              "solve_ex": ("_linalg_solve_ex", "exact"), "cholesky": ("linalg_cholesky_ex", "exact"),
              "cholesky_ex": ("linalg_cholesky_ex", "exact"), "eigh": ("_linalg_eigh", "exact"),
              "eigvalsh": ("_linalg_eigh", "exact"), "svd": ("_linalg_svd", "exact"),
              "svdvals": ("_linalg_svd", "exact"), "qr": ("linalg_qr", "exact"),
              "vector_norm": ("linalg_vector_norm", "exact"), "cross": ("linalg_cross", "exact"),
              "vecdot": ("linalg_vecdot", "vecdot"), "multi_dot": ("linalg_multi_dot", "multi_dot"),
              "matmul": ("linalg_matmul", "exact"), "solve_triangular": ("linalg_solve_triangular", "scalar_type"),
              "norm": ("linalg_norm", "norm", "linalg.norm"),
              "matrix_norm": ("linalg_matrix_norm", "norm", "linalg.matrix_norm"),
              "pinv": ("linalg_pinv", "castable", "linalg.pinv"),
              "matrix_power": ("linalg_matrix_power", "castable_exact", "matrix_power"),
              "cond": ("linalg_cond", "castable", "linalg.cond"),
              "tensorinv": ("linalg_tensorinv", "castable", "tensorinv"),
              "tensorsolve": ("linalg_tensorsolve", "castable", "tensorsolve"),
              "eig": ("linalg_eig", "eig", "torch.linalg.eig"),
              "eigvals": ("linalg_eigvals", "eig", "torch.linalg.eigvals"),
              "matrix_rank": ("linalg_matrix_rank", None), "lu_factor": ("linalg_lu_factor_ex", "exact"),
              "lu_factor_ex": ("linalg_lu_factor_ex", "exact"), "lu": ("linalg_lu", "exact"),
              "lu_solve": ("linalg_lu_solve", "exact"), "ldl_factor": ("linalg_ldl_factor_ex", "exact"),
              "ldl_factor_ex": ("linalg_ldl_factor_ex", "exact"), "ldl_solve": ("linalg_ldl_solve", "exact"),
              "householder_product": ("linalg_householder_product", "castable", "torch.linalg.householder_product")}
for _name, _rule in _OUT_RULES.items():
    globals()[_name] = _linalg_out(globals()[_name], *_rule)
del _name, _rule
matrix_exp = _input_alias(matrix_exp)
