"""PyTorch's repr of sparse tensors: ``tensor(indices=tensor(...), values=tensor(...), size=(...), nnz=...,
layout=torch.sparse_coo)`` (COO) and ``tensor(crow_indices=..., col_indices=..., values=..., ...)`` (CSR)."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..dtypes import default_float
from ..tensor_str import _OPTIONS, format_array
from ._arrays import SparseCooArray, SparseCscArray

__all__ = ["sparse_repr"]

_INDENT = 7   # len("tensor(")


def _body(array, prefix):
    """The repr body of one component array, continuation lines indented to follow ``prefix``."""
    array = backend.to_numpy(array)
    if array.size == 0:
        return f"[], size={tuple(array.shape)}"   # the size even for 1-D, as PyTorch's sparse repr
    return format_array(array, prefix)


def _add_suffixes(text, suffixes, force_newline):
    """PyTorch's ``_add_suffixes``: the first suffix on a new line for COO (``force_newline``), the others
    wrapped at the line width (lengths counted with its ``torch.`` prefix)."""
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        size = len(suffix.replace("minidl.", "torch."))
        if force_newline or last_line + size + 2 > _OPTIONS["linewidth"]:
            parts.append(",\n" + " " * _INDENT + suffix)
            last_line = _INDENT + size
            force_newline = False
        else:
            parts.append(", " + suffix)
            last_line += size + 2
    parts.append(")")
    return "".join(parts)


def sparse_repr(t):
    """The repr of the sparse Tensor ``t``."""
    arr = t.array
    pad = " " * _INDENT
    if type(arr) is SparseCooArray:
        components = [("indices", arr.indices), ("values", arr.values)]
        layout = "minidl.sparse_coo"
    elif type(arr) is SparseCscArray:
        components = [("ccol_indices", arr.ccol_indices), ("row_indices", arr.row_indices), ("values", arr.values)]
        layout = "minidl.sparse_csc"
    else:
        components = [("crow_indices", arr.crow_indices), ("col_indices", arr.col_indices), ("values", arr.values)]
        layout = "minidl.sparse_csr"
    pieces = []
    for k, (name, array) in enumerate(components):
        lead = "tensor(" if k == 0 else pad
        prefix = f"{name}=tensor("
        pieces.append(prefix + _body(array, lead + prefix) + ")")
    text = "tensor(" + (",\n" + pad).join(pieces)
    suffixes = []
    if backend.is_device_array(arr.values):
        suffixes.append(f"device='{t.device}'")
    suffixes += [f"size={tuple(arr.shape)}", f"nnz={arr.nnz}"]
    if arr.dtype not in (default_float(), np.dtype(np.int64), np.dtype(np.bool_), np.dtype(np.complex128)):
        suffixes.append(f"dtype={t.dtype}")
    suffixes.append(f"layout={layout}")
    if t.creator is not None:
        suffixes.append(f"grad_fn=<{t.creator.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(text, suffixes, force_newline=type(arr) is SparseCooArray)
