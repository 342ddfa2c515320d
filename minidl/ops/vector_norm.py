"""``vector_norm``: the p-norm along some dimensions, with PyTorch's zero gradient at a zero vector.

Written as a ``Function`` (rather than ``sqrt(sum(x * x))``) because the
composition's derivative at a zero vector is 0 * inf = NaN, where PyTorch's
norm gives 0 there; ``normalize``, ``cosine_similarity`` and
``pairwise_distance`` meet zero vectors often (padding rows, equal inputs).
"""
from __future__ import annotations

from minidl.autograd.naming import names_node

from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .elementwise import Where

__all__ = ["vector_norm"]


def _normalised_dims(dim, ndim):
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):   # () is every dim, as PyTorch's
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, "
                             f"{max(ndim, 1) - 1}], but got {d})")
    return tuple(sorted(d % max(ndim, 1) for d in dims)) if ndim else ()


class VectorNorm(Function):
    """n = (sum |x|^p)^(1/p) over ``dims`` (kept as size 1); dn/dx = sign(x) |x|^(p-1) / n^(p-1), 0 where n = 0."""

    def forward(self, x, p=2.0, dims=(), keepdim=False):
        xp = get_array_module(x)
        self.p, self.dims, self.keepdim, self.shape = p, dims, keepdim, x.shape
        if p == 2.0:
            norm = xp.sqrt((x * x).sum(axis=dims, keepdims=True))
        elif p == 1.0:
            norm = xp.abs(x).sum(axis=dims, keepdims=True)
        else:
            norm = (xp.abs(x) ** p).sum(axis=dims, keepdims=True) ** (1.0 / p)
        self.x, self.norm = x, norm.astype(x.dtype, copy=False)
        return self.norm if keepdim else self.norm.reshape([s for i, s in enumerate(x.shape) if i not in dims])

    def _kept(self, g):
        return g if self.keepdim else g.reshape(self.norm.shape)

    def backward(self, g):
        xp = get_array_module(g)
        g = self._kept(g)
        zero = self.norm == 0
        x, p = self.x, self.p
        if p == 2.0:
            local = x / xp.where(zero, 1, self.norm)
        elif p == 1.0:
            local = xp.sign(x)
        else:
            local = xp.sign(x) * xp.abs(x) ** (p - 1) / xp.where(zero, 1, self.norm) ** (p - 1)
        return xp.where(zero, x.dtype.type(0), g * local).astype(x.dtype, copy=False)

    def backward_graph(self, g):
        from .elementwise import sign
        x = self.inputs[0]
        g = g if self.keepdim else g.reshape(self.norm.shape)
        zero = self.norm == 0
        p = self.p
        if p == 1.0:
            local = sign(x)
        else:
            norm = VectorNorm.apply(x, p=p, dims=self.dims, keepdim=True)
            safe = Where.apply(Tensor(x.xp.ones((), dtype=x.array.dtype)), norm, cond=zero)
            local = x / safe if p == 2.0 else sign(x) * x.abs() ** (p - 1) / safe ** (p - 1)
        full = g * local
        return Where.apply(Tensor(x.xp.zeros((), dtype=x.array.dtype)), full,
                           cond=x.xp.broadcast_to(zero, full.shape))


@names_node("LinalgVectorNormBackward0")   # PyTorch's node name
def vector_norm(x, ord=2.0, dim=None, keepdim=False):
    """The ``ord``-norm of ``x`` over ``dim`` (all dims when None), ord > 0 (inf: the largest |x|).

    Shapes: (*) -> (*) without the reduced dims (kept as 1 with ``keepdim``).
    The gradient at a zero vector is 0, as in PyTorch.
    """
    dims = _normalised_dims(dim, x.ndim)
    if x.array.dtype.kind == "c":   # a complex tensor's norm is that of |x|, real (PyTorch's)
        x = x.abs()
    if ord == float("inf"):
        from .extrema import amax
        return amax(x.abs(), dims, keepdim)
    if not ord > 0:
        raise ValueError(f"vector_norm: ord must be > 0 here, got {ord}")
    return VectorNorm.apply(x, p=float(ord), dims=dims, keepdim=bool(keepdim))
