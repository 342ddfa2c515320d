"""``minidl.distributions.Wishart``: the Wishart distribution over positive-definite matrices, as
``torch.distributions.wishart`` (sampled by the Bartlett decomposition; reparameterised through the
chi-square draws' implicit gradient).
"""
from __future__ import annotations

import math
import numbers
import warnings

from .. import functions as _f
from .. import linalg
from ..creation import arange, eye, full_like, randn, zeros_like
from ..functions_math import digamma, mvlgamma
from ..functions_more import cholesky_solve
from ..functions_shape import broadcast_shapes
from ..size import Size
from ..tensor import as_tensor
from ..type_info import finfo
from . import constraints
from .distribution import _EMPTY_SHAPE, lazy_property
from .exp_family import ExponentialFamily
from .gamma import Chi2

__all__ = ["Wishart"]

_LOG_2 = math.log(2)


def _mvdigamma(x, p):
    """The multivariate digamma: sum over i < p of digamma(x - i / 2)."""
    halves = arange(p, dtype=x.dtype, device=x.device) / 2
    return digamma(x.unsqueeze(-1) - halves).sum(-1)


def _replace(sample, mask, fresh):
    """``sample`` with the entries where the (sample_shape) ``mask`` is True taken, in order, from ``fresh``
    (recorded, so gradients reach whichever draw was kept)."""
    import numpy as np

    from ..backend import to_numpy
    flat_mask = np.asarray(to_numpy(mask.array), dtype=bool).reshape(-1)
    lead = int(np.prod(mask.shape, dtype=np.int64))
    rows = sample.reshape(lead, *sample.shape[mask.dim():]).unbind(0)
    pieces = iter(fresh.unbind(0))
    return _f.stack([next(pieces) if m else row for row, m in zip(rows, flat_mask)], 0).reshape(*sample.shape)


def _flag_again(mask, fresh_bad):
    """PyTorch's ``is_singular[is_singular.clone()] = is_singular_new``: the flagged entries take the new flags."""
    import numpy as np

    from ..backend import to_numpy
    from ..tensor import Tensor
    flags = np.array(to_numpy(mask.array), dtype=bool).reshape(-1)
    flags[flags] = np.asarray(to_numpy(fresh_bad.array), dtype=bool).reshape(-1)
    return Tensor(flags.reshape(tuple(mask.shape)))


def _not_positive_definite(sample):
    """True per (p, p) matrix of the symmetric ``sample`` that is numerically singular: its smallest eigenvalue
    at most ``p * eps`` times its largest (works on either device, without the host round trip of
    ``constraints.positive_definite``)."""
    from ..autograd import no_grad
    with no_grad():
        eigenvalues = linalg.eigvalsh(sample.detach())
        tolerance = sample.shape[-1] * finfo(sample.dtype).eps * eigenvalues.amax(-1).abs()
        return ~(eigenvalues.amin(-1) > tolerance)


