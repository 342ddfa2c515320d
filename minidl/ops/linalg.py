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
from .complex_conj import cj, cj_t

__all__ = ["Inv", "Det", "LogAbsDet", "SignDet", "Solve", "Cholesky", "EighPart", "SvdPart", "QrPart"]


def _mT(x):
    return x.swapaxes(-1, -2)


def _mH(x):
    """The conjugate transpose of each matrix (the transpose of real ones): complex matrices' backward rules
    are the real ones with every transpose conjugated (PyTorch's convention, see complex_conj.py)."""
    return cj(x.swapaxes(-1, -2))


def _diag_embed(xp, v):
    n = v.shape[-1]
    out = xp.zeros(v.shape + (n,), dtype=v.dtype)
    idx = xp.arange(n)
    out[..., idx, idx] = v
    return out


class Inv(Function):
    """A^-1; dA = -A^-H g A^-H."""

    def name(self):
        """``LinalgInvExBackward0``: PyTorch's node for this op."""
        return "LinalgInvExBackward0"

    def forward(self, a):
        self.out = get_array_module(a).linalg.inv(a)
        return self.out

    def backward(self, g):
        return -(_mH(self.out) @ g @ _mH(self.out))

    def backward_graph(self, g):
        inv = Inv.apply(self.inputs[0])
        return -(inv.mH.matmul(g).matmul(inv.mH))


class Det(Function):
    """det(A); dA = g conj(det(A)) A^-H. As PyTorch's: a first-order gradient is 0 where det(A) is exactly 0, a
    recorded one (``create_graph``) there is the cofactor matrix through the SVD, U diag(prod_{j!=i} S_j) Vh times
    conj(det U det Vh) (no division)."""

    def name(self):
        """``LinalgDetBackward0``: PyTorch's node for this op."""
        return "LinalgDetBackward0"

    def forward(self, a):
        self.a = a
        self.out = get_array_module(a).linalg.det(a)
        return self.out

    def backward(self, g):
        xp = get_array_module(g)
        singular = self.out == 0
        a = xp.where(singular[..., None, None], xp.eye(self.a.shape[-1], dtype=self.a.dtype), self.a)
        return (g * cj(self.out))[..., None, None] * _mH(xp.linalg.inv(a))

    def backward_graph(self, g):
        from .elementwise import Where
        a = self.inputs[0]
        xp = get_array_module(a.array)
        singular = xp.asarray(xp.linalg.det(a.array) == 0)
        if not bool(singular.any()):
            return (g * cj_t(Det.apply(a))).unsqueeze(-1).unsqueeze(-1) * Inv.apply(a).mH
        eye = Tensor(xp.eye(a.shape[-1], dtype=a.array.dtype))
        safe = Where.apply(eye, a, cond=singular[..., None, None])
        regular = (g * cj_t(Det.apply(a))).unsqueeze(-1).unsqueeze(-1) * Inv.apply(safe).mH
        return Where.apply(_cofactor_svd(a, g), regular, cond=singular[..., None, None])


def _cofactor_svd(a, g):
    """g conj(cofactor(A)) from A's SVD, recorded: U diag(g conj(det U det Vh) prod_{j!=i} S_j) Vh."""
    from ..linalg import svd
    from .shape import stack
    u, s, vh = svd(a)
    n = s.shape[-1]
    alpha = cj_t(Det.apply(u) * Det.apply(vh)) * g
    columns = [s[..., i] for i in range(n)]
    products = []
    for i in range(n):
        p = None
        for j in range(n):
            if j != i:
                p = columns[j] if p is None else p * columns[j]
        products.append(p if p is not None else columns[i] * 0 + 1)
    d = stack(products, -1) * alpha.unsqueeze(-1)
    return (u * d.unsqueeze(-2)).matmul(vh)


class LogAbsDet(Function):
    """log|det(A)|; dA = g A^-H."""

    def name(self):
        """``LinalgSlogdetBackward0``: PyTorch's node for this op."""
        return "LinalgSlogdetBackward0"

    def forward(self, a):
        self.a = a
        return get_array_module(a).linalg.slogdet(a)[1]

    def backward(self, g):
        return g[..., None, None] * _mH(get_array_module(g).linalg.inv(self.a))

    def backward_graph(self, g):
        return g.unsqueeze(-1).unsqueeze(-1) * Inv.apply(self.inputs[0]).mH


class SignDet(Function):
    """det(A) / |det(A)| of complex matrices; with s = exp(i arg det), dA = -i Im(conj(g) s) A^-H (arg det is
    Im(log det), whose derivative is A^-T)."""

    def name(self):
        """``LinalgSlogdetBackward0``: PyTorch's node for this op."""
        return "LinalgSlogdetBackward0"

    def forward(self, a):
        self.a = a
        xp = get_array_module(a)
        self.out = xp.asarray(xp.linalg.slogdet(a)[0], dtype=a.dtype)
        return self.out

    def backward(self, g):
        xp = get_array_module(g)
        scale = -1j * xp.asarray((cj(g) * self.out).imag)
        return scale[..., None, None] * _mH(xp.linalg.inv(self.a))

    def backward_graph(self, g):
        a = self.inputs[0]
        scale = (cj_t(g) * SignDet.apply(a)).imag * -1j
        return scale.unsqueeze(-1).unsqueeze(-1) * Inv.apply(a).mH


