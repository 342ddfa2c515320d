"""``minidl.gradient`` (finite-difference derivatives of sampled functions) and ``minidl.histogramdd``
(multi-dimensional histograms), as PyTorch's.

``gradient`` is built from differentiable Tensor ops (slices and arithmetic), so gradients flow through it;
``histogramdd`` counts (NumPy's ``histogramdd`` on the host) and is not differentiable, as in PyTorch.

>>> import minidl as mdl
>>> mdl.gradient(mdl.tensor([1.0, 2.0, 4.0, 8.0]))
(tensor([1.0000, 1.5000, 3.0000, 4.0000]),)
"""
from __future__ import annotations

import builtins
import numbers

import numpy as np

from . import backend, return_types
from .dtypes import default_float, is_floating
from .functions import cat
from .tensor import Tensor, as_tensor

__all__ = ["gradient", "histogramdd"]

_TORCH_TYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                     "bool": "Bool"}


def _normalise_dims(dim, ndim):
    if dim is None:
        return list(range(ndim)), False
    dims = [dim] if isinstance(dim, numbers.Integral) else list(dim)
    out = []
    for d in dims:
        if not -ndim <= d < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {d})")
        d = d % ndim
        if d in out:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        out.append(d)
    return out, True


def _spacings(spacing, dims, ndim, dim_given):
    """One spacing per differentiated dim: a number (uniform step) or a 1-D Tensor of coordinates."""
    if isinstance(spacing, Tensor):
        raise TypeError("gradient(): spacing must be a number or a tuple/list of numbers or 1-D Tensors, not a "
                        "Tensor")
    if spacing is None or isinstance(spacing, numbers.Number):
        return [1 if spacing is None else spacing] * len(dims)
    spacing = list(spacing)
    if len(spacing) != len(dims):
        if dim_given:
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and "
                               f"dim arguments to have the same length, but got a spacing argument of length "
                               f"{len(spacing)} and a dim argument of length {len(dims)}.")
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or a list of length equal "
                           f"to 'self.dim() = {ndim}', since dim argument was not given, but got a list of length "
                           f"{len(spacing)}")
    return spacing


def _along(values, dim, ndim):
    """A 1-D Tensor reshaped to broadcast along ``dim`` of an ``ndim``-dimensional Tensor."""
    shape = [1] * ndim
    shape[dim] = values.shape[0]
    return values.reshape(*shape)


def _uniform(f, dim, h, edge_order):
    n = f.shape[dim]

    def s(start, length):
        return f.narrow(dim, start, length)
    interior = (s(2, n - 2) - s(0, n - 2)) / (2 * h)
    if edge_order == 1:
        first = (s(1, 1) - s(0, 1)) / h
        last = (s(n - 1, 1) - s(n - 2, 1)) / h
    else:
        first = (-1.5 * s(0, 1) + 2 * s(1, 1) - 0.5 * s(2, 1)) / h
        last = (0.5 * s(n - 3, 1) - 2 * s(n - 2, 1) + 1.5 * s(n - 1, 1)) / h
    return cat([first, interior, last], dim=dim)


