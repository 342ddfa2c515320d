"""Householder products and QR helpers for ``parametrizations.orthogonal`` (``torch.linalg.householder_product``'s
maths, written with differentiable Tensor operations, plus NumPy-only helpers used under ``no_grad``)."""
from __future__ import annotations

import numpy as np

import minidl as mdl
from minidl import backend

__all__ = ["householder_product", "make_orthogonal", "geqrf"]


def householder_product(A, tau):
    """The first k columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T, v_i = (0, .., 1, A[i+1:, i]).

    A: (*, n, k) with n >= k (only its strictly lower triangle is read); tau:
    (*, k). Returns (*, n, k). Differentiable in both (a loop of rank-one updates).
    """
    n, k = A.shape[-2], A.shape[-1]
    eye = mdl.eye(n, dtype=A.dtype, device=A.device)
    V = A.tril(-1) + eye[:, :k]
    Q = eye[:, :k].expand(*A.shape[:-2], n, k)
    for i in reversed(range(k)):  # Q <- H_i Q, from the last reflector to the first
        v = V[..., :, i:i + 1]
        Q = Q - tau[..., i:i + 1].unsqueeze(-1) * (v @ (v.transpose(-1, -2) @ Q))
    return Q


def make_orthogonal(array):
    """Q of the QR decomposition of a backend array (*, n, k), columns scaled by the signs of R's diagonal."""
    a = backend.to_numpy(array)
    q, r = np.linalg.qr(a)
    signs = np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]
    return backend.to_device(q * signs, backend.device_of(array))


def geqrf(array):
    """LAPACK's geqrf of a backend array (*, n, k), as NumPy arrays: (reflectors below the diagonal and R on
    and above it, tau)."""
    a = backend.to_numpy(array)
    batch = a.shape[:-2]
    flat = a.reshape((-1,) + a.shape[-2:])
    hs, taus = [], []
    for m in flat:
        h, tau = np.linalg.qr(m, mode="raw")
        hs.append(h.T)
        taus.append(tau)
    h = np.stack(hs).reshape(a.shape)
    tau = np.stack(taus).reshape(batch + (min(a.shape[-2:]),))
    return h, tau
