"""Tensor reductions with PyTorch's ``dim``/``keepdim`` (NumPy's ``axis``/``keepdims`` accepted too).

Mixed into :class:`minidl.Tensor`. ``x.max(dim)`` and ``x.min(dim)`` return
``(values, indices)`` named tuples; without ``dim`` a 0-d tensor.
"""
from __future__ import annotations

from .tensor_math import ops

__all__ = ["ReduceMixin"]


class ReduceMixin:
    """Reductions of :class:`minidl.Tensor`."""

    def sum(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        """Sum over ``dim`` (int, tuple or None for all)."""
        return ops.reduction.sum(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def mean(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        """Mean over ``dim`` (int, tuple or None for all); floating-point tensors only."""
        return ops.reduction.mean(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def prod(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        """Product of all elements or along one ``dim``."""
        return ops.statistics.prod(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
        """Variance with Bessel's correction by default (``unbiased=False`` / ``correction=0`` divide by n)."""
        return ops.statistics.var(self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
        """Standard deviation with Bessel's correction by default."""
        return ops.statistics.std(self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)

    def logsumexp(self, dim, keepdim=False, *, axis=None, keepdims=None):
        """log(sum(exp(x))) over ``dim``, computed stably."""
        return ops.statistics.logsumexp(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        """The p-norm (2 by default) over ``dim`` or all elements."""
        return ops.statistics.norm(self, p, dim, keepdim, dtype)

    def cumsum(self, dim, *, dtype=None):
        """Running sums along ``dim``."""
        return ops.statistics.cumsum(self, dim, dtype=dtype)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Maximum: 0-d tensor; ``(values, indices)`` along ``dim``; elementwise when given a tensor."""
        return ops.extrema.max(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Minimum: 0-d tensor; ``(values, indices)`` along ``dim``; elementwise when given a tensor."""
        return ops.extrema.min(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amax(self, dim=(), keepdim=False):
        """Maximum over ``dim`` (values only; ties share the gradient)."""
        return ops.extrema.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        """Minimum over ``dim`` (values only; ties share the gradient)."""
        return ops.extrema.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Index of the maximum (int64)."""
        return ops.extrema.argmax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Index of the minimum (int64)."""
        return ops.extrema.argmin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """True where all elements (along ``dim``) are non-zero."""
        return ops.extrema.all(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """True where any element (along ``dim``) is non-zero."""
        return ops.extrema.any(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def gather(self, dim, index):
        """Values picked along ``dim`` by ``index`` (``torch.gather``)."""
        return ops.extrema.gather(self, dim, index)

    def sort(self, dim=-1, descending=False, stable=False):
        """``(values, indices)`` sorted along ``dim``."""
        return ops.extrema.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        """Indices that sort along ``dim``."""
        return ops.extrema.argsort(self, dim, descending, stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """``(values, indices)`` of the ``k`` largest (or smallest) along ``dim``."""
        return ops.extrema.topk(self, k, dim, largest, sorted)
