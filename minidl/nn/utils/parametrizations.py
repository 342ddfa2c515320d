"""``minidl.nn.utils.parametrizations``: ``weight_norm``, ``spectral_norm`` and ``orthogonal`` built on
:mod:`minidl.nn.utils.parametrize`, with PyTorch's state-dict keys
(``parametrizations.weight.original0/original1`` for weight norm,
``parametrizations.weight.original`` and ``parametrizations.weight.0._u/_v`` for
spectral norm, ``parametrizations.weight.original`` and ``...0.base`` for orthogonal).
"""
from __future__ import annotations

from enum import Enum, auto

import numpy as np

import minidl as mdl
from minidl import backend
from minidl.autograd import no_grad
from minidl.functions_math import mv, vdot
from minidl.nn import _state_dict
from minidl.nn.module import Module
from minidl.tensor import Tensor

from . import parametrize
from ._householder import geqrf, householder_product, make_orthogonal
from .spectral_norm import _is_conv_transpose, _normalize
from .weight_norm import norm_except_dim

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


# ------------------------------------------------------------------------------------------- weight norm
class _WeightNorm(Module):
    """``weight = g * v / norm_except_dim(v, 2, dim)``, from ``original0 = g`` and ``original1 = v``."""

    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        """The weight from magnitude ``weight_g`` and direction ``weight_v`` (differentiable)."""
        return weight_v * (weight_g / norm_except_dim(weight_v, 2, self.dim))

    def right_inverse(self, weight):
        """``(g, v) = (norm_except_dim(weight), weight)``."""
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name: str = "weight", dim: int = 0):
    """Parametrize ``module.<name>`` as ``g * v / ||v||`` (norm over every dimension but ``dim``); returns ``module``.

    The magnitude ``g`` is ``module.parametrizations.<name>.original0`` and the
    direction ``v`` is ``original1``; ``dim=None`` normalises the whole tensor.
    A state dict saved with the old :func:`minidl.nn.utils.weight_norm`
    (``<name>_g``, ``<name>_v``) loads into the module too, as in PyTorch.
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                 error_msgs):
        # a checkpoint of the old hook-based weight_norm (name_g, name_v) loads into the parametrization
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    _state_dict.add_load_state_dict_pre_hook(module, _weight_norm_compat_hook)
    return module


# ----------------------------------------------------------------------------------------- spectral norm
class _SpectralNorm(Module):
    """``weight / sigma``, sigma the largest singular value estimated by power iteration on buffers ``_u``, ``_v``."""

    def __init__(self, weight, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] "
                             f"but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but "
                             f"got n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            with no_grad():   # from the global stream in the weight's dtype, as PyTorch draws them
                self.register_buffer("_u", _normalize(weight_mat.new_empty(h).normal_(0, 1), eps))
                self.register_buffer("_v", _normalize(weight_mat.new_empty(w).normal_(0, 1), eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat, n_power_iterations: int) -> None:
        """``n_power_iterations`` steps u <- W v / ||W v||, v <- W^T u / ||W^T u||, in place on the buffers."""
        with no_grad():
            for _ in range(n_power_iterations):   # into the buffers, as PyTorch's out= does
                self._u.array[...] = _normalize(mv(weight_mat, self._v), self.eps).array
                self._v.array[...] = _normalize(mv(weight_mat.conj().transpose(0, 1), self._u), self.eps).array

    def forward(self, weight):
        """The spectrally normalised weight (a 1-D weight is just divided by its norm)."""
        if weight.ndim == 1:
            return weight / weight.norm().clamp(min=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = Tensor(self._u.array.copy()), Tensor(self._v.array.copy())
        sigma = vdot(u, mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value):
        """The identity: assigning a weight stores it as it is."""
        return value


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim=None):
    """Parametrize ``module.<name>`` as ``weight / sigma(weight)`` (spectral normalisation); returns ``module``.

    ``n_power_iterations`` power-iteration steps run at each access in training
    mode (15 at registration); in eval mode the stored vectors are used as they
    are. ``dim`` defaults to 1 for ConvTranspose layers and 0 otherwise.
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if _is_conv_transpose(module) else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


