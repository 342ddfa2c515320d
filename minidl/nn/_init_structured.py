"""Structured weight initialisations of ``torch.nn.init``: ``orthogonal_``, ``dirac_``, ``eye_``, ``sparse_``.

Each fills the tensor in place (outside the graph, keeping its dtype and
device) and returns it; random ones draw from ``generator`` (a
:class:`minidl.Generator`, a NumPy Generator, or None for minidl's global
stream).
"""
from __future__ import annotations

import math

import numpy as np

from minidl import backend, mt19937
from minidl.autograd import versions as _versions
from minidl.generator import as_numpy_generator

from .. import random_fill as _draws

__all__ = ["orthogonal_", "dirac_", "eye_", "sparse_"]


def _numpy_generator(generator):
    return backend.rng() if generator is None else as_numpy_generator(generator)


def _write(tensor, values):
    """Copy the NumPy array ``values`` (same number of elements) into ``tensor``'s array in place."""
    target = tensor.array
    values = np.asarray(values).reshape(target.shape).astype(target.dtype, copy=False)
    target[...] = backend.to_device(values, backend.device_of(target))
    _versions.bump(tensor, True)   # an in-place write: the version moves, as PyTorch's
    return tensor


def orthogonal_(tensor, gain: float = 1, generator=None):
    """Fill ``tensor`` (at least 2-D, trailing dimensions flattened) with a (semi-)orthogonal matrix times ``gain``.

    The (rows, cols) matrix, rows = ``tensor.shape[0]``, is the Q of the QR
    decomposition of a standard normal matrix (transposed when rows < cols),
    with each column multiplied by the sign of R's diagonal so that Q is
    uniformly (Haar) distributed, as in PyTorch. Then W W^T = gain^2 I when
    rows <= cols, and W^T W = gain^2 I otherwise. An empty tensor is left as is.
    """
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    dtype = tensor.array.dtype
    flattened = _draws.normal_values(np.empty((rows, cols), dtype), _numpy_generator(generator))
    if dtype.name in ("float16", "bfloat16"):   # PyTorch's CPU QR refuses half precision (after the draw)
        raise NotImplementedError(f"\"geqrf_cpu\" not implemented for '{_draws.torch_scalar_name(dtype)}'")
    if dtype.kind == "c":                       # the signs of R's diagonal: PyTorch's sign() refuses complex
        raise NotImplementedError("Unlike NumPy, minidl.sign is not intended to support complex numbers. "
                                  "Please use minidl.sgn instead.")
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, q * gain)


def dirac_(tensor, groups: int = 1):
    """Fill a 3-, 4- or 5-D convolution weight (out, in, *kernel) with the Dirac delta.

    With ``groups`` > 1 the output channels form ``groups`` blocks, and in each
    block output channel d takes input channel d at the kernel's centre: the
    convolution then copies as many input channels as it can.
    """
    dimensions = tensor.ndim
    if dimensions not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tuple(tensor.shape)
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_chans_per_grp = sizes[0] // groups
    min_dim = min(out_chans_per_grp, sizes[1])
    values = np.zeros(sizes)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min_dim):
            values[(g * out_chans_per_grp + d, d) + centre] = 1
    return _write(tensor, values)


def eye_(tensor):
    """Fill a 2-D ``tensor`` with the identity matrix (ones on the main diagonal of a rectangle too)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tensor.shape))


def sparse_(tensor, sparsity: float, std: float = 0.01, generator=None):
    """Fill a 2-D ``tensor`` with N(0, std^2) values, then zero ``ceil(sparsity * rows)`` random rows per column.

    (Martens' sparse initialisation, as ``torch.nn.init.sparse_``.)
    """
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    values = _draws.normal_values(tensor.array, _numpy_generator(generator), 0.0, std).copy()
    for col_idx in range(cols):     # PyTorch draws these permutations from the global stream
        values[mt19937.permutation(backend.rng(), rows)[:num_zeros], col_idx] = 0
    return _write(tensor, values)
