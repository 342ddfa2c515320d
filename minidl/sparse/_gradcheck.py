"""Sparse tensors in :func:`minidl.autograd.gradcheck`: a sparse input is checked at its stored values
(PyTorch's ``masked=True`` semantics: unstored elements are not perturbed, since a step there would change
the pattern); a dense input whose gradient is sparse (``F.embedding(sparse=True)``) is compared densely."""
from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ._arrays import SparseCooArray, SparseCsrArray, is_sparse_array
from ._autograd import _gather

__all__ = ["check_sparse"]


def _differences(flat, evaluate, eps, mode):
    """Central differences of ``evaluate()`` for every element of the array ``flat`` (perturbed in place)."""
    numeric = np.zeros(flat.size)
    for k in range(flat.size):
        orig = flat[k].item()
        with mode():
            flat[k] = orig + eps
            plus = evaluate()
            flat[k] = orig - eps
            minus = evaluate()
        flat[k] = orig
        numeric[k] = (plus - minus) / (2 * eps)
    return numeric


def _analytic_at_entries(arr, analytic):
    """The gradient ``analytic`` (a sparse or dense Tensor, or None) at the stored entries of ``arr``."""
    if analytic is None:
        return np.zeros(arr.values.shape)
    grad = analytic.array
    if type(grad) is not SparseCooArray and is_sparse_array(grad):
        grad = grad.to_coo()
    indices = arr.indices if type(arr) is SparseCooArray else (
        arr.to_coo().indices if type(arr) is SparseCsrArray else arr.entry_indices())
    if type(grad) is SparseCooArray and grad.indices is not indices:
        grad = SparseCooArray(grad.indices, grad.values, grad.shape, grad.coalesced)
    return to_numpy(_gather(grad, indices, arr.shape)).astype(np.float64)


def check_sparse(i, x, analytic, evaluate, eps, atol, rtol, mode):
    """Compare the analytic and numeric gradients of input ``i`` (``x``); a GradcheckError where they differ."""
    if is_sparse_array(x.array):
        values = x.array.values
        if not values.flags.c_contiguous:
            x.array.values = values = values.copy()
        expected = _analytic_at_entries(x.array, analytic)
        numeric = _differences(values.reshape(-1), evaluate, eps, mode).reshape(values.shape)
        where = "stored value"
    else:
        if not x.array.flags.c_contiguous:
            x.array = x.xp.ascontiguousarray(x.array)
        expected = to_numpy(analytic.array.to_dense()).astype(np.float64)
        numeric = _differences(x.array.reshape(-1), evaluate, eps, mode).reshape(x.array.shape)
        where = "index"
    err = np.abs(expected - numeric) - (atol + rtol * np.abs(numeric))
    if err.size and err.max() > 0:
        from ..gradcheck import GradcheckError
        k = np.unravel_index(int(np.argmax(err)), expected.shape)
        raise GradcheckError(
            f"gradcheck: gradient of input {i} (shape {tuple(x.shape)}) is wrong at {where} "
            f"{tuple(int(j) for j in k)}: analytic {expected[k]:.8g} vs numeric {numeric[k]:.8g} "
            f"(max abs diff {np.abs(expected - numeric).max():.3g}, atol={atol}, rtol={rtol})")