class Solve(Function):
    """X = A^-1 B for (..., n, n) A and (..., n, k) B; dB = A^-H g, dA = -dB X^H."""

    def name(self):
        """``LinalgSolveExBackward0``: PyTorch's node for this op."""
        return "LinalgSolveExBackward0"

    def forward(self, a, b):
        self.a = a
        self.out = get_array_module(a).linalg.solve(a, b)
        return self.out

    def backward(self, g):
        gb = get_array_module(g).linalg.solve(_mH(self.a), g)
        ga = -(gb @ _mH(self.out)) if self.needs_input_grad[0] else None
        return ga, (gb if self.needs_input_grad[1] else None)

    def backward_graph(self, g):
        a, b = self.inputs
        gb = Solve.apply(a.mH, g)
        ga = -(gb.matmul(Solve.apply(a, b).mH)) if self.needs_input_grad[0] else None
        return ga, (gb if self.needs_input_grad[1] else None)


class Cholesky(Function):
    """L with A = L L^H; dA = L^-H (M + tril(M, -1)^H) L^-1 / 2 with M = tril(L^H g) (PyTorch's
    cholesky_backward; for real matrices sym(L^-T Phi(L^T g) L^-1), Murray 2016)."""

    def forward(self, a):
        self.out = get_array_module(a).linalg.cholesky(a)
        return self.out

    def backward(self, g):
        xp = get_array_module(g)
        lo = self.out
        n = lo.shape[-1]
        m = (_mH(lo) @ g) * xp.tri(n, dtype=lo.real.dtype)
        p = 0.5 * (m + _mH(m * xp.tri(n, k=-1, dtype=lo.real.dtype)))
        x = xp.linalg.solve(_mH(lo), p)                                     # L^-H P
        return _mH(xp.linalg.solve(_mH(lo), _mH(x)))                        # L^-H P L^-1

    def backward_graph(self, g):
        xp = get_array_module(g.array)
        lo = Cholesky.apply(self.inputs[0])
        n = lo.shape[-1]
        real = lo.array.real.dtype
        m = lo.mH.matmul(g) * Tensor(xp.tri(n, dtype=real))
        p = (m + (m * Tensor(xp.tri(n, k=-1, dtype=real))).mH) * 0.5
        return Solve.apply(lo.mH, Solve.apply(lo.mH, p).mH).mH


class EighPart(Function):
    """One output ("L" eigenvalues or "V" eigenvectors) of a precomputed symmetric eigendecomposition.

    dA = V (diag(gL) + skew(V^H gV) / E) V^H with E_ij = L_j - L_i (PyTorch's formula).
    """

    def forward(self, a, part="L", result=None):
        self.part, self.result = part, result
        return result[0] if part == "L" else result[1]

    @staticmethod
    def _grad(xp, w, v, gw, gv):
        inner = xp.zeros(v.shape, dtype=v.dtype) if gw is None else _diag_embed(xp, gw)
        if gv is not None:
            vgv = _mH(v) @ gv
            skew = 0.5 * (vgv - _mH(vgv))
            e = w[..., None, :] - w[..., :, None]
            n = w.shape[-1]
            e = e + xp.eye(n, dtype=e.dtype)
            inner = inner + skew / e * (1 - xp.eye(n, dtype=e.dtype))
        return v @ inner @ _mH(v)

    def backward(self, g):
        w, v = self.result
        xp = get_array_module(g)
        return self._grad(xp, w, v, g if self.part == "L" else None, g if self.part == "V" else None)

    def backward_graph(self, g):
        from ..linalg import eigh
        xp = get_array_module(g.array)
        w, v = eigh(self.inputs[0])
        if self.part == "L":
            return v.matmul(_diag_tensor(g)).matmul(v.mH)
        vgv = v.mH.matmul(g)
        n = w.shape[-1]
        real = w.array.dtype
        off = Tensor(1 - xp.eye(n, dtype=real))
        e = w.unsqueeze(-2) - w.unsqueeze(-1) + Tensor(xp.eye(n, dtype=real))
        return v.matmul((vgv - vgv.mH) * 0.5 / e * off).matmul(v.mH)


def _diag_tensor(v):
    from ..functions_shape import diag_embed
    return diag_embed(v)


