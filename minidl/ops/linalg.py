"""Differentiable matrix functions on NumPy's / CuPy's ``linalg``: inverse, determinant, log-determinant,
solve, Cholesky, symmetric eigendecomposition, SVD and QR (all batched over leading dims).

The backward passes are the standard matrix-calculus results (as in PyTorch's
``FunctionsManual``), written twice: on arrays, and on Tensors (recorded, so
they can be differentiated again). A decomposition with several outputs is
computed once; each output is then its own op (``SvdPart``, ``EighPart``,
``QrPart``) whose backward is that output's share of the gradient (the
formulas are linear in the output gradients, so the shares add up).
"""
from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor

__all__ = ["Inv", "Det", "LogAbsDet", "Solve", "Cholesky", "EighPart", "SvdPart", "QrPart"]


def _mT(x):
    return x.swapaxes(-1, -2)


def _diag_embed(xp, v):
    n = v.shape[-1]
    out = xp.zeros(v.shape + (n,), dtype=v.dtype)
    idx = xp.arange(n)
    out[..., idx, idx] = v
    return out


class Inv(Function):
    """A^-1; dA = -A^-T g A^-T."""

    def name(self):
        """``LinalgInvExBackward0``: PyTorch's node for this op."""
        return "LinalgInvExBackward0"

    def forward(self, a):
        self.out = get_array_module(a).linalg.inv(a)
        return self.out

    def backward(self, g):
        return -(_mT(self.out) @ g @ _mT(self.out))

    def backward_graph(self, g):
        inv = Inv.apply(self.inputs[0])
        return -(inv.mT.matmul(g).matmul(inv.mT))


class Det(Function):
    """det(A); dA = g det(A) A^-T."""

    def name(self):
        """``LinalgDetBackward0``: PyTorch's node for this op."""
        return "LinalgDetBackward0"

    def forward(self, a):
        self.a = a
        self.out = get_array_module(a).linalg.det(a)
        return self.out

    def backward(self, g):
        xp = get_array_module(g)
        return (g * self.out)[..., None, None] * _mT(xp.linalg.inv(self.a))

    def backward_graph(self, g):
        a = self.inputs[0]
        return (g * Det.apply(a)).unsqueeze(-1).unsqueeze(-1) * Inv.apply(a).mT


class LogAbsDet(Function):
    """log|det(A)|; dA = g A^-T."""

    def name(self):
        """``LinalgSlogdetBackward0``: PyTorch's node for this op."""
        return "LinalgSlogdetBackward0"

    def forward(self, a):
        self.a = a
        return get_array_module(a).linalg.slogdet(a)[1]

    def backward(self, g):
        return g[..., None, None] * _mT(get_array_module(g).linalg.inv(self.a))

    def backward_graph(self, g):
        return g.unsqueeze(-1).unsqueeze(-1) * Inv.apply(self.inputs[0]).mT


class Solve(Function):
    """X = A^-1 B for (..., n, n) A and (..., n, k) B; dB = A^-T g, dA = -dB X^T."""

    def name(self):
        """``LinalgSolveExBackward0``: PyTorch's node for this op."""
        return "LinalgSolveExBackward0"

    def forward(self, a, b):
        self.a = a
        self.out = get_array_module(a).linalg.solve(a, b)
        return self.out

    def backward(self, g):
        gb = get_array_module(g).linalg.solve(_mT(self.a), g)
        ga = -(gb @ _mT(self.out)) if self.needs_input_grad[0] else None
        return ga, (gb if self.needs_input_grad[1] else None)

    def backward_graph(self, g):
        a, b = self.inputs
        gb = Solve.apply(a.mT, g)
        ga = -(gb.matmul(Solve.apply(a, b).mT)) if self.needs_input_grad[0] else None
        return ga, (gb if self.needs_input_grad[1] else None)


def _phi(xp, m):
    """The lower triangle of ``m`` with its diagonal halved."""
    n = m.shape[-1]
    return m * (xp.tri(n, dtype=m.dtype) - 0.5 * xp.eye(n, dtype=m.dtype))


class Cholesky(Function):
    """L with A = L L^T; dA = sym(L^-T Phi(L^T g) L^-1), Phi = lower triangle, diagonal halved (Murray 2016)."""

    def forward(self, a):
        self.out = get_array_module(a).linalg.cholesky(a)
        return self.out

    def backward(self, g):
        xp = get_array_module(g)
        lo = self.out
        p = _phi(xp, _mT(lo) @ g)
        s = _mT(xp.linalg.solve(_mT(lo), _mT(xp.linalg.solve(_mT(lo), p))))   # L^-T P L^-1
        return 0.5 * (s + _mT(s))

    def backward_graph(self, g):
        xp = get_array_module(g.array)
        lo = Cholesky.apply(self.inputs[0])
        n = lo.shape[-1]
        p = lo.mT.matmul(g) * Tensor(xp.tri(n, dtype=g.array.dtype) - 0.5 * xp.eye(n, dtype=g.array.dtype))
        s = Solve.apply(lo.mT, Solve.apply(lo.mT, p).mT).mT
        return 0.5 * (s + s.mT)


