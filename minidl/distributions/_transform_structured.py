"""The transforms of ``torch.distributions.transforms`` that act on slices or on matrices as a whole:
:class:`CatTransform` and :class:`StackTransform` (a different transform per slice along ``dim``),
:class:`CorrCholeskyTransform` (unconstrained vectors to Cholesky factors of correlation matrices) and
:class:`PositiveDefiniteTransform` (unconstrained square matrices to positive-definite ones).
"""
from __future__ import annotations

import math

from .. import functions as _f
from ..creation import eye
from ..size import Size
from . import constraints
from ._transform_base import Transform
from ._transform_kinds import LowerCholeskyTransform
from .independent import _sum_rightmost
from .utils import tril_matrix_to_vec, vec_to_tril_matrix

__all__ = ["CatTransform", "StackTransform", "CorrCholeskyTransform", "PositiveDefiniteTransform"]


def _check_transforms(tseq, name):
    tseq = list(tseq)
    for t in tseq:
        if not isinstance(t, Transform):
            raise TypeError(f"{name}: every entry of tseq must be a Transform, got {type(t).__name__}")
    return tseq


def _check_dim(dim, value, name):
    if not -value.dim() <= dim < value.dim():
        raise IndexError(f"{name}: dim {dim} is out of range for a value of shape {tuple(value.shape)}")


class CatTransform(Transform):
    """Applies ``tseq[i]`` to the ``lengths[i]``-long slice ``i`` of the input along ``dim`` and concatenates
    the results (as ``torch.cat``).

    >>> import minidl as mdl
    >>> from minidl.distributions.transforms import CatTransform, ExpTransform, identity_transform
    >>> t = CatTransform([ExpTransform(), identity_transform], dim=0, lengths=[1, 2])
    >>> [round(v, 4) for v in t(mdl.tensor([0.0, 1.0, 2.0])).tolist()]
    [1.0, 1.0, 2.0]
    """

    def __init__(self, tseq, dim=0, lengths=None, cache_size=0):
        tseq = _check_transforms(tseq, "CatTransform")
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = tseq
        self.lengths = [1] * len(tseq) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.transforms):
            raise ValueError(f"CatTransform: {len(self.lengths)} lengths for {len(self.transforms)} transforms")
        self.dim = dim

    @property
    def event_dim(self):
        """The largest event_dim of the parts."""
        return max(t.event_dim for t in self.transforms)

    @property
    def length(self):
        """The total size along ``dim``."""
        return sum(self.lengths)

    def with_cache(self, cache_size=1):
        """This transform with ``cache_size``."""
        if self._cache_size == cache_size:
            return self
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size)

    def _check(self, value):
        _check_dim(self.dim, value, "CatTransform")
        if value.shape[self.dim] != self.length:
            raise ValueError(f"CatTransform: expected size {self.length} along dim {self.dim}, "
                             f"got shape {tuple(value.shape)}")

    def _apply(self, value, method):
        self._check(value)
        parts, start = [], 0
        for trans, length in zip(self.transforms, self.lengths):
            parts.append(method(trans)(value.narrow(self.dim, start, length)))
            start += length
        return _f.cat(parts, dim=self.dim)

    def _call(self, x):
        return self._apply(x, lambda t: t)

    def _inverse(self, y):
        return self._apply(y, lambda t: t.inv)

    def log_abs_det_jacobian(self, x, y):
        """The parts' log-Jacobians, concatenated along ``dim`` when it is a batch dimension, else summed."""
        self._check(x)
        self._check(y)
        logdets, start = [], 0
        for trans, length in zip(self.transforms, self.lengths):
            logdet = trans.log_abs_det_jacobian(x.narrow(self.dim, start, length), y.narrow(self.dim, start, length))
            if trans.event_dim < self.event_dim:
                logdet = _sum_rightmost(logdet, self.event_dim - trans.event_dim)
            logdets.append(logdet)
            start += length
        dim = self.dim - x.dim() if self.dim >= 0 else self.dim
        dim += self.event_dim
        if dim < 0:
            return _f.cat(logdets, dim=dim)
        return sum(logdets)

    @property
    def bijective(self):
        """True when every part is bijective."""
        return all(t.bijective for t in self.transforms)

    @constraints.dependent_property
    def domain(self):
        """``constraints.cat`` of the parts' domains."""
        return constraints.cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @constraints.dependent_property
    def codomain(self):
        """``constraints.cat`` of the parts' codomains."""
        return constraints.cat([t.codomain for t in self.transforms], self.dim, self.lengths)


