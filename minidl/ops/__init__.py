"""Differentiable operations, grouped by kind; each is a Function on raw arrays."""
from . import activation, conv, dropout, loss, math, norm, pool, reduction, shape  # noqa: F401