class SvdPart(Function):
    """One output ("U", "S" or "Vh") of a precomputed reduced SVD A = U diag(S) Vh.

    With k = min(m, n): dA = U [(skew(U^H gU) S + S skew(V^H gV)) / E + diag(gS)] Vh, E_ij = S_j^2 - S_i^2,
    plus (I - U U^H) gU S^-1 Vh when m > k and U S^-1 gV^H (I - V V^H) when n > k (PyTorch's svd_backward;
    complex singular vectors' phases must not matter to the loss, as in PyTorch).
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
            ugu = _mH(u) @ g
            core = (ugu - _mH(ugu)) * s[..., None, :] / e * off
            if ugu.dtype.kind == "c":   # the phase of U's columns moves with A too: i Im(diag(U^H gU)) / S
                core = core + 1j * _diag_embed(xp, ugu.diagonal(0, -2, -1).imag / s)
            out = u @ core @ vh
            if m > k:
                out = out + ((g - u @ (_mH(u) @ g)) / s[..., None, :]) @ vh
            return out
        v, gv = _mH(vh), _mH(g)
        vgv = _mH(v) @ gv
        core = s[..., :, None] * (vgv - _mH(vgv)) / e * off
        out = u @ core @ vh
        if n > k:
            out = out + u @ _mH((gv - v @ (_mH(v) @ gv)) / s[..., None, :])
        return out

    def backward_graph(self, g):
        from ..linalg import svd
        xp = get_array_module(g.array)
        u, s, vh = svd(self.inputs[0], full_matrices=False)
        m, n, k = u.shape[-2], vh.shape[-1], s.shape[-1]
        if self.part == "S":
            return (u * g.unsqueeze(-2)).matmul(vh)
        s2 = s * s
        real = s.array.dtype
        e = s2.unsqueeze(-2) - s2.unsqueeze(-1) + Tensor(xp.eye(k, dtype=real))
        off = Tensor(1 - xp.eye(k, dtype=real))
        if self.part == "U":
            ugu = u.mH.matmul(g)
            core = (ugu - ugu.mH) * s.unsqueeze(-2) / e * off
            if ugu.array.dtype.kind == "c":
                core = core + _diag_tensor(ugu.diagonal(0, -2, -1).imag / s) * 1j
            out = u.matmul(core).matmul(vh)
            if m > k:
                out = out + ((g - u.matmul(u.mH.matmul(g))) / s.unsqueeze(-2)).matmul(vh)
            return out
        v, gv = vh.mH, g.mH
        vgv = v.mH.matmul(gv)
        out = u.matmul(s.unsqueeze(-1) * (vgv - vgv.mH) / e * off).matmul(vh)
        if n > k:
            out = out + u.matmul(((gv - v.matmul(v.mH.matmul(gv))) / s.unsqueeze(-2)).mH)
        return out


class QrPart(Function):
    """One output ("Q" or "R") of a precomputed reduced QR: A = Q R.

    For m >= n: dA = (gQ + Q copyltu(M)) R^-H with M = R gR^H - gQ^H Q
    (PyTorch's linalg_qr_backward). For m < n, A = [X | Y] with X = Q U square:
    gY = Q gR_Y, and X's gradient is the square case's with gQ + Y gR_Y^H and gU.
    """

    def forward(self, a, part="Q", result=None):
        self.part, self.result = part, result
        return result[0] if part == "Q" else result[1]

    def backward(self, g):
        from ..autograd import no_grad
        q, r = self.result
        with no_grad():
            return _qr_gradient(Tensor(self.inputs[0].array), Tensor(q), Tensor(r), Tensor(g), self.part).array

    def backward_graph(self, g):
        from ..linalg import qr
        q, r = qr(self.inputs[0])
        return _qr_gradient(self.inputs[0], q, r, g, self.part)


def _qr_gradient(a, q, r, g, part):
    """A's gradient from one output's cotangent ``g`` (``part`` "Q" or "R"), in Tensor ops (recordable)."""
    from .shape import cat
    xp = get_array_module(g.array)
    m, n = a.shape[-2:]
    gq = g if part == "Q" else None
    gr = g if part == "R" else None
    gy = None
    if m < n:
        y = a[..., m:]
        if gr is not None:
            gr_y = gr[..., m:]
            gy = q.matmul(gr_y)
            gq = y.matmul(gr_y.mH)
            gr = gr[..., :m]
        else:
            gy = Tensor(xp.zeros(tuple(y.shape), dtype=g.array.dtype))
        r = r[..., :m]
    k = r.shape[-1]
    real = r.array.real.dtype
    mm = None
    if gr is not None:
        mm = r.matmul(gr.mH)
    if gq is not None:
        mm = -(gq.mH.matmul(q)) if mm is None else mm - gq.mH.matmul(q)
    low = mm * Tensor(xp.tri(k, k=-1, dtype=real))
    sym = low + low.mH + mm.real * Tensor(xp.eye(k, dtype=real))
    x = q.matmul(sym) if gq is None else gq + q.matmul(sym)
    gx = Solve.apply(r, x.mH).mH
    return gx if gy is None else cat([gx, gy], -1)
