"""``minidl.distributions.MultivariateNormal``: the normal distribution over vectors, by its Cholesky factor."""
from __future__ import annotations

import math

from .. import linalg
from ..creation import randn
from ..functions_shape import broadcast_shapes
from ..size import Size
from . import constraints
from .distribution import _EMPTY_SHAPE, Distribution, lazy_property

__all__ = ["MultivariateNormal"]


def _batch_mahalanobis(scale_tril, diff):
    """``|| L^-1 diff ||²`` over the last dimension, broadcast over the batch dimensions."""
    batch = broadcast_shapes(tuple(scale_tril.shape[:-2]), tuple(diff.shape[:-1]))
    n = diff.shape[-1]
    L = scale_tril.expand(*(tuple(batch) + (n, n)))
    solved = linalg.solve_triangular(L, diff.expand(*(tuple(batch) + (n,))).unsqueeze(-1), upper=False)
    return solved.squeeze(-1).pow(2).sum(-1)


class MultivariateNormal(Distribution):
    """N(``loc``, Σ) over vectors of size k, with Σ given by exactly one of ``covariance_matrix``,
    ``precision_matrix`` (its inverse) or ``scale_tril`` (its lower Cholesky factor L, Σ = L Lᵀ).

    Shapes: ``loc`` (..., k), matrices (..., k, k); batch shape is their
    broadcast batch dimensions, event shape (k,). ``rsample`` is
    ``loc + L @ eps``.

    >>> import minidl as mdl
    >>> from minidl.distributions import MultivariateNormal
    >>> d = MultivariateNormal(mdl.zeros(2), mdl.eye(2))
    >>> d.event_shape, round(d.log_prob(mdl.ones(2)).item(), 4), round(d.entropy().item(), 4)
    (minidl.Size([2]), -2.8379, 2.8379)
    """

    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        if (covariance_matrix is not None) + (scale_tril is not None) + (precision_matrix is not None) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        matrix = next(m for m in (scale_tril, covariance_matrix, precision_matrix) if m is not None)
        name = ("scale_tril" if scale_tril is not None else "covariance_matrix" if covariance_matrix is not None
                else "precision_matrix")
        if matrix.dim() < 2:
            raise ValueError(f"{name} matrix must be at least two-dimensional, with optional leading batch "
                             "dimensions")
        batch_shape = broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1]))
        k = loc.shape[-1]
        setattr(self, name, matrix.expand(*(tuple(batch_shape) + (k, k))))
        self.loc = loc.expand(*(tuple(batch_shape) + (k,)))
        super().__init__(batch_shape, Size((k,)), validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = linalg.cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = linalg.cholesky(linalg.inv(precision_matrix))

    @lazy_property
    def scale_tril(self):
        """The lower Cholesky factor L of the covariance (batch-expanded)."""
        return self._unbroadcasted_scale_tril.expand(*(tuple(self._batch_shape) + tuple(self._event_shape) * 2))

    @lazy_property
    def covariance_matrix(self):
        """Σ = L Lᵀ (batch-expanded)."""
        L = self._unbroadcasted_scale_tril
        return (L @ L.transpose(-1, -2)).expand(*(tuple(self._batch_shape) + tuple(self._event_shape) * 2))

    @lazy_property
    def precision_matrix(self):
        """Σ⁻¹ (batch-expanded)."""
        return linalg.inv(self.covariance_matrix)

    @property
    def mean(self):
        """``loc``."""
        return self.loc

    @property
    def mode(self):
        """``loc``."""
        return self.loc

    @property
    def variance(self):
        """The diagonal of Σ: the squared row norms of L."""
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(*(tuple(self._batch_shape)
                                                                      + tuple(self._event_shape)))

    def rsample(self, sample_shape=_EMPTY_SHAPE):
        """``loc + L @ eps``, eps standard normal of shape ``sample_shape + batch_shape + (k,)``."""
        shape = self._extended_shape(sample_shape)
        eps = randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value):
        """``-(k log(2 pi) + mahalanobis²) / 2 - log det L``."""
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        m = _batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + m) - half_log_det

    def entropy(self):
        """``k (1 + log(2 pi)) / 2 + log det L``."""
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        h = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + half_log_det
        return h if len(self._batch_shape) == 0 else h.expand(*tuple(self._batch_shape))

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        batch_shape = tuple(Size(batch_shape))
        k = self._event_shape[0]
        return MultivariateNormal(self.loc.expand(*(batch_shape + (k,))),
                                  scale_tril=self._unbroadcasted_scale_tril.expand(*(batch_shape + (k, k))),
                                  validate_args=False)
