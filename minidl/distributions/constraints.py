"""``minidl.distributions.constraints``: the sets a distribution's parameters and samples must lie in.

Each constraint's ``check(value)`` returns a bool Tensor (one entry per
event for constraints on vectors and matrices), as PyTorch's.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor, as_tensor

__all__ = ["Constraint", "is_dependent", "boolean", "dependent", "dependent_property", "greater_than",
           "greater_than_eq",
           "half_open_interval", "integer_interval", "interval", "less_than", "lower_cholesky",
           "nonnegative_integer", "positive", "positive_definite", "real", "real_vector", "simplex",
           "unit_interval", "nonnegative", "independent"]


def _t(value):
    return value if isinstance(value, Tensor) else as_tensor(value)


class Constraint:
    """A region of values: ``check(value)`` is a bool Tensor, True where ``value`` satisfies it.

    ``is_discrete`` and ``event_dim`` (how many rightmost dimensions make one
    checked event) as PyTorch's.
    """

    is_discrete = False
    event_dim = 0

    def check(self, value):
        """A bool Tensor: True where ``value`` satisfies the constraint."""
        raise NotImplementedError

    def __repr__(self):
        return self.__class__.__name__[1:] + "()"


class _Dependent(Constraint):
    """Placeholder for a support that depends on other parameters (cannot be checked alone)."""

    def __init__(self, *, is_discrete=False, event_dim=0):
        self.is_discrete, self.event_dim = is_discrete, event_dim

    def check(self, value):
        """Raises ValueError: a dependent constraint has no fixed region."""
        raise ValueError("Cannot determine validity of dependent constraint")


class _DependentProperty(property, _Dependent):
    """``@constraints.dependent_property``: a support computed from a distribution's parameters."""

    def __init__(self, fn=None, *, is_discrete=False, event_dim=0):
        property.__init__(self, fn)
        _Dependent.__init__(self, is_discrete=is_discrete, event_dim=event_dim)

    def __call__(self, fn):
        return _DependentProperty(fn, is_discrete=self.is_discrete, event_dim=self.event_dim)


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value):
        value = _t(value)
        return (value == 0) | (value == 1)


class _Real(Constraint):
    def check(self, value):
        value = _t(value)
        return value == value  # False only for NaN


class _GreaterThan(Constraint):
    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return self.lower_bound < _t(value)

    def __repr__(self):
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _GreaterThanEq(_GreaterThan):
    def check(self, value):
        return self.lower_bound <= _t(value)

    def __repr__(self):
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


class _LessThan(Constraint):
    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        return _t(value) < self.upper_bound

    def __repr__(self):
        return f"LessThan(upper_bound={self.upper_bound})"


class _Interval(Constraint):
    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        value = _t(value)
        return (self.lower_bound <= value) & (value <= self.upper_bound)

    def __repr__(self):
        return f"Interval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _HalfOpenInterval(_Interval):
    def check(self, value):
        value = _t(value)
        return (self.lower_bound <= value) & (value < self.upper_bound)

    def __repr__(self):
        return f"HalfOpenInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerInterval(_Interval):
    is_discrete = True

    def check(self, value):
        value = _t(value)
        return (value % 1 == 0) & (self.lower_bound <= value) & (value <= self.upper_bound)

    def __repr__(self):
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerGreaterThan(_GreaterThan):
    is_discrete = True

    def check(self, value):
        value = _t(value)
        return (value % 1 == 0) & (value >= self.lower_bound)

    def __repr__(self):
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


class _IndependentConstraint(Constraint):
    """``base_constraint`` holding on every element of the ``reinterpreted_batch_ndims`` rightmost dimensions."""

    def __init__(self, base_constraint, reinterpreted_batch_ndims):
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = int(reinterpreted_batch_ndims)
        self.event_dim = base_constraint.event_dim + self.reinterpreted_batch_ndims
        self.is_discrete = base_constraint.is_discrete

    def check(self, value):
        result = self.base_constraint.check(value)
        for _ in range(self.reinterpreted_batch_ndims):
            result = result.all(-1)
        return result

    def __repr__(self):
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


class _Simplex(Constraint):
    event_dim = 1

    def check(self, value):
        value = _t(value)
        return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < 1e-6)


class _LowerCholesky(Constraint):
    event_dim = 2

    def check(self, value):
        value = _t(value)
        lower = (value.tril() == value).flatten(-2).all(-1)
        positive_diagonal = (value.diagonal(dim1=-2, dim2=-1) > 0).all(-1)
        return lower & positive_diagonal