class EighPart(Function):
    """One output ("L" eigenvalues or "V" eigenvectors) of a precomputed symmetric eigendecomposition.

    dA = V (diag(gL) + skew(V^T gV) / E) V^T with E_ij = L_j - L_i (PyTorch's formula).
    """

    def forward(self, a, part="L", result=None):
        self.part, self.result = part, result
        return result[0] if part == "L" else result[1]

    @staticmethod
    def _grad(xp, w, v, gw, gv):
        inner = xp.zeros(v.shape, dtype=v.dtype) if gw is None else _diag_embed(xp, gw)
        if gv is not None:
            vgv = _mT(v) @ gv
            skew = 0.5 * (vgv - _mT(vgv))
            e = w[..., None, :] - w[..., :, None]
            n = w.shape[-1]
            e = e + xp.eye(n, dtype=e.dtype)
            inner = inner + skew / e * (1 - xp.eye(n, dtype=e.dtype))
        return v @ inner @ _mT(v)

    def backward(self, g):
        w, v = self.result
        xp = get_array_module(g)
        return self._grad(xp, w, v, g if self.part == "L" else None, g if self.part == "V" else None)

    def backward_graph(self, g):
        from ..linalg import eigh
        xp = get_array_module(g.array)
        w, v = eigh(self.inputs[0])
        if self.part == "L":
            return v.matmul(_diag_tensor(g)).matmul(v.mT)
        vgv = v.mT.matmul(g)
        n = w.shape[-1]
        off = Tensor(1 - xp.eye(n, dtype=g.array.dtype))
        e = w.unsqueeze(-2) - w.unsqueeze(-1) + Tensor(xp.eye(n, dtype=g.array.dtype))
        return v.matmul((vgv - vgv.mT) * 0.5 / e * off).matmul(v.mT)


def _diag_tensor(v):
    from ..functions_shape import diag_embed
    return diag_embed(v)


class SvdPart(Function):
    """One output ("U", "S" or "Vh") of a precomputed reduced SVD A = U diag(S) Vh.

    With k = min(m, n): dA = U [(skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)] Vh, E_ij = S_j^2 - S_i^2,
    plus (I - U U^T) gU S^-1 Vh when m > k and U S^-1 gV^T (I - V V^T) when n > k (PyTorch's svd_backward).
    """

    def forward(self, a, part="S", result=None):
        self.part, self.result = part, result
        return result["USV".index(part[0])]

    def backward(self, g):
        u, s, vh = self.result
        xp = get_array_module(g)
        m, n, k = u.shape[-2], vh.shape[-1], s.shape[-1]
        if self.part == "S":
            return (u * g[..., None, :]) @ vh
        s2 = s * s
        e = s2[..., None, :] - s2[..., :, None] + xp.eye(k, dtype=s.dtype)
        off = 1 - xp.eye(k, dtype=s.dtype)
        if self.part == "U":
            ugu = _mT(u) @ g
            core = (ugu - _mT(ugu)) * s[..., None, :] / e * off
            out = u @ core @ vh
            if m > k:
                out = out + ((g - u @ (_mT(u) @ g)) / s[..., None, :]) @ vh
            return out
        v, gv = _mT(vh), _mT(g)
        vgv = _mT(v) @ gv
        core = s[..., :, None] * (vgv - _mT(vgv)) / e * off
        out = u @ core @ vh
        if n > k:
            out = out + u @ _mT((gv - v @ (_mT(v) @ gv)) / s[..., None, :])
        return out

    def backward_graph(self, g):
        from ..linalg import svd
        xp = get_array_module(g.array)
        u, s, vh = svd(self.inputs[0], full_matrices=False)
        m, n, k = u.shape[-2], vh.shape[-1], s.shape[-1]
        if self.part == "S":
            return (u * g.unsqueeze(-2)).matmul(vh)
        s2 = s * s
        e = s2.unsqueeze(-2) - s2.unsqueeze(-1) + Tensor(xp.eye(k, dtype=g.array.dtype))
        off = Tensor(1 - xp.eye(k, dtype=g.array.dtype))
        if self.part == "U":
            ugu = u.mT.matmul(g)
            out = u.matmul((ugu - ugu.mT) * s.unsqueeze(-2) / e * off).matmul(vh)
            if m > k:
                out = out + ((g - u.matmul(u.mT.matmul(g))) / s.unsqueeze(-2)).matmul(vh)
            return out
        v, gv = vh.mT, g.mT
        vgv = v.mT.matmul(gv)
        out = u.matmul(s.unsqueeze(-1) * (vgv - vgv.mT) / e * off).matmul(vh)
        if n > k:
            out = out + u.matmul(((gv - v.matmul(v.mT.matmul(gv))) / s.unsqueeze(-2)).mT)
        return out


def _copyltu(xp, m):
    """The symmetric matrix with ``m``'s lower triangle (and diagonal)."""
    n = m.shape[-1]
    low = m * xp.tri(n, k=-1, dtype=m.dtype)
    return low + _mT(low) + m * xp.eye(n, dtype=m.dtype)


class QrPart(Function):
    """One output ("Q" or "R") of a precomputed reduced QR with m >= n: A = Q R.

    dA = (gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q (PyTorch's linalg_qr_backward).
    """

    def forward(self, a, part="Q", result=None):
        self.part, self.result = part, result
        return result[0] if part == "Q" else result[1]

    def backward(self, g):
        q, r = self.result
        xp = get_array_module(g)
        gq = g if self.part == "Q" else xp.zeros(q.shape, dtype=q.dtype)
        m = (r @ _mT(g) if self.part == "R" else 0) - _mT(gq) @ q
        x = gq + q @ _copyltu(xp, m)
        return _mT(xp.linalg.solve(r, _mT(x)))

    def backward_graph(self, g):
        from ..linalg import qr
        xp = get_array_module(g.array)
        q, r = qr(self.inputs[0])
        n = r.shape[-1]
        if self.part == "Q":
            m, gq = -(g.mT.matmul(q)), g
        else:
            m, gq = r.matmul(g.mT), None
        low = m * Tensor(xp.tri(n, k=-1, dtype=g.array.dtype))
        sym = low + low.mT + m * Tensor(xp.eye(n, dtype=g.array.dtype))
        x = q.matmul(sym) if gq is None else gq + q.matmul(sym)
        return Solve.apply(r, x.mT).mT
