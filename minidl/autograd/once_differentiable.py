"""``once_differentiable``: PyTorch's decorator for a custom Function's non-differentiable ``backward``."""
from __future__ import annotations

import functools

from .grad_mode import no_grad

__all__ = ["once_differentiable"]


def once_differentiable(backward):
    """Decorator for a ``backward`` that is not written in differentiable Tensor ops (NumPy inside, say).

    It runs without recording. As in PyTorch, under ``create_graph=True`` its results are constants when
    the incoming gradients are; when they require grad, a backward through the results raises "trying to
    differentiate twice a function that was marked with @once_differentiable" instead of coming out wrong.
    """
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            return backward(ctx, *grads)
    wrapper._once_differentiable = True   # read by BackwardCFunction.backward_graph (function.py)
    return wrapper
