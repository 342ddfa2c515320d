"""torch's older linear-algebra names: ``geqrf``, ``orgqr``, ``ormqr`` (QR in LAPACK's Householder form),
``triangular_solve``, and the functions PyTorch removed in 1.9 and keeps only to say so (``solve``, ``lstsq``,
``eig``, ``symeig``, ``matrix_rank``: each raises PyTorch's RuntimeError naming its replacement).
"""
from __future__ import annotations

import numpy as np

__all__ = ["geqrf", "orgqr", "ormqr", "triangular_solve", "solve", "lstsq", "eig", "symeig", "matrix_rank"]


def geqrf(input):
    """LAPACK's ``geqrf`` of ``input`` (*, m, n): ``(a, tau)``, R on and above ``a``'s diagonal and the Householder
    vectors below it (unit leading entries implied), ``tau`` (*, min(m, n)) their scales. Not differentiable
    (as PyTorch's)."""
    from . import backend, return_types
    from .tensor import Tensor
    if input.ndim < 2:
        raise RuntimeError(f"torch.geqrf: input must have at least 2 dimensions, got {input.ndim}")
    array = backend.to_numpy(input.detach().array)
    if array.dtype.kind != "f":
        raise RuntimeError(f"geqrf: expected a floating point tensor, got {input.dtype}")
    raw, tau = np.linalg.qr(array.astype(np.float64 if array.dtype == np.float64 else np.float32), mode="raw")
    a = np.ascontiguousarray(np.swapaxes(raw, -1, -2)).astype(array.dtype)
    return return_types.geqrf(Tensor(a).to(input.device), Tensor(tau.astype(array.dtype)).to(input.device))


def orgqr(input, tau):
    """The (*, m, n) matrix Q of the first n columns of the product of the Householder reflectors in
    ``(input, tau)`` (``linalg.householder_product``; differentiable)."""
    from .linalg import householder_product
    return householder_product(input, tau)


def ormqr(input, tau, other, left=True, transpose=False):
    """``Q @ other`` (``left``) or ``other @ Q``, with Q (m, m) the full product of the Householder reflectors in
    ``(input, tau)`` (``input`` (*, m, k)) and ``transpose`` using Q^T; differentiable."""
    import minidl
    m, k = input.shape[-2], input.shape[-1]
    if other.shape[-2 if left else -1] != m:
        raise RuntimeError(f"torch.ormqr: other.shape[{-2 if left else -1}] must be equal to input.shape[-2] ({m}), "
                           f"got {other.shape[-2 if left else -1]}")
    if k < m:     # reflectors beyond k are identities: pad with zero columns and zero scales
        pad_cols = minidl.zeros(*input.shape[:-1], m - k, dtype=input.dtype, device=input.device)
        input = minidl.cat([input, pad_cols], dim=-1)
    if tau.shape[-1] < m:
        pad_tau = minidl.zeros(*tau.shape[:-1], m - tau.shape[-1], dtype=tau.dtype, device=tau.device)
        tau = minidl.cat([tau, pad_tau], dim=-1)
    q = orgqr(input[..., :m], tau[..., :m])
    if transpose:
        q = q.transpose(-2, -1)
    return q @ other if left else other @ q


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """``(solution, cloned_coefficient)``: X with ``op(A) X = b`` for triangular ``A`` (*, n, n) (``upper``;
    ``transpose`` solves with A^T; ``unitriangular`` takes the diagonal as ones), and a copy of ``A``
    (PyTorch's deprecated form of ``linalg.solve_triangular(A, b)``)."""
    from . import return_types
    from .linalg import solve_triangular
    coefficient = A.transpose(-2, -1) if transpose else A
    solution = solve_triangular(coefficient, b, upper=upper != transpose, unitriangular=unitriangular)
    result = return_types.triangular_solve(solution, A.clone())
    if out is not None:
        from .linalg_out import _exact
        for target, value in zip(out, result):
            if target.dtype != value.dtype:
                raise RuntimeError(_exact(None, value.array.dtype, target.array.dtype))
            target.resize_(value.shape)
            target.copy_(value)
        return return_types.triangular_solve(*out)
    return result


def _removed(name, replacement):
    def removed(*args, **kwargs):
        raise RuntimeError(f"This function was deprecated since version 1.9 and is now removed. `torch.{name}` "
                           f"is deprecated in favor of {replacement}.")
    removed.__name__ = removed.__qualname__ = name
    removed.__doc__ = (f"Removed from PyTorch in 1.9 (it only raises RuntimeError there, and here): use "
                       f"{replacement}.")
    return removed


solve = _removed("solve", "`torch.linalg.solve` (arguments reversed: X = torch.linalg.solve(A, B))")
lstsq = _removed("lstsq", "`torch.linalg.lstsq` (arguments reversed)")
eig = _removed("eig", "`torch.linalg.eig` / `torch.linalg.eigvals` (complex results)")
symeig = _removed("symeig", "`torch.linalg.eigh` / `torch.linalg.eigvalsh` (lower triangle by default)")
matrix_rank = _removed("matrix_rank", "`torch.linalg.matrix_rank` ('symmetric' is now 'hermitian')")
