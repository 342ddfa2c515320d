"""``minidl.distributions.LowRankMultivariateNormal``: N(loc, W Wᵀ + diag(D)) with a low-rank factor W.

Log-densities use the capacitance matrix ``C = I + Wᵀ D⁻¹ W`` (m x m for rank
m): the matrix determinant lemma for ``log det`` and the Woodbury identity
for the Mahalanobis distance, so nothing n x n is factored.

>>> import minidl as mdl
>>> from minidl.distributions import LowRankMultivariateNormal
>>> d = LowRankMultivariateNormal(mdl.zeros(3), mdl.tensor([[1.0], [0.5], [0.0]]), mdl.ones(3))
>>> round(d.log_prob(mdl.ones(3)).item(), 4), round(d.entropy().item(), 4), d.variance.tolist()
(-4.1623, 4.6623, [2.0, 1.25, 1.0])
"""
from __future__ import annotations

import math

from .. import linalg
from ..creation import eye, randn
from ..functions_shape import broadcast_tensors
from ..size import Size
from . import constraints
from .distribution import _EMPTY_SHAPE, Distribution, lazy_property
from .multivariate_normal import _batch_mahalanobis

__all__ = ["LowRankMultivariateNormal"]


def _batch_mv(matrix, vector):
    """``matrix @ vector`` over broadcast batch dimensions."""
    return (matrix @ vector.unsqueeze(-1)).squeeze(-1)


def _batch_capacitance_tril(W, D):
    """The Cholesky factor of ``I + Wᵀ D⁻¹ W``."""
    m = W.shape[-1]
    K = (W.mT / D.unsqueeze(-2)) @ W
    return linalg.cholesky(K + eye(m, dtype=K.dtype, device=K.device))


def _batch_lowrank_logdet(W, D, capacitance_tril):
    """``log det(W Wᵀ + D) = log det C + log det D`` (the matrix determinant lemma)."""
    return 2 * capacitance_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1) + D.log().sum(-1)


def _batch_lowrank_mahalanobis(W, D, x, capacitance_tril):
    """``xᵀ (W Wᵀ + D)⁻¹ x`` by the Woodbury identity."""
    wt_dinv_x = _batch_mv(W.mT / D.unsqueeze(-2), x)
    return (x.pow(2) / D).sum(-1) - _batch_mahalanobis(capacitance_tril, wt_dinv_x)


