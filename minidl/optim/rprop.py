"""Rprop (resilient back-propagation, Riedmiller & Braun 1993), as PyTorch implements it."""
from __future__ import annotations

from minidl import backend
from minidl.optim._validate import check_non_negative, implementation_flags
from minidl.optim.optimizer import Optimizer

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """PyTorch's Rprop: each weight moves by its own step size against the sign of its gradient.

    With s = sign(g * g_prev), the step size grows by ``etas[1]`` where s > 0,
    shrinks by ``etas[0]`` where s < 0 (and that gradient is then treated as
    zero: no move, and no sign comparison next time), and is clamped to
    ``step_sizes`` = (min, max); then p = p - sign(g) * step_size. The step
    sizes start at ``lr``; ``maximize`` negates g.

    State per parameter: ``step``, ``prev`` (g_prev), ``step_size``.

    Args: params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50); keywords
    capturable, foreach, maximize=False, differentiable (False only).
    """

    def __init__(self, params, lr: float = 1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable: bool = False, foreach=None, maximize: bool = False, differentiable: bool = False):
        check_non_negative("learning rate", lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        flags = implementation_flags("Rprop", ("foreach", "differentiable", "capturable"), foreach,
                                     differentiable, capturable=capturable)
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                                      foreach=flags["foreach"], maximize=maximize,
                                      differentiable=flags["differentiable"], capturable=flags["capturable"]))

    def _update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        etaminus, etaplus = (float(e) for e in group["etas"])
        step_size_min, step_size_max = (float(s) for s in group["step_sizes"])
        if not state:
            state["step"] = 0
            state["prev"] = xp.zeros_like(param)
            state["step_size"] = xp.full_like(param, float(group["lr"]))
        if group["maximize"]:
            grad = -grad
        state["step"] += 1
        prev, step_size = state["prev"], state["step_size"]
        sign = xp.sign(grad * prev)
        factor = xp.where(sign > 0, etaplus, xp.where(sign < 0, etaminus, 1.0)).astype(param.dtype)
        step_size *= factor
        xp.clip(step_size, step_size_min, step_size_max, out=step_size)
        grad = xp.where(factor == etaminus, 0, grad).astype(param.dtype)
        param -= xp.sign(grad) * step_size
        prev[...] = grad
