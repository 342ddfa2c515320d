"""``minidl.distributions.LKJCholesky``: the LKJ distribution over Cholesky factors of correlation matrices,
as ``torch.distributions.lkj_cholesky`` (sampled by the onion method of Lewandowski, Kurowicka and Joe, 2009).
"""
from __future__ import annotations

import math

from .. import functions as _f
from ..creation import arange, randn
from ..functions_math import lgamma, mvlgamma
from ..size import Size
from ..type_info import finfo
from . import constraints
from .beta_dirichlet import Beta
from .distribution import _EMPTY_SHAPE, Distribution, broadcast_all

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """The LKJ distribution of the lower Cholesky factor ``L`` (dim, dim) of a correlation matrix ``L Lᵀ``,
    with density proportional to ``det(L Lᵀ) ** (concentration - 1)`` over correlation matrices
    (``concentration`` 1 is uniform over them). Batch shape is ``concentration``'s, event shape
    (dim, dim); ``sample`` only (no reparameterised sampler, as PyTorch's).

    >>> import minidl as mdl
    >>> from minidl.distributions import LKJCholesky
    >>> d = LKJCholesky(2, 1.0)
    >>> d.event_shape, round(d.log_prob(mdl.eye(2)).item(), 4)
    (minidl.Size([2, 2]), -0.6931)
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim, concentration=1.0, validate_args=None):
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        self._beta = self._make_beta(self.concentration)
        super().__init__(self.concentration.size(), Size((dim, dim)), validate_args=validate_args)

    def _make_beta(self, concentration):
        """Beta(i / 2 (i >= 1; 1/2 for the first row), eta + (dim - 2 - i) / 2) for the squared norms of the
        off-diagonal part of row i + 1."""
        marginal = concentration + 0.5 * (self.dim - 2)
        offset = arange(self.dim - 1, dtype=concentration.dtype, device=concentration.device)
        offset = _f.cat([offset.new_zeros((1,)), offset])
        return Beta(offset + 0.5, marginal.unsqueeze(-1) - 0.5 * offset)

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over ``batch_shape``."""
        new = self._get_checked_instance(LKJCholesky, _instance)
        batch_shape = Size(batch_shape)
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        new._beta = self._beta.expand(tuple(batch_shape) + (self.dim,))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=_EMPTY_SHAPE):
        """Cholesky factors (sample_shape + batch_shape + (dim, dim)): row i is a direction uniform on the
        sphere in its first i coordinates, scaled by the square root of a Beta draw, completed by the diagonal
        entry that makes the row unit-norm."""
        from ..autograd import no_grad
        with no_grad():
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            normal = randn(self._extended_shape(sample_shape), dtype=y.dtype, device=y.device).tril(-1)
            norms = normal.norm(dim=-1, keepdim=True)
            # the first row has no off-diagonal entries: its direction is 0 (not 0 / 0)
            direction = normal / _f.where(norms == 0, norms.new_ones(()), norms)
            w = y.sqrt() * direction
            diagonal = (1 - (w ** 2).sum(-1)).clamp(min=finfo(w.dtype).tiny).sqrt()
            return w + diagonal.diag_embed()

    def log_prob(self, value):
        """``sum_i (2 (eta - 1) + dim - i) log L_ii`` (i = 2..dim) minus the log normaliser."""
        if self._validate_args:
            self._validate_sample(value)
        diagonal = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = arange(2, self.dim + 1, dtype=self.concentration.dtype, device=self.concentration.device)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalised = (order * diagonal.log()).sum(-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        normaliser = 0.5 * dm1 * math.log(math.pi) + mvlgamma(alpha - 0.5, dm1) - lgamma(alpha) * dm1
        return unnormalised - normaliser