# -------------------------------------------------------------------------------------------- orthogonal
class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def _is_orthogonal(Q):
    n, k = Q.shape[-2], Q.shape[-1]
    eps = 10.0 * n * np.finfo(Q.dtype).eps
    return np.allclose(np.swapaxes(Q.conj(), -1, -2) @ Q, np.eye(k), atol=eps, rtol=1e-5)


class _Orthogonal(Module):
    """Maps an unconstrained matrix (or batch) to an orthogonal one (matrix_exp, cayley or householder)."""

    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        """The orthogonal (n, k) matrix for the parameter X (transposed maps for n < k)."""
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.transpose(-1, -2)
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()
            if n != k:
                X = mdl.cat([X, mdl.zeros(*X.shape[:-2], n, n - k, dtype=X.dtype, device=X.device)], dim=-1)
            A = X - X.transpose(-1, -2)
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = mdl.linalg.matrix_exp(A)
            else:
                eye = mdl.eye(n, dtype=A.dtype, device=A.device)
                Q = mdl.linalg.solve(eye - 0.5 * A, eye + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = householder_product(A, tau)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).detach().trunc().unsqueeze(-2)
        if getattr(self, "base", None) is not None:
            Q = self.base @ Q
        if transposed:
            Q = Q.transpose(-1, -2)
        return Q

    def right_inverse(self, Q):
        """A parameter X with forward(X) == Q (orthogonalising Q first); with the trivialization
        ``base`` becomes Q and X is -I."""
        with no_grad():
            if Q.shape != self.shape:
                raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                                 f"Got a tensor of shape {Q.shape}.")
            q = Q.array
            n, k = q.shape[-2], q.shape[-1]
            transpose = n < k
            if transpose:
                q = q.swapaxes(-1, -2)
                n, k = k, n
            if "base" not in self._buffers:
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError("It is not possible to assign to the matrix exponential "
                                              "or the Cayley parametrizations when use_trivialization=False.")
                a, tau = geqrf(q)
                diag = np.sign(np.diagonal(a, axis1=-2, axis2=-1)) * np.where(tau == 0.0, -1.0, 1.0)
                a = a.copy()
                idx = np.arange(min(n, k))
                a[..., idx, idx] = diag
                a = a.astype(q.dtype)
                a = a.swapaxes(-1, -2).copy() if transpose else a
                return Tensor(backend.to_device(a, backend.device_of(q)))
            xp = backend.get_array_module(q)
            if n == k:
                q = q.copy() if _is_orthogonal(backend.to_numpy(q)) else make_orthogonal(q)
            else:
                # the completion's columns from the global stream, as PyTorch's randn draws them
                noise = mdl.randn(*(q.shape[:-2] + (n, n - k)), dtype=Q.dtype).array
                q = make_orthogonal(xp.concatenate([q, backend.to_device(noise, backend.device_of(q))], axis=-1))
            self.base = Tensor(xp.asarray(q, dtype=Q.array.dtype))
            neg_id = xp.zeros(Q.shape, dtype=Q.array.dtype)
            idx = xp.arange(min(Q.shape[-2:]))
            neg_id[..., idx, idx] = -1.0
            return Tensor(neg_id)


def orthogonal(module, name: str = "weight", orthogonal_map=None, *, use_trivialization: bool = True):
    """Parametrize ``module.<name>`` (a matrix or a batch) to stay orthogonal (or semi-orthogonal); returns ``module``.

    Args:
        orthogonal_map: "matrix_exp" (default for square matrices), "cayley", or
            "householder" (default for rectangular ones).
        use_trivialization: keep a ``base`` buffer and parametrize around it
            (the registered weight then equals the orthogonalised old weight).
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] or weight.is_complex() else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
