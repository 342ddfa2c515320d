"""What a dense op does when handed a sparse tensor: ``Function.apply`` sends it here (only on its slow path,
so dense CPU calls pay nothing). The ops PyTorch runs on sparse COO tensors go to their sparse versions; every
other op raises PyTorch's ``NotImplementedError`` naming the op and the sparse backend."""
from __future__ import annotations

import numbers
import re

from . import _ops
from ._arrays import SparseCooArray, SparseCscArray, is_sparse_array

__all__ = ["dispatch"]


def _sparse(t):
    return is_sparse_array(getattr(t, "array", None))


def _add(a, b):
    return _ops.add(a, b)


def _sub(a, b):
    if _ops.is_coo(a) and _ops.is_coo(b):
        return _ops.add(a, b, alpha=-1)
    if _ops.is_coo(b) and not _sparse(a):
        return a - _ops.to_dense(b)
    raise RuntimeError("sub(sparse, dense) is not supported. Use sub(dense, sparse) instead.")


def _mul(a, b):
    return _ops.mul(a, b)


def _div(a, b):
    if _ops.is_coo(a) and not _sparse(b) and b.ndim == 0:
        return _ops.scale(a, b, "div")
    raise RuntimeError("div: a sparse tensor can only be divided by a number or a 0-d dense tensor")


def _neg(a):
    return _ops.scale(a, -1)


def _pow_scalar(a, exponent):
    return _ops.scale(a, exponent, "pow")


def _matmul(a, b):
    return _ops.matmul(a, b)


def _cast(a, dtype):
    from ..dtypes import as_dtype
    if type(a.array) is SparseCooArray:
        return _ops.from_values(_ops.values_of(a).to(as_dtype(dtype)), a.array.indices, a.shape,
                                coalesced=a.array.coalesced)
    if type(a.array) is SparseCscArray:
        from ._csc import CscFromValues, CscValues
        arr = a.array
        return CscFromValues.apply(CscValues.apply(a).to(as_dtype(dtype)), ccol_indices=arr.ccol_indices,
                                   row_indices=arr.row_indices, shape=arr.shape)
    from ._csr import CsrFromValues, CsrValues
    arr = a.array
    return CsrFromValues.apply(CsrValues.apply(a).to(as_dtype(dtype)), crow_indices=arr.crow_indices,
                               col_indices=arr.col_indices, shape=arr.shape)


def _sum(a, axes=None, keepdims=False):
    if keepdims:
        raise RuntimeError("sum: keepdim=True is not supported for sparse tensors")
    return _ops.sparse_sum(a.to_sparse_coo(), axes)


def _getitem(a, index):
    if isinstance(index, numbers.Integral) and _ops.is_coo(a):
        return _ops.select(a, 0, index)
    raise NotImplementedError("Could not run 'aten::index' with arguments from the 'SparseCPU' backend: minidl "
                              "indexes sparse COO tensors with an int only; call .to_dense() first")


def _reshape(a, shape):
    # unsqueeze/squeeze work; other reshapes raise NotImplementedError, a RuntimeError as PyTorch's reshape error
    return _ops.reshape_by_ones(a, shape)


def _permute(a, axes):
    return _ops.permute(a, axes)


_HANDLERS = {"Sum": _sum, "GetItem": _getitem, "Reshape": _reshape, "Transpose": _permute,
             "Add": _add, "Sub": _sub, "Mul": _mul, "Div": _div, "Neg": _neg, "PowScalar": _pow_scalar,
             "MatMul": _matmul, "Cast": _cast}
# the COO-only handlers, and those that take CSR operands too (matmul converts them)
_CSR_OK = {"MatMul", "Cast", "Sum"}


# elementwise ops with f(0) == 0, which PyTorch runs on the stored values of a sparse COO tensor
_ZERO_PRESERVING = {"Abs", "Sqrt", "Sin", "Tanh", "ReLU", "LeakyReLU", "Erf", "Log1p", "Expm1", "Tan", "Sinh",
                    "Asin", "Atan", "Asinh", "Atanh", "Erfinv"}


def _aten_name(cls):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


def dispatch(cls, args, kwargs):
    """Run the sparse version of the op ``cls`` on ``args`` (some of them sparse), or raise PyTorch's error."""
    handler = _HANDLERS.get(cls.__name__)
    if cls.__name__ in _ZERO_PRESERVING and len(args) == 1 and _ops.is_coo(args[0]):
        return _ops.unary(cls, args[0], kwargs)
    layouts = {type(a.array).layout_name for a in args if _sparse(a)}
    if handler is not None and (layouts == {"COO"} or cls.__name__ in _CSR_OK):
        if layouts != {"COO"} and cls.__name__ == "MatMul":
            args = [a.to_sparse_coo() if _sparse(a) else a for a in args]
        return handler(*args, **kwargs)
    backend = "SparseCPU" if "COO" in layouts else "SparseCsrCPU"
    raise NotImplementedError(f"Could not run 'aten::{_aten_name(cls)}' with arguments from the '{backend}' "
                              "backend: minidl does not support this op on sparse tensors; call .to_dense() first")
