"""``scatter_reduce(..., "prod")`` as one recorded op, with PyTorch's gradient (zeros handled exactly).

The product is taken directly (``np.multiply.at``), not as ``exp(sum(log))``, so values are exact; the
gradient follows PyTorch's ``scatter_reduce_backward``: ``grad * result / x`` for a non-zero ``x``, the
product of the other factors for a lone zero, and 0 when a position has more than one zero.
"""
from __future__ import annotations

import numpy as np

from . import backend
from .autograd.function import Function

__all__ = ["ScatterProd"]


def _np(a):
    return backend.to_numpy(a)


class ScatterProd(Function):
    """out[t] = (self[t] if kept) * prod(src[s] for each s written to t)."""

    def name(self):
        """``ScatterReduceBackward0``: PyTorch's node for this op."""
        return "ScatterReduceBackward0"

    def forward(self, x, src, target=None, source=None, keep_self=None):
        self.device = backend.device_of(x)
        xs, ss = _np(x), _np(src)
        self.x, self.src, self.target, self.source, self.keep = xs, ss, target, source, _np(keep_self).reshape(-1)
        out = np.where(self.keep, xs.reshape(-1), np.ones((), xs.dtype))
        np.multiply.at(out, target, ss.reshape(-1)[source])
        self.out = out
        return backend.to_device(out.reshape(xs.shape), self.device)

    def _product(self, self_vals, src_vals):
        out = np.where(self.keep, self_vals, np.ones((), self_vals.dtype))
        np.multiply.at(out, self.target, src_vals[self.source])
        return out

    def backward(self, g):
        g = _np(g).reshape(-1)
        xf, sf = self.x.reshape(-1), self.src.reshape(-1)
        one = np.ones((), xf.dtype)
        masked_self = np.where(xf == 0, one, xf)
        grad_self = g * self._product(masked_self, sf) / masked_self
        grad_self = np.where(self.keep, grad_self, np.zeros((), grad_self.dtype))
        src_zero = sf == 0
        zeros_at = np.zeros(xf.size, np.int64)
        np.add.at(zeros_at, self.target, src_zero[self.source].astype(np.int64))
        single = np.zeros(sf.size, bool)
        single[self.source] = src_zero[self.source] & (zeros_at[self.target] == 1)
        masked_src = np.where(single, one, sf)
        with_lone = (g * self._product(xf, masked_src))
        plain = g * self.out
        grad_src = np.zeros(sf.size, g.dtype)
        denom = np.where(src_zero, one, sf)[self.source]
        grad_src[self.source] = np.where(single[self.source], with_lone[self.target],
                                         plain[self.target] / denom)
        return (backend.to_device(grad_self.reshape(self.x.shape), self.device),
                backend.to_device(grad_src.reshape(self.src.shape), self.device))

    def backward_graph(self, g):
        """The same gradient from recorded ops (ScatterProd again for the products), for higher orders."""
        from .ops.elementwise import Where
        from .ops.shape import IndexScatter, reshape
        from .tensor import Tensor
        x, src = self.inputs
        xf, sf = self.x.reshape(-1), self.src.reshape(-1)
        dev = self.device
        one = Tensor(backend.to_device(np.ones((), xf.dtype), dev))
        x_flat, s_flat, g_flat = reshape(x, (-1,)), reshape(src, (-1,)), reshape(g, (-1,))
        kw = dict(target=self.target, source=self.source, keep_self=self.keep)
        masked_self = Where.apply(one, x_flat, cond=backend.to_device(xf == 0, dev))
        grad_self = g_flat * reshape(ScatterProd.apply(masked_self, s_flat, **kw), (-1,)) / masked_self
        grad_self = grad_self * Tensor(backend.to_device(self.keep.astype(xf.dtype), dev))
        src_zero = sf == 0
        zeros_at = np.zeros(xf.size, np.int64)
        np.add.at(zeros_at, self.target, src_zero[self.source].astype(np.int64))
        single = np.zeros(sf.size, bool)
        single[self.source] = src_zero[self.source] & (zeros_at[self.target] == 1)
        masked_src = Where.apply(one, s_flat, cond=backend.to_device(single, dev))
        with_lone = g_flat * reshape(ScatterProd.apply(x_flat, masked_src, **kw), (-1,))
        plain = g_flat * reshape(ScatterProd.apply(x_flat, s_flat, **kw), (-1,))
        denom = Where.apply(one, s_flat, cond=backend.to_device(src_zero, dev))
        tgt, srcpos = backend.to_device(self.target, dev), backend.to_device(self.source, dev)
        picked = Where.apply(with_lone[tgt], plain[tgt] / denom[srcpos],
                             cond=backend.to_device(single[self.source], dev))
        grad_src = IndexScatter.apply(picked, in_shape=(sf.size,), index=(srcpos,))
        return reshape(grad_self, self.x.shape), reshape(grad_src, self.src.shape)
