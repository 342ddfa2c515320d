"""``variable.value`` as Keras 3 gives it (the backend tensor), and the way back from a Keras-layout
gradient to the minidl Parameter an optimiser updates.

A Keras weight that minidl stores in its own layout (a Conv2D kernel, kept (out, in, kh, kw) and seen
as (kh, kw, in, out)) has as ``value`` a Tensor viewing the same memory in Keras' layout, whose ``grad``
is the Parameter's gradient in that layout: a PyTorch-style custom ``train_step`` reads
``[v.value.grad for v in model.trainable_weights]`` and hands them to ``optimizer.apply``.
"""
from __future__ import annotations

from minidl.tensor import Tensor

__all__ = ["layout_view", "parameter_of", "parameter_gradient"]


class _LayoutView(Tensor):
    """A Keras-layout Tensor over a Parameter stored in another layout; ``grad`` follows the Parameter's."""

    def __init__(self, variable):
        self._variable = variable
        Tensor.__init__(self, variable.tensor.array.transpose(variable._to_keras))

    @property
    def grad(self):
        """The Parameter's gradient in Keras' layout (None before a backward pass)."""
        grad = getattr(self.__dict__.get("_variable"), "tensor", None)
        grad = None if grad is None else grad.grad
        return None if grad is None else Tensor(grad.array.transpose(self._variable._to_keras))

    @grad.setter
    def grad(self, value):
        if value is not None:
            raise AttributeError("set the gradient on the layer's weight (model.trainable_weights), not on "
                                 "a layout view of it")


def layout_view(variable) -> Tensor:
    """``variable.value``: the variable itself when it is stored in Keras' layout, else a view in it."""
    if variable._to_keras is None:
        return variable.tensor
    return _LayoutView(variable)


def parameter_of(variable):
    """The minidl Parameter holding a Keras variable's values (a Parameter is its own)."""
    return variable.tensor if hasattr(variable, "_to_keras") else variable


def parameter_gradient(variable, grad):
    """``(Parameter, gradient Tensor in the Parameter's layout)`` for a Keras variable (or a Parameter)
    and its gradient in Keras' layout."""
    grad = grad if isinstance(grad, Tensor) else Tensor(grad)
    to_keras = getattr(variable, "_to_keras", None)
    param = parameter_of(variable)
    if to_keras is not None:
        grad = Tensor(grad.array.transpose(variable._from_keras))
    if grad.dtype != param.dtype:   # Keras casts a gradient to its variable's dtype (.grad must match it)
        grad = grad.to(param.dtype)
    return param, grad
