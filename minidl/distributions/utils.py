"""``minidl.distributions.utils``: the helpers of ``torch.distributions.utils`` (broadcasting parameters,
probabilities <-> logits, lazily computed properties, and packing a lower triangle into a vector).

>>> import minidl as mdl
>>> from minidl.distributions.utils import tril_matrix_to_vec, vec_to_tril_matrix
>>> m = mdl.tensor([[1.0, 0.0], [2.0, 3.0]])
>>> tril_matrix_to_vec(m).tolist(), vec_to_tril_matrix(mdl.tensor([1.0, 2.0, 3.0])).tolist()
([1.0, 2.0, 3.0], [[1.0, 0.0], [2.0, 3.0]])
"""
from __future__ import annotations

import math

import numpy as np

from ..tensor import as_tensor
from ..type_info import finfo
from .distribution import broadcast_all, clamp_probs, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits", "lazy_property",
           "tril_matrix_to_vec", "vec_to_tril_matrix"]


def _tril_mask(n, diag, device):
    """A boolean ``(n, n)`` Tensor, True on and below the ``diag``-th diagonal."""
    rows = np.arange(n)
    return as_tensor(rows[None, :] < rows[:, None] + (diag + 1), device=device)


def tril_matrix_to_vec(mat, diag=0):
    """The entries on and below diagonal ``diag`` of the matrices ``mat`` (..., n, n), row by row, as
    (..., m) vectors (``diag=-1`` drops the main diagonal)."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    return mat[..., _tril_mask(n, diag, mat.device)]


def vec_to_tril_matrix(vec, diag=0):
    """The inverse of :func:`tril_matrix_to_vec`: (..., m) vectors into (..., n, n) lower-triangular
    matrices, zero above diagonal ``diag``."""
    size = vec.shape[-1]
    n = (-(1 + 2 * diag) + math.sqrt((1 + 2 * diag) ** 2 + 8 * size + 4 * abs(diag) * (diag + 1))) / 2
    if round(n) - n > finfo(vec.dtype).eps:
        raise ValueError(f"The size of last dimension is {size} which cannot be expressed as the lower "
                         "triangular part of a square D x D matrix.")
    n = round(n)
    mat = vec.new_zeros(tuple(vec.shape[:-1]) + (n, n))
    mat[..., _tril_mask(n, diag, vec.device)] = vec
    return mat