class StackTransform(Transform):
    """Applies ``tseq[i]`` to slice ``i`` of the input along ``dim`` and stacks the results (as
    ``torch.stack``).

    >>> import minidl as mdl
    >>> from minidl.distributions.transforms import StackTransform, ExpTransform, identity_transform
    >>> t = StackTransform([ExpTransform(), identity_transform], dim=1)
    >>> [[round(v, 4) for v in row] for row in t(mdl.tensor([[0.0, 3.0]])).tolist()]
    [[1.0, 3.0]]
    """

    def __init__(self, tseq, dim=0, cache_size=0):
        tseq = _check_transforms(tseq, "StackTransform")
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = tseq
        self.dim = dim

    def with_cache(self, cache_size=1):
        """This transform with ``cache_size``."""
        if self._cache_size == cache_size:
            return self
        return StackTransform(self.transforms, self.dim, cache_size)

    def _slices(self, value):
        _check_dim(self.dim, value, "StackTransform")
        if value.shape[self.dim] != len(self.transforms):
            raise ValueError(f"StackTransform: expected size {len(self.transforms)} along dim {self.dim}, "
                             f"got shape {tuple(value.shape)}")
        return [value.select(self.dim, i) for i in range(value.shape[self.dim])]

    def _call(self, x):
        return _f.stack([t(v) for v, t in zip(self._slices(x), self.transforms)], dim=self.dim)

    def _inverse(self, y):
        return _f.stack([t.inv(v) for v, t in zip(self._slices(y), self.transforms)], dim=self.dim)

    def log_abs_det_jacobian(self, x, y):
        """The parts' log-Jacobians, stacked along ``dim``."""
        parts = [t.log_abs_det_jacobian(xs, ys) for xs, ys, t in zip(self._slices(x), self._slices(y),
                                                                     self.transforms)]
        return _f.stack(parts, dim=self.dim)

    @property
    def bijective(self):
        """True when every part is bijective."""
        return all(t.bijective for t in self.transforms)

    @constraints.dependent_property
    def domain(self):
        """``constraints.stack`` of the parts' domains."""
        return constraints.stack([t.domain for t in self.transforms], self.dim)

    @constraints.dependent_property
    def codomain(self):
        """``constraints.stack`` of the parts' codomains."""
        return constraints.stack([t.codomain for t in self.transforms], self.dim)


def _pad_left_one(value):
    """``value`` (..., k) with a column of ones put in front: (..., k + 1)."""
    ones = value.new_ones(tuple(value.shape[:-1]) + (1,))
    return _f.cat([ones, value], dim=-1)


class CorrCholeskyTransform(Transform):
    """Unconstrained vectors (..., D * (D - 1) / 2) to Cholesky factors (..., D, D) of correlation matrices
    (lower triangular, positive diagonal, unit-norm rows): tanh of the entries into (-1, 1), then the
    stick-breaking construction row by row (as Stan and PyTorch).

    >>> import minidl as mdl
    >>> from minidl.distributions.transforms import CorrCholeskyTransform
    >>> L = CorrCholeskyTransform()(mdl.tensor([0.5]))
    >>> [[round(v, 4) for v in row] for row in L.tolist()]
    [[1.0, 0.0], [0.4621, 0.8868]]
    """

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    bijective = True

    def __eq__(self, other):
        return isinstance(other, CorrCholeskyTransform)

    __hash__ = Transform.__hash__

    def _call(self, x):
        from ..type_info import finfo
        eps = finfo(x.dtype).eps
        r = vec_to_tril_matrix(x.tanh().clamp(min=-1 + eps, max=1 - eps), diag=-1)
        # y_ij = r_ij * prod_{k<j} sqrt(1 - r_ik^2), and 1 on the diagonal times the same product
        remaining = (1 - r * r).sqrt().cumprod(-1)
        r = r + eye(r.shape[-1], dtype=r.dtype, device=r.device)
        return r * _pad_left_one(remaining[..., :-1])

    def _inverse(self, y):
        remaining = _pad_left_one((1 - (y * y).cumsum(-1))[..., :-1])
        t = tril_matrix_to_vec(y, diag=-1) / tril_matrix_to_vec(remaining, diag=-1).sqrt()
        return (t.log1p() - (-t).log1p()) / 2

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        """log |det| of the map from ``x`` to the strict lower triangle of ``y`` (the two spaces have the same
        dimension D * (D - 1) / 2)."""
        from ..nn.functional import softplus
        remaining = 1 - (y * y).cumsum(-1)
        # diag=-2 picks the row's remaining mass before each strictly-lower entry, without shifting
        stick_breaking_logdet = 0.5 * tril_matrix_to_vec(remaining, diag=-2).log().sum(-1)
        tanh_logdet = -2 * (x + softplus(-2 * x) - math.log(2.0)).sum(-1)
        return stick_breaking_logdet + tanh_logdet

    def forward_shape(self, shape):
        """(..., N) to (..., D, D) with N = D * (D - 1) / 2."""
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        n = shape[-1]
        d = round((0.25 + 2 * n) ** 0.5 + 0.5)
        if d * (d - 1) // 2 != n:
            raise ValueError("Input is not a flattend lower-diagonal number")
        return Size(tuple(shape[:-1]) + (d, d))

    def inverse_shape(self, shape):
        """(..., D, D) to (..., D * (D - 1) / 2)."""
        if len(shape) < 2:
            raise ValueError("Too few dimensions on input")
        if shape[-2] != shape[-1]:
            raise ValueError("Input is not square")
        d = shape[-1]
        return Size(tuple(shape[:-2]) + (d * (d - 1) // 2,))


class PositiveDefiniteTransform(Transform):
    """Unconstrained square matrices to positive-definite ones: ``L @ L.mT`` with ``L`` from
    :class:`LowerCholeskyTransform` (not bijective, as PyTorch's; the inverse goes through the Cholesky
    factor).

    >>> import minidl as mdl
    >>> from minidl.distributions.transforms import PositiveDefiniteTransform
    >>> PositiveDefiniteTransform()(mdl.zeros(2, 2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def __eq__(self, other):
        return isinstance(other, PositiveDefiniteTransform)

    __hash__ = Transform.__hash__

    def _call(self, x):
        lower = LowerCholeskyTransform()(x)
        return lower @ lower.mT

    def _inverse(self, y):
        from ..linalg import cholesky
        return LowerCholeskyTransform().inv(cholesky(y))
