"""``linalg.eig`` and ``linalg.eigvals``: eigenvalues and eigenvectors of general square matrices, complex
outputs for real or complex input (complex64 for float32, complex128 for float64), as PyTorch's.

The backward is PyTorch's ``linalg_eig_backward``: with E_ij = conj(L_j) - conj(L_i),
gA = V^-H (diag(gL) + P(V^H gV) / E) V^H, where P removes the component along
each (unit-norm) eigenvector. Eigenvectors are defined only up to a phase
e^{i phi} each, so a loss must not depend on it (PyTorch's check, same error).
For a real A the gradient is the real part (the engine keeps it).
"""
from __future__ import annotations

import weakref

import numpy as np

from . import return_types
from .autograd import Function
from .backend import get_array_module
from .ops.linalg import Solve, _diag_embed, _diag_tensor, _mH
from .tensor import Tensor

__all__ = ["eig", "eigvals", "EigPart"]

_TYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
               "float16": "Half", "bfloat16": "BFloat16"}
_COMPLEX = {np.dtype(np.float32): np.dtype(np.complex64), np.dtype(np.float64): np.dtype(np.complex128),
            np.dtype(np.complex64): np.dtype(np.complex64), np.dtype(np.complex128): np.dtype(np.complex128)}


def _check_gauge(xp, vhgv):
    imaginary = xp.imag(vhgv.diagonal(0, -2, -1))
    if not bool(xp.allclose(imaginary, 0, rtol=1e-2, atol=1e-2)):
        raise RuntimeError("linalg_eig_backward: The eigenvectors in the complex case are specified up to "
                           "multiplication by e^{i phi}. The specified loss function depends on this quantity, so it "
                           "is ill-defined.")


class EigPart(Function):
    """One output ("L" eigenvalues or "V" eigenvectors) of a precomputed eigendecomposition A V = V diag(L)."""

    def name(self):
        """``LinalgEigBackward0``: PyTorch's node for this op."""
        return "LinalgEigBackward0"

    def forward(self, a, part="L", result=None, check=True):
        self.part, self.result, self.check = part, result, check
        return result[0] if part == "L" else result[1]

    def backward(self, g):
        w, v = self.result
        xp = get_array_module(g)
        vh = _mH(v)
        if self.part == "L":
            inner = _diag_embed(xp, g.astype(v.dtype))
        else:
            vhgv = vh @ g
            if self.check:
                _check_gauge(xp, vhgv)
            vhgv = vhgv - vh @ (v * vhgv.diagonal(0, -2, -1).real[..., None, :])
            n = w.shape[-1]
            econj = w.conj()[..., None, :] - w.conj()[..., :, None] + xp.eye(n, dtype=v.dtype)
            inner = vhgv / econj * (1 - xp.eye(n, dtype=w.real.dtype))
        return xp.linalg.solve(vh, inner @ vh)

    def backward_graph(self, g):
        xp = get_array_module(g.array)
        # the forward's own outputs when they are alive: in a second backward only the sum of the cotangents
        # their vectors get is phase-free; a recomputed decomposition would split it in two
        outputs = getattr(self, "siblings", None)
        w, v = (outputs[0](), outputs[1]()) if outputs else (None, None)
        if v is None:
            w, v = _eig(self.inputs[0], check=False)
        elif w is None:   # unused eigenvalues: a new node on the same decomposition
            w = EigPart.apply(self.inputs[0], part="L", result=self.result, check=False)
        vh = v.mH
        if self.part == "L":
            return Solve.apply(vh, _diag_tensor(g).matmul(vh))
        vhgv = vh.matmul(g)
        _check_gauge(xp, vhgv.array)
        vhgv = vhgv - vh.matmul(v * vhgv.diagonal(0, -2, -1).real.unsqueeze(-2))
        n = w.shape[-1]
        econj = w.conj().unsqueeze(-2) - w.conj().unsqueeze(-1) + Tensor(xp.eye(n, dtype=v.array.dtype))
        inner = vhgv / econj * Tensor(1 - xp.eye(n, dtype=w.array.real.dtype))
        return Solve.apply(vh, inner.matmul(vh))


def _square(name, A):
    from .linalg import _t
    a = _t(A)
    dtype = a.array.dtype
    if dtype not in _COMPLEX:
        raise RuntimeError(f"Unknown Complex ScalarType for {_TYPE_NAMES.get(dtype.name, dtype.name)}")
    if a.array.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if a.array.shape[-1] != a.array.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are "
                           f"{a.array.shape[-2]} by {a.array.shape[-1]} matrices")
    return a


def eig(A, *, out=None):
    """``(eigenvalues, eigenvectors)`` of square matrices (..., n, n): complex (..., n) eigenvalues and complex
    (..., n, n) eigenvectors (unit norm, in the columns) with ``A @ V = V @ diag(L)``, for real or complex A.
    Gradients need distinct eigenvalues and a loss that does not depend on the eigenvectors' phases."""
    return _eig(_square("eig", A))


def _eig(a, check=True):
    from .linalg import LinAlgError
    xp = get_array_module(a.array)
    complex_dtype = _COMPLEX[a.array.dtype]
    if a.array.size and not bool(xp.isfinite(a.array).all()):
        raise LinAlgError("linalg.eig: input tensor should not contain infs or NaNs.")
    try:
        w, v = np.linalg.eig(a.array) if xp is np else _host_eig(xp, a.array)
    except np.linalg.LinAlgError as exc:
        raise LinAlgError(f"linalg.eig: the eigendecomposition failed to converge ({exc})") from None
    result = (xp.asarray(w, dtype=complex_dtype), xp.asarray(v, dtype=complex_dtype))
    values = EigPart.apply(a, part="L", result=result, check=check)
    vectors = EigPart.apply(a, part="V", result=result, check=check)
    for output in (values, vectors):
        if output.grad_fn is not None:
            output.grad_fn.siblings = (weakref.ref(values), weakref.ref(vectors))
    return return_types.linalg_eig(values, vectors)


def _host_eig(xp, array):
    """A device array's eigendecomposition computed on the host (CuPy has no general ``eig``)."""
    from .backend import to_numpy
    w, v = np.linalg.eig(to_numpy(array))
    return xp.asarray(w), xp.asarray(v)


def eigvals(A, *, out=None):
    """The complex eigenvalues (..., n) of square matrices (..., n, n), real or complex; differentiable."""
    _square("eigvals", A)
    return eig(A).eigenvalues
