"""Sparse COO and CSR tensors in ``.pt`` files, as ``torch.save`` writes them::

    torch._utils._rebuild_sparse_tensor(torch.serialization._get_layout("torch.sparse_coo"),
                                        (indices, values, torch.Size(size), is_coalesced))
    torch._utils._rebuild_sparse_tensor(torch.serialization._get_layout("torch.sparse_csr"),
                                        (crow_indices, col_indices, values, torch.Size(size)))

(``torch.sparse_csc``: ``(ccol_indices, row_indices, values, size)``)

where the component tensors are ordinary ``_rebuild_tensor_v2`` records. Reading resolves these two
globals to :class:`PendingSparse` placeholders, built into minidl sparse tensors once the components are
read (the invariants are checked, as minidl's constructors always do)."""
from __future__ import annotations

from ..backend import to_numpy
from ._common import format_error
from ._pickle_writer import Call, Global

__all__ = ["SPARSE_GLOBALS", "PendingSparse", "is_sparse_tensor", "sparse_record"]

_COO, _CSR, _CSC = "torch.sparse_coo", "torch.sparse_csr", "torch.sparse_csc"


class PendingSparse:
    """A sparse tensor whose component tensors are not read yet."""

    def __init__(self, layout, data):
        self.layout, self.data = layout, data

    def build(self, walk, path):
        """The minidl sparse tensor, its components materialised by ``walk``; a FileFormatError for a layout
        or record minidl cannot read."""
        from ..sparse._creation import sparse_coo_tensor, sparse_csc_tensor, sparse_csr_tensor
        parts = walk(tuple(self.data)) if isinstance(self.data, (tuple, list)) else None
        try:
            if self.layout == _COO and parts is not None and len(parts) in (3, 4):
                indices, values, size = parts[:3]
                coalesced = bool(parts[3]) if len(parts) == 4 else None
                return sparse_coo_tensor(indices, values, tuple(size), is_coalesced=coalesced)
            if self.layout in (_CSR, _CSC) and parts is not None and len(parts) == 4:
                compressed, plain, values, size = parts
                build = sparse_csr_tensor if self.layout == _CSR else sparse_csc_tensor
                return build(compressed, plain, values, tuple(size))
        except (RuntimeError, TypeError, ValueError) as exc:
            raise format_error(path, f"holds a malformed {self.layout} tensor ({exc})") from None
        raise format_error(path, f"holds a sparse tensor of layout {self.layout!r}, which minidl cannot read "
                                 "(it reads torch.sparse_coo, torch.sparse_csr and torch.sparse_csc)")


def _get_layout(name):
    return str(name)


SPARSE_GLOBALS = {("torch._utils", "_rebuild_sparse_tensor"): PendingSparse,
                  ("torch.serialization", "_get_layout"): _get_layout}


def is_sparse_tensor(obj):
    """True for a minidl Tensor of a sparse layout."""
    return getattr(type(getattr(obj, "array", None)), "is_sparse_layout", False)


def sparse_record(converter, obj, where):
    """The pickle record of the sparse Tensor ``obj`` (its components written by ``converter.tensor``)."""
    arr = obj.array
    size = Call(Global("torch", "Size"), (tuple(int(n) for n in arr.shape),))
    if hasattr(type(arr), "sparse_dim"):
        layout = _COO
        data = (converter.tensor(to_numpy(arr.indices), f"{where}/indices"),
                converter.tensor(to_numpy(arr.values), f"{where}/values"), size, bool(arr.coalesced))
    elif hasattr(type(arr), "entry_indices"):
        layout = _CSC
        data = (converter.tensor(to_numpy(arr.ccol_indices), f"{where}/ccol_indices"),
                converter.tensor(to_numpy(arr.row_indices), f"{where}/row_indices"),
                converter.tensor(to_numpy(arr.values), f"{where}/values"), size)
    else:
        layout = _CSR
        data = (converter.tensor(to_numpy(arr.crow_indices), f"{where}/crow_indices"),
                converter.tensor(to_numpy(arr.col_indices), f"{where}/col_indices"),
                converter.tensor(to_numpy(arr.values), f"{where}/values"), size)
    return Call(Global("torch._utils", "_rebuild_sparse_tensor"),
                (Call(Global("torch.serialization", "_get_layout"), (layout,)), data))
