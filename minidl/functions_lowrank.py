"""``torch.svd_lowrank`` and ``torch.pca_lowrank``: randomized low-rank SVD and PCA (Halko, Martinsson and
Tropp's algorithm, as PyTorch implements it), built from differentiable ops (matmul, ``linalg.qr``,
``linalg.svd``), so gradients flow as PyTorch's do.

The random test matrix is ``minidl.randn(n, q)`` from the global generator, as PyTorch draws it, so with
the same seed the approximation is PyTorch's.
"""
from __future__ import annotations

__all__ = ["svd_lowrank", "pca_lowrank"]


def _floating(A):
    import minidl
    return A.dtype if A.is_floating_point() else minidl.float32


def _mH(x):
    return x.transpose(-2, -1)


def _approximate_basis(A, q, niter=2, M=None):
    """An (m, q) matrix with orthonormal columns approximating the range of ``A - M`` (``niter`` power
    iterations)."""
    import minidl
    niter = 2 if niter is None else niter
    R = minidl.randn(A.shape[-1], q, dtype=_floating(A), device=A.device)
    X = A @ R
    if M is not None:
        X = X - M @ R
    Q = minidl.linalg.qr(X).Q
    for _ in range(niter):
        X = _mH(A) @ Q
        if M is not None:
            X = X - _mH(M) @ Q
        Q = minidl.linalg.qr(X).Q
        X = A @ Q
        if M is not None:
            X = X - M @ Q
        Q = minidl.linalg.qr(X).Q
    return Q


def svd_lowrank(A, q=6, niter=2, M=None):
    """``(U, S, V)`` with ``A - M ≈ U diag(S) V^T`` of rank ``q`` (default 6): shapes (*, m, q), (*, q), (*, n, q)
    for ``A`` (*, m, n); ``niter`` subspace iterations (default 2); ``M`` (broadcast to ``A``) is subtracted."""
    import minidl
    q = 6 if q is None else q
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.shape)
    if m < n:
        A = _mH(A)
        if M is not None:
            M = _mH(M)
    Q = _approximate_basis(A, q, niter=niter, M=M)
    B = _mH(Q) @ A
    if M is not None:
        B = B - _mH(Q) @ M
    U, S, Vh = minidl.linalg.svd(B, full_matrices=False)
    V = _mH(Vh)
    U = Q @ U
    if m < n:
        U, V = V, U
    return U, S, V


def pca_lowrank(A, q=None, center=True, niter=2):
    """``(U, S, V)`` of the PCA of ``A`` (*, m, n) from :func:`svd_lowrank` of the column-centred ``A`` (``center``):
    ``q`` components (default ``min(6, m, n)``; ValueError outside 0..min(m, n)), ``niter`` >= 0 iterations."""
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not (0 <= q <= min(m, n)):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return svd_lowrank(A, q, niter=niter, M=None)
    return svd_lowrank(A - A.mean(dim=(-2,), keepdim=True), q, niter=niter, M=None)
