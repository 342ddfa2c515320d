"""``once_differentiable``: PyTorch's decorator for a custom Function's non-differentiable ``backward``."""
from __future__ import annotations

import functools

from .grad_mode import no_grad

__all__ = ["once_differentiable"]


def once_differentiable(backward):
    """Decorator for a ``backward`` that is not written in differentiable Tensor ops (NumPy inside, say).

    It runs without recording; a second derivative through the function then
    raises an error naming it instead of coming out silently wrong.
    """
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            return backward(ctx, *grads)
    return wrapper