def _coordinates(f, dim, x, edge_order):
    n, ndim = f.shape[dim], f.dim()
    if x.dim() != 1 or x.shape[0] != n:
        raise RuntimeError(f"torch.gradient expected each tensor to be on the same device and the coordinates along "
                           f"dim {dim} to be a 1-D tensor of size {n}, but got shape {tuple(x.shape)}")

    def s(start, length):
        return f.narrow(dim, start, length)
    dx = x[1:] - x[:-1]
    # second-order accurate central differences on a non-uniform grid (as numpy.gradient)
    h1, h2 = dx[:-1], dx[1:]
    a, b, c = -h2 / (h1 * (h1 + h2)), (h2 - h1) / (h1 * h2), h1 / (h2 * (h1 + h2))
    interior = (_along(a, dim, ndim) * s(0, n - 2) + _along(b, dim, ndim) * s(1, n - 2)
                + _along(c, dim, ndim) * s(2, n - 2))
    if edge_order == 1:
        first = (s(1, 1) - s(0, 1)) / dx[0]
        last = (s(n - 1, 1) - s(n - 2, 1)) / dx[-1]
    else:
        h1, h2 = dx[0], dx[1]
        first = (-(2 * h1 + h2) / (h1 * (h1 + h2)) * s(0, 1) + (h1 + h2) / (h1 * h2) * s(1, 1)
                 - h1 / (h2 * (h1 + h2)) * s(2, 1))
        h1, h2 = dx[-2], dx[-1]
        last = (h2 / (h1 * (h1 + h2)) * s(n - 3, 1) - (h2 + h1) / (h1 * h2) * s(n - 2, 1)
                + (2 * h2 + h1) / (h2 * (h1 + h2)) * s(n - 1, 1))
    return cat([first, interior, last], dim=dim)


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """The derivative of the function sampled by ``input`` along each dim in ``dim`` (all dims by default), as a
    tuple of Tensors of ``input``'s shape: central differences inside, one-sided differences of order
    ``edge_order`` (1 or 2) at the ends. ``spacing`` is a number (the step of every dim), a list of numbers (one
    per dim) or a list of 1-D Tensors (the sample coordinates along each dim). Integer input gives the
    default float dtype. Differentiable."""
    input = input if isinstance(input, Tensor) else as_tensor(input)
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    ndim = input.dim()
    dims, dim_given = _normalise_dims(dim, ndim)
    spacings = _spacings(spacing, dims, ndim, dim_given)
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    f = input if is_floating(input.array.dtype) else input.to(default_float())
    results = []
    for d, h in zip(dims, spacings):
        if isinstance(h, Tensor):
            results.append(_coordinates(f, d, h, edge_order))
        else:
            results.append(_uniform(f, d, h, edge_order))
    return tuple(results)


def histogramdd(input, bins=10, *, range=None, weight=None, density=False):
    """The D-dimensional histogram of the points ``input`` (..., D): ``bins`` is an int (bins per dim), a list
    of D ints, or a list of D 1-D Tensors of edges; ``range`` the flat list ``[lo_0, hi_0, lo_1, hi_1, ...]``
    (the data's range by default); ``weight`` (...,) weights the points; ``density`` divides by the total
    weight and the bin volumes. Returns ``(hist, bin_edges)`` (a D-dimensional Tensor and a tuple of D 1-D
    Tensors), as ``minidl.return_types.histogramdd``."""
    input = input if isinstance(input, Tensor) else as_tensor(input)
    dtype = input.array.dtype
    if not is_floating(dtype):
        name = _TORCH_TYPE_NAMES.get(str(input.dtype).split(".")[-1], str(input.dtype))
        raise NotImplementedError(f'"histogramdd" not implemented for \'{name}\'')
    if input.dim() < 1:
        raise RuntimeError("torch.histogramdd: input should have at least 1 dimension")
    d = input.shape[-1]
    points = backend.to_numpy(input.array).reshape(-1, d)
    if isinstance(bins, numbers.Integral):
        bin_spec = [int(bins)] * d
    else:
        bin_spec = [backend.to_numpy(b.array) if isinstance(b, Tensor) else int(b) for b in bins]
        if len(bin_spec) != d:
            raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    ranges = None
    if range is not None:
        range = list(range)
        if len(range) != 2 * d:
            raise RuntimeError(f"torch.histogramdd: for a {d}-dimensional histogram range should have {2 * d} "
                               f"elements, but got {len(range)}")
        ranges = [(float(range[2 * i]), float(range[2 * i + 1])) for i in builtins.range(d)]
    weights = None if weight is None else backend.to_numpy(weight.array).reshape(-1)
    hist, edges = np.histogramdd(points, bins=bin_spec, range=ranges, weights=weights, density=density)
    device = input.device
    return return_types.histogramdd(Tensor(backend.to_device(hist.astype(dtype), device)),
                                    tuple(Tensor(backend.to_device(np.asarray(e).astype(dtype), device))
                                          for e in edges))

