"""``minidl.sparse``: PyTorch's sparse tensors (``torch.sparse``) on NumPy/CuPy arrays.

Two layouts: ``minidl.sparse_coo`` (``minidl.sparse_coo_tensor``, ``Tensor.to_sparse()``: int64 indices of
shape (sparse_dim, nnz) and values of shape (nnz, *dense_shape)) and ``minidl.sparse_csr`` (2-D,
``minidl.sparse_csr_tensor``, ``Tensor.to_sparse_csr()``). Gradients flow to the values of a sparse tensor
built from a values Tensor that requires grad, and to a sparse leaf created with ``requires_grad=True``
(its ``.grad`` is sparse where PyTorch's is). This module holds the functions of ``torch.sparse``:

>>> import minidl as mdl
>>> s = mdl.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3., 4., 5.], (2, 3))
>>> mdl.sparse.mm(s, mdl.ones(3, 2)).tolist()
[[3.0, 3.0], [9.0, 9.0]]
>>> float(mdl.sparse.sum(s))
12.0
"""
from __future__ import annotations

from ..tensor import Tensor
from . import _ops
from ._arrays import is_sparse_array

__all__ = ["sum", "mm", "addmm", "softmax", "log_softmax"]


def _require_sparse(t, what):
    if not isinstance(t, Tensor) or not is_sparse_array(t.array):
        raise RuntimeError(f"{what}: expected a sparse tensor, got "
                           f"{'a strided tensor' if isinstance(t, Tensor) else type(t).__name__}")
    return t.to_sparse_coo()


def sum(input, dim=None, dtype=None):
    """The sum of a sparse tensor: all elements (a 0-d dense tensor), or over ``dim`` (an int or a tuple):
    a sparse tensor while a sparse dim is left, else dense (``torch.sparse.sum``)."""
    return _ops.sparse_sum(_require_sparse(input, "sparse.sum"), dim, dtype)


def mm(mat1, mat2, reduce="sum"):
    """The matrix product of a sparse (n, k) and a dense (k, m) matrix (dense result), or of two sparse
    matrices (sparse result). The gradient with respect to a sparse operand is sparse with its pattern, as
    ``torch.sparse.mm`` documents. Only ``reduce="sum"`` is supported."""
    if reduce != "sum":
        raise RuntimeError(f"sparse.mm: reduce={reduce!r} is not supported by minidl (only 'sum')")
    if not isinstance(mat1, Tensor) or not is_sparse_array(mat1.array):
        raise RuntimeError("sparse.mm: mat1 must be a sparse tensor")
    if is_sparse_array(getattr(mat2, "array", None)):
        mat2 = mat2.to_sparse_coo()
    return _ops.matmul(mat1.to_sparse_coo(), mat2, masked=True)


def addmm(mat, mat1, mat2, *, beta=1.0, alpha=1.0):
    """``beta * mat + alpha * (mat1 @ mat2)`` for a sparse ``mat1`` (n, k) and dense ``mat`` (n, m) and
    ``mat2`` (k, m); dense result (``torch.sparse.addmm``)."""
    product = mm(mat1, mat2)
    return (mat if beta == 1 else mat * beta) + (product if alpha == 1 else product * alpha)


def softmax(input, dim, *, dtype=None):
    """Softmax of the stored entries along ``dim``, the unstored ones counting as -inf (they stay unstored);
    a sparse tensor of ``input``'s pattern (``torch.sparse.softmax``)."""
    return _ops.softmax(_require_sparse(input, "sparse.softmax"), dim, dtype)


def log_softmax(input, dim, *, dtype=None):
    """Log-softmax of the stored entries along ``dim`` (``torch.sparse.log_softmax``); see :func:`softmax`."""
    return _ops.softmax(_require_sparse(input, "sparse.log_softmax"), dim, dtype, log=True)
