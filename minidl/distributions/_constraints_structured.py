"""The structured constraints of ``torch.distributions.constraints``: ``corr_cholesky`` (Cholesky factors of
correlation matrices) and ``cat``/``stack`` (different constraints on slices of one tensor).
"""
from __future__ import annotations

from ..tensor import Tensor, as_tensor
from ..type_info import finfo
from .constraints import Constraint, lower_cholesky

__all__ = ["_CorrCholesky", "_Cat", "_Stack"]


def _t(value):
    return value if isinstance(value, Tensor) else as_tensor(value)


class _CorrCholesky(Constraint):
    """Lower-triangular matrices with a positive diagonal and rows of unit Euclidean norm."""

    event_dim = 2

    def check(self, value):
        """True per (..., n, n) matrix that is the Cholesky factor of a correlation matrix."""
        value = _t(value)
        tol = finfo(value.dtype).eps * value.shape[-1] * 10
        row_norm = (value.detach() ** 2).sum(-1).sqrt()
        unit_row_norm = ((row_norm - 1.0).abs() <= tol).all(-1)
        return lower_cholesky.check(value) & unit_row_norm


class _Cat(Constraint):
    """``cseq[i]`` on the ``lengths[i]``-long slice along ``dim`` (as ``torch.cat`` joins them)."""

    def __init__(self, cseq, dim=0, lengths=None):
        if not all(isinstance(c, Constraint) for c in cseq):
            raise TypeError("constraints.cat: every entry of cseq must be a Constraint")
        self.cseq = list(cseq)
        self.lengths = [1] * len(self.cseq) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.cseq):
            raise ValueError(f"constraints.cat: {len(self.lengths)} lengths for {len(self.cseq)} constraints")
        self.dim = dim

    @property
    def is_discrete(self):
        """True when any part is discrete."""
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self):
        """The largest event_dim of the parts."""
        return max(c.event_dim for c in self.cseq)

    def check(self, value):
        """The parts' checks, concatenated along ``dim``."""
        from ..functions import cat
        value = _t(value)
        _check_dim(self.dim, value)
        checks, start = [], 0
        for constraint, length in zip(self.cseq, self.lengths):
            checks.append(constraint.check(value.narrow(self.dim, start, length)))
            start += length
        return cat(checks, self.dim)

class _Stack(Constraint):
    """``cseq[i]`` on the ``i``-th slice along ``dim`` (as ``torch.stack`` joins them)."""

    def __init__(self, cseq, dim=0):
        if not all(isinstance(c, Constraint) for c in cseq):
            raise TypeError("constraints.stack: every entry of cseq must be a Constraint")
        self.cseq = list(cseq)
        self.dim = dim

    @property
    def is_discrete(self):
        """True when any part is discrete."""
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self):
        """One more than the largest event_dim of the parts when ``dim`` is inside the event."""
        dim = max(c.event_dim for c in self.cseq)
        if self.dim + dim < 0:
            dim += 1
        return dim

    def check(self, value):
        """The parts' checks, stacked along ``dim``."""
        from ..functions import stack
        value = _t(value)
        _check_dim(self.dim, value)
        slices = [value.select(self.dim, i) for i in range(value.shape[self.dim])]
        return stack([c.check(v) for v, c in zip(slices, self.cseq)], self.dim)


def _check_dim(dim, value):
    if not -value.dim() <= dim < value.dim():
        raise IndexError(f"constraint dim {dim} is out of range for a value of shape {tuple(value.shape)}")
