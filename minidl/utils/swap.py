"""``torch.utils.swap_tensors``: exchange everything two Tensor objects hold, keeping both objects' identities.

Anything that refers to ``t1`` (an optimizer's parameter list, a module attribute) then sees what ``t2`` held
before, and the other way round: the class (a Parameter stays with its values), data, gradient, graph node and
any attributes set on the objects.

>>> import minidl
>>> a, b = minidl.arange(2), minidl.arange(3.0)
>>> swap_tensors(a, b)
>>> a, b
(tensor([0., 1., 2.]), tensor([0, 1]))
"""
from __future__ import annotations

__all__ = ["swap_tensors"]


def swap_tensors(t1, t2) -> None:
    """Swap the contents (class, data, gradient, ``grad_fn``, attributes) of Tensors ``t1`` and ``t2`` in place."""
    from ..tensor import Tensor
    for name, value in (("t1", t1), ("t2", t2)):
        if not isinstance(value, Tensor):
            raise AttributeError(f"swap_tensors(): {name} must be a Tensor, got {type(value).__name__}")
    if t1 is t2:
        return
    t1.__class__, t2.__class__ = t2.__class__, t1.__class__
    state1, state2 = dict(t1.__dict__), dict(t2.__dict__)
    t1.__dict__.clear()
    t1.__dict__.update(state2)
    t2.__dict__.clear()
    t2.__dict__.update(state1)


def module_load(self, other, assign=False):
    """``Tensor.module_load``: how ``other`` (a state dict's value) is turned into what is swapped into ``self`` (a
    module's parameter or buffer) by ``load_state_dict`` under ``torch.__future__``'s swap switch: ``other.detach()``
    with ``assign``, else ``self.copy_(other).detach()``."""
    if assign:
        return other.detach()
    return self.copy_(other).detach()