class LowRankMultivariateNormal(Distribution):
    """The normal distribution over vectors of size n with covariance ``cov_factor @ cov_factor.mT +
    diag(cov_diag)``: ``loc`` (..., n), ``cov_factor`` (..., n, m), ``cov_diag`` (..., n), broadcast.

    ``rsample`` is ``loc + W eps_W + sqrt(D) eps_D``.
    """

    arg_constraints = {"loc": constraints.real_vector, "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, cov_factor, cov_diag, validate_args=None):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        event_shape = loc.shape[-1:]
        if cov_factor.dim() < 2:
            raise ValueError("cov_factor must be at least two-dimensional, with optional leading batch dimensions")
        if cov_factor.shape[-2:-1] != event_shape:
            raise ValueError(f"cov_factor must be a batch of matrices with shape {event_shape[0]} x m")
        if cov_diag.shape[-1:] != event_shape:
            raise ValueError(f"cov_diag must be a batch of vectors with shape {event_shape}")
        try:
            loc_, self.cov_factor, cov_diag_ = broadcast_tensors(loc.unsqueeze(-1), cov_factor, cov_diag.unsqueeze(-1))
        except (RuntimeError, ValueError) as exc:
            raise ValueError(f"Incompatible batch shapes: loc {loc.shape}, cov_factor {cov_factor.shape}, "
                             f"cov_diag {cov_diag.shape}") from exc
        self.loc = loc_[..., 0]
        self.cov_diag = cov_diag_[..., 0]
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        self._capacitance_tril = _batch_capacitance_tril(cov_factor, cov_diag)
        super().__init__(self.loc.shape[:-1], event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self.__class__.__new__(self.__class__) if _instance is None else _instance
        batch_shape = Size(batch_shape)
        loc_shape = tuple(batch_shape) + tuple(self.event_shape)
        new.loc = self.loc.expand(*loc_shape)
        new.cov_diag = self.cov_diag.expand(*loc_shape)
        new.cov_factor = self.cov_factor.expand(*(loc_shape + tuple(self.cov_factor.shape[-1:])))
        new._unbroadcasted_cov_factor = self._unbroadcasted_cov_factor
        new._unbroadcasted_cov_diag = self._unbroadcasted_cov_diag
        new._capacitance_tril = self._capacitance_tril
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _matrix_shape(self):
        return tuple(self._batch_shape) + tuple(self._event_shape) * 2

    @property
    def mean(self):
        """``loc``."""
        return self.loc

    @property
    def mode(self):
        """``loc``."""
        return self.loc

    @lazy_property
    def variance(self):
        """The diagonal of the covariance: ``sum_j W_ij² + D_i``."""
        return (self._unbroadcasted_cov_factor.pow(2).sum(-1) + self._unbroadcasted_cov_diag).expand(
            *(tuple(self._batch_shape) + tuple(self._event_shape)))

    @lazy_property
    def scale_tril(self):
        """The lower Cholesky factor of the covariance: ``sqrt(D) chol(I + D^-1/2 W Wᵀ D^-1/2)``."""
        n = self._event_shape[0]
        sqrt_d = self._unbroadcasted_cov_diag.sqrt().unsqueeze(-1)
        dinvsqrt_w = self._unbroadcasted_cov_factor / sqrt_d
        K = dinvsqrt_w @ dinvsqrt_w.mT + eye(n, dtype=sqrt_d.dtype, device=sqrt_d.device)
        return (sqrt_d * linalg.cholesky(K)).expand(*self._matrix_shape())

    @lazy_property
    def covariance_matrix(self):
        """``W Wᵀ + diag(D)``."""
        W = self._unbroadcasted_cov_factor
        return (W @ W.mT + self._unbroadcasted_cov_diag.diag_embed()).expand(*self._matrix_shape())

    @lazy_property
    def precision_matrix(self):
        """``D⁻¹ - D⁻¹ W C⁻¹ Wᵀ D⁻¹`` (Woodbury)."""
        wt_dinv = self._unbroadcasted_cov_factor.mT / self._unbroadcasted_cov_diag.unsqueeze(-2)
        A = linalg.solve_triangular(self._capacitance_tril, wt_dinv, upper=False)
        return (self._unbroadcasted_cov_diag.reciprocal().diag_embed() - A.mT @ A).expand(*self._matrix_shape())

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """``loc + W eps_W + sqrt(D) eps_D`` of shape ``sample_shape + batch_shape + (n,)``."""
        shape = tuple(self._extended_shape(sample_shape))
        w_shape = shape[:-1] + tuple(self.cov_factor.shape[-1:])
        eps_w = randn(w_shape, dtype=self.loc.dtype, device=self.loc.device)
        eps_d = randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return (self.loc + _batch_mv(self._unbroadcasted_cov_factor, eps_w)
                + self._unbroadcasted_cov_diag.sqrt() * eps_d)

    def log_prob(self, value):
        """``-(n log(2 pi) + log det Σ + mahalanobis²) / 2``."""
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        M = _batch_lowrank_mahalanobis(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag, diff,
                                       self._capacitance_tril)
        log_det = _batch_lowrank_logdet(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag,
                                        self._capacitance_tril)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + log_det + M)

    def entropy(self):
        """``(n (1 + log(2 pi)) + log det Σ) / 2``."""
        log_det = _batch_lowrank_logdet(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag,
                                        self._capacitance_tril)
        h = 0.5 * (self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + log_det)
        return h if len(self._batch_shape) == 0 else h.expand(*tuple(self._batch_shape))