class _PositiveDefinite(Constraint):
    event_dim = 2

    def check(self, value):
        value = _t(value)
        data = value.numpy()
        symmetric = np.all(np.isclose(data, np.swapaxes(data, -1, -2), atol=1e-6), axis=(-2, -1))
        with np.errstate(invalid="ignore"):
            eig_ok = np.linalg.eigvalsh(data).min(-1) > 0 if data.size else np.ones(data.shape[:-2], bool)
        return Tensor(np.asarray(symmetric & eig_ok))


dependent = _Dependent()
dependent_property = _DependentProperty
boolean = _Boolean()
real = _Real()
real_vector = _IndependentConstraint(real, 1)
independent = _IndependentConstraint
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
half_open_interval = _HalfOpenInterval
integer_interval = _IntegerInterval
nonnegative_integer = _IntegerGreaterThan(0)
simplex = _Simplex()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()


def is_dependent(constraint):
    """True for :data:`dependent` and dependent properties (supports that cannot be checked alone)."""
    return isinstance(constraint, _Dependent)


class _Multinomial(Constraint):
    """Non-negative counts summing to at most ``upper_bound`` (PyTorch's check, weaker than ``== upper_bound``)."""

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        value = _t(value)
        return (value >= 0).all(-1) & (value.sum(-1) <= self.upper_bound)


multinomial = _Multinomial
positive_integer = _IntegerGreaterThan(1)
__all__ += ["multinomial", "positive_integer"]


class MixtureSameFamilyConstraint(Constraint):
    """The support of a MixtureSameFamily: ``base_constraint`` (the components') checked for every component.

    ``check(value)`` broadcasts ``value`` against the component dimension and
    requires the base constraint for all components, one bool per batch entry.
    """

    def __init__(self, base_constraint):
        self.base_constraint = base_constraint

    @property
    def is_discrete(self):
        """The base constraint's."""
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):
        """The base constraint's."""
        return self.base_constraint.event_dim

    def check(self, value):
        """True where ``value`` satisfies the base constraint (for every component)."""
        value = _t(value)
        if value.dim() < self.event_dim:
            raise ValueError(f"Expected value to have at least {self.event_dim} dimensions, but got {value.dim()}")
        result = self.base_constraint.check(value.unsqueeze(-1 - self.event_dim))
        keep = value.dim() - self.event_dim
        return result.reshape(*(tuple(result.shape[:keep]) + (-1,))).all(-1)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.base_constraint!r})"


__all__ += ["MixtureSameFamilyConstraint"]


class _LowerTriangular(Constraint):
    event_dim = 2

    def check(self, value):
        value = _t(value)
        return (value.tril() == value).flatten(-2).all(-1)


class _Square(Constraint):
    event_dim = 2

    def check(self, value):
        value = _t(value)
        return Tensor(np.full(tuple(value.shape[:-2]), value.shape[-2] == value.shape[-1], dtype=bool))


class _Symmetric(_Square):
    def check(self, value):
        value = _t(value)
        square = super().check(value)
        if not bool(square.all()):
            return square
        data = value.numpy()
        return Tensor(np.asarray(np.isclose(data, np.swapaxes(data, -1, -2), atol=1e-6).all(-2).all(-1)))


class _PositiveSemidefinite(_Symmetric):
    def check(self, value):
        value = _t(value)
        symmetric = super().check(value)
        if not bool(symmetric.all()):
            return symmetric
        return Tensor(np.asarray(np.linalg.eigvalsh(value.numpy()).min(-1) >= 0))


class _OneHotVector(Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, value):
        value = _t(value)
        return ((value == 0) | (value == 1)).all(-1) & (value.sum(-1) == 1)

    def __repr__(self):
        return "OneHot()"


lower_triangular = _LowerTriangular()
square = _Square()
symmetric = _Symmetric()
positive_semidefinite = _PositiveSemidefinite()
one_hot = _OneHotVector()
__all__ += ["lower_triangular", "square", "symmetric", "positive_semidefinite", "one_hot"]

# the structured constraints live in their own module, which subclasses Constraint from here
from ._constraints_structured import _Cat, _CorrCholesky, _Stack  # noqa: E402

corr_cholesky = _CorrCholesky()
cat = _Cat
stack = _Stack
__all__ += ["corr_cholesky", "cat", "stack"]