class Wishart(ExponentialFamily):
    """The Wishart distribution W(``df``, Σ) over (p, p) positive-definite matrices, Σ given by exactly one
    of ``covariance_matrix``, ``precision_matrix`` or ``scale_tril`` (its lower Cholesky factor), ``df``
    greater than p - 1. Batch shape is the broadcast of ``df``'s shape and the matrix batch dimensions.

    >>> import minidl as mdl
    >>> from minidl.distributions import Wishart
    >>> d = Wishart(mdl.tensor(4.0), covariance_matrix=mdl.eye(2))
    >>> d.mean.tolist(), round(d.log_prob(mdl.eye(2)).item(), 4)
    ([[4.0, 0.0], [0.0, 4.0]], -4.2242)
    """

    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def arg_constraints(self):
        """The matrices' constraints and ``df > p - 1``."""
        return {"covariance_matrix": constraints.positive_definite,
                "precision_matrix": constraints.positive_definite,
                "scale_tril": constraints.lower_cholesky,
                "df": constraints.greater_than(self.event_shape[-1] - 1)}

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        if (covariance_matrix is not None) + (scale_tril is not None) + (precision_matrix is not None) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        param = next(p for p in (covariance_matrix, precision_matrix, scale_tril) if p is not None)
        if param.dim() < 2:
            raise ValueError("scale_tril must be at least two-dimensional, with optional leading batch dimensions")
        if isinstance(df, numbers.Number):
            batch_shape = Size(tuple(param.shape[:-2]))
            self.df = as_tensor(df, dtype=param.dtype, device=param.device)
        else:
            batch_shape = Size(broadcast_shapes(tuple(param.shape[:-2]), tuple(df.shape)))
            self.df = df.expand(*batch_shape)
        event_shape = Size(tuple(param.shape[-2:]))
        p = event_shape[-1]
        if bool((self.df <= p - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {p - 1}.")
        expanded = param.expand(*(tuple(batch_shape) + (-1, -1)))
        if scale_tril is not None:
            self.scale_tril = expanded
        elif covariance_matrix is not None:
            self.covariance_matrix = expanded
        else:
            self.precision_matrix = expanded
        if bool((self.df < p).any()):
            warnings.warn("Low df values detected. Singular samples are highly likely to occur for ndim - 1 < df "
                          "< ndim.", stacklevel=2)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        self._batch_dims = [-(x + 1) for x in range(len(self._batch_shape))]
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = linalg.cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = linalg.cholesky(linalg.inv(precision_matrix))
        self._dist_chi2 = self._make_chi2(self.df, batch_shape)

    def _make_chi2(self, df, batch_shape):
        """Chi2(df - i) for the squared diagonal of the Bartlett factor, i = 0..p-1."""
        p = self._event_shape[-1]
        steps = arange(p, dtype=self._unbroadcasted_scale_tril.dtype, device=self._unbroadcasted_scale_tril.device)
        return Chi2(df=df.unsqueeze(-1) - steps.expand(*(tuple(batch_shape) + (-1,))))

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self._get_checked_instance(Wishart, _instance)
        batch_shape = Size(batch_shape)
        cov_shape = tuple(batch_shape) + tuple(self.event_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril.expand(*cov_shape)
        new.df = self.df.expand(*batch_shape)
        new._batch_dims = [-(x + 1) for x in range(len(batch_shape))]
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(*cov_shape))
        ExponentialFamily.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._dist_chi2 = new._make_chi2(new.df, batch_shape)
        new._validate_args = self._validate_args
        return new

    @lazy_property
    def scale_tril(self):
        """The lower Cholesky factor of Σ (batch-expanded)."""
        return self._unbroadcasted_scale_tril.expand(*(tuple(self._batch_shape) + tuple(self._event_shape)))

    @lazy_property
    def covariance_matrix(self):
        """Σ = L Lᵀ (batch-expanded)."""
        L = self._unbroadcasted_scale_tril
        return (L @ L.mT).expand(*(tuple(self._batch_shape) + tuple(self._event_shape)))

    @lazy_property
    def precision_matrix(self):
        """Σ⁻¹ (batch-expanded)."""
        L = self._unbroadcasted_scale_tril
        identity = eye(self._event_shape[-1], dtype=L.dtype, device=L.device)
        return cholesky_solve(identity, L).expand(*(tuple(self._batch_shape) + tuple(self._event_shape)))

    def _df_matrix(self, values):
        return values.view(*(tuple(self._batch_shape) + (1, 1)))

    @property
    def mean(self):
        """``df Σ``."""
        return self._df_matrix(self.df) * self.covariance_matrix

    @property
    def mode(self):
        """``(df - p - 1) Σ``, nan where df <= p + 1."""
        factor = self.df - self.covariance_matrix.shape[-1] - 1
        factor = _f.where(factor <= 0, full_like(factor, math.nan), factor)
        return self._df_matrix(factor) * self.covariance_matrix

    @property
    def variance(self):
        """``df (Σ_ij² + Σ_ii Σ_jj)``."""
        V = self.covariance_matrix
        diag = V.diagonal(dim1=-2, dim2=-1)
        return self._df_matrix(self.df) * (V.pow(2) + diag.unsqueeze(-1) * diag.unsqueeze(-2))

    def _bartlett_sampling(self, sample_shape):
        """``(L A)(L A)ᵀ`` with A lower triangular: sqrt(chi2(df - i)) on the diagonal, N(0, 1) below (drawn as
        PyTorch draws them: the chi2s, then p (p - 1) / 2 normals per matrix in ``tril_indices`` order)."""
        from ..functions_stats import tril_indices
        p = self._event_shape[-1]
        tiny = finfo(self._unbroadcasted_scale_tril.dtype).eps
        noise = self._dist_chi2.rsample(sample_shape).sqrt().clamp(min=tiny).diag_embed()
        i, j = tril_indices(p, p, offset=-1)
        below = randn(tuple(Size(sample_shape)) + tuple(self._batch_shape) + (p * (p - 1) // 2,),
                      dtype=noise.dtype, device=noise.device)
        strict = zeros_like(noise)
        strict[..., i, j] = below
        chol = self._unbroadcasted_scale_tril @ (noise + strict)
        return chol @ chol.mT

    def rsample(self, sample_shape=_EMPTY_SHAPE, max_try_correction=None):
        """Samples of shape sample_shape + batch_shape + (p, p), differentiable in ``df`` and Σ.

        As PyTorch 2.13's: its "singular sample" check is inverted (it flags the samples that *are* in the
        support), so valid samples are drawn a second time, with its "Singular sample detected." warning; kept
        so that seeded samples agree with PyTorch's (a redraw is again a Wishart sample)."""
        max_try_correction = 10 if max_try_correction is None else max_try_correction
        sample_shape = Size(sample_shape)
        sample = self._bartlett_sampling(sample_shape)
        flagged = self.support.check(sample)
        if self._batch_shape:
            flagged = flagged.amax(self._batch_dims)
        if bool(flagged.any()):
            warnings.warn("Singular sample detected.", stacklevel=2)
            for _ in range(max_try_correction):
                fresh = self._bartlett_sampling(Size((int(flagged.sum()),)))
                sample = _replace(sample, flagged, fresh)
                fresh_bad = ~self.support.check(fresh)
                if self._batch_shape:
                    fresh_bad = fresh_bad.amax(tuple(range(1, 1 + len(self._batch_shape))))
                flagged = _flag_again(flagged, fresh_bad)
                if not bool(flagged.any()):
                    break
        return sample

    def log_prob(self, value):
        """``-df (p log 2 / 2 + log det L) - log Γ_p(df / 2) + (df - p - 1) / 2 log det X - tr(Σ⁻¹ X) / 2``."""
        if self._validate_args:
            self._validate_sample(value)
        nu, p = self.df, self._event_shape[-1]
        L = self._unbroadcasted_scale_tril
        log_det_l = L.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        trace = cholesky_solve(value, L).diagonal(dim1=-2, dim2=-1).sum(-1)
        return (-nu * (p * _LOG_2 / 2 + log_det_l) - mvlgamma(nu / 2, p=p)
                + (nu - p - 1) / 2 * linalg.slogdet(value).logabsdet - trace / 2)

    def entropy(self):
        """``(p + 1)(p log 2 / 2 + log det L) + log Γ_p(df / 2) - (df - p - 1) / 2 ψ_p(df / 2) + df p / 2``."""
        nu, p = self.df, self._event_shape[-1]
        log_det_l = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return ((p + 1) * (p * _LOG_2 / 2 + log_det_l) + mvlgamma(nu / 2, p=p)
                - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p=p) + nu * p / 2)

    @property
    def _natural_params(self):
        return -self.precision_matrix / 2, (self.df - self._event_shape[-1] - 1) / 2

    def _log_normalizer(self, x, y):
        p = self._event_shape[-1]
        return ((y + (p + 1) / 2) * (-linalg.slogdet(-2 * x).logabsdet + _LOG_2 * p)
                + mvlgamma(y + (p + 1) / 2, p=p))


