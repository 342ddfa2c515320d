"""PyTorch's legacy sparse-times-dense products at the top level: ``torch.spmm``, ``smm``, ``dsmm``,
``hspmm``, ``hsmm``, ``sspaddmm`` and ``saddmm`` (and the Tensor methods ``smm``/``sspaddmm``).

All of them multiply a sparse (n, k) ``mat1`` by a dense (k, m) ``mat2``; they differ in the layout of the
result, as PyTorch's do:

- ``spmm``/``dsmm``: a dense (n, m) tensor (``spmm`` also takes a dense ``mat1``, as ``torch.mm``);
- ``smm``: a sparse COO (n, m) tensor storing every column of each row that ``mat1`` stores;
- ``hspmm``/``hsmm``: a *hybrid* COO tensor, one sparse dim (the stored rows) and dense rows of m values;
- ``sspaddmm``/``saddmm``: ``beta * input + alpha * (mat1 @ mat2)`` for a sparse ``input``, sparse result.

Gradients flow to ``mat2`` and to the values of ``mat1`` through :func:`minidl.mm`.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..tensor import Tensor
from ._arrays import is_sparse_array

__all__ = ["spmm", "smm", "dsmm", "hspmm", "hsmm", "sspaddmm", "saddmm"]


def _check_sparse(mat1, name):
    if not isinstance(mat1, Tensor) or not is_sparse_array(mat1.array):
        got = "a strided tensor" if isinstance(mat1, Tensor) else type(mat1).__name__
        raise RuntimeError(f"{name}: expected mat1 to be a sparse tensor, got {got}")
    if mat1.dim() != 2:
        raise RuntimeError(f"{name}: expected 2-D matrices, got mat1 of shape {tuple(mat1.shape)}")
    return mat1.to_sparse_coo()


def _stored_rows(sparse):
    """The sorted distinct row numbers that a 2-D COO tensor stores (int64, on its device)."""
    rows = backend.to_device(sparse.detach().coalesce().indices().array, "cpu")[0]
    return np.unique(rows)


def _product(mat1, mat2, name):
    from ..functions import mm
    return mm(_check_sparse(mat1, name), mat2)


def spmm(input, mat2):
    """``input @ mat2`` for a sparse or dense (n, k) ``input`` and a dense (k, m) ``mat2``: dense (n, m)."""
    from ..functions import mm
    return mm(input, mat2)


def dsmm(input, mat2):
    """``input @ mat2`` for a sparse (n, k) ``input`` and a dense (k, m) ``mat2``: dense (n, m)."""
    return _product(input, mat2, "dsmm")


def hspmm(mat1, mat2):
    """``mat1 @ mat2`` for a sparse (n, k) ``mat1`` and dense (k, m) ``mat2`` as a hybrid COO tensor of
    size (n, m): indices (1, r) are the r rows ``mat1`` stores, values (r, m) those rows of the product."""
    from ._creation import sparse_coo_tensor
    dense = _product(mat1, mat2, "hspmm")
    rows = _stored_rows(mat1)
    index = Tensor(backend.to_device(rows, dense.device))
    values = dense.index_select(0, index)
    return sparse_coo_tensor(index.reshape(1, -1), values, tuple(dense.shape))


def hsmm(mat1, mat2):
    """Same as :func:`hspmm` (PyTorch's ``torch.hsmm``)."""
    return hspmm(mat1, mat2)


def smm(input, mat2):
    """``input @ mat2`` for a sparse (n, k) ``input`` and dense (k, m) ``mat2`` as a 2-D COO tensor of
    size (n, m) storing all m columns of every row ``input`` stores."""
    from ._creation import sparse_coo_tensor
    dense = _product(input, mat2, "smm")
    rows = _stored_rows(input)
    m = dense.shape[1]
    row_idx = np.repeat(rows, m)
    col_idx = np.tile(np.arange(m, dtype=np.int64), len(rows))
    indices = Tensor(backend.to_device(np.stack([row_idx, col_idx]), dense.device))
    values = dense.index_select(0, Tensor(backend.to_device(rows, dense.device))).reshape(-1)
    return sparse_coo_tensor(indices, values, tuple(dense.shape))


def sspaddmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)`` for sparse (n, m) ``input``, sparse (n, k) ``mat1`` and
    dense (k, m) ``mat2``: an uncoalesced sparse COO (n, m) tensor, ``input``'s entries then the product's."""
    if not isinstance(input, Tensor) or not is_sparse_array(input.array):
        raise RuntimeError("sspaddmm: expected input to be a sparse tensor, got "
                           f"{'a strided tensor' if isinstance(input, Tensor) else type(input).__name__}")
    product = smm(mat1, mat2)
    if tuple(input.shape) != tuple(product.shape):
        raise RuntimeError(f"sspaddmm: input of size {tuple(input.shape)} does not match the product's size "
                           f"{tuple(product.shape)}")
    from ..functions import cat
    from ._creation import sparse_coo_tensor
    left = input.to_sparse_coo()
    # as PyTorch's: the result lists input's entries, then the product's, uncoalesced
    indices = cat([left._indices(), product._indices()], 1)
    values = cat([left._values() * beta, product._values() * alpha])
    return sparse_coo_tensor(indices, values, tuple(product.shape))


def saddmm(input, mat1, mat2, *, beta=1, alpha=1):
    """Same as :func:`sspaddmm` (PyTorch's ``torch.saddmm``)."""
    return sspaddmm(input, mat1, mat2, beta=beta, alpha=alpha)
