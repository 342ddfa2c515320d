"""Adadelta (Zeiler 2012), as PyTorch implements it (with an extra ``lr`` factor)."""
from __future__ import annotations

from minidl import backend
from minidl.optim._validate import check_non_negative, implementation_flags
from minidl.optim.optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """PyTorch's Adadelta. For each parameter p with gradient g:

        g = g + weight_decay * p                      (if weight_decay != 0)
        v = rho * v + (1 - rho) * g**2
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta**2
        p = p - lr * delta

    State: ``step``, ``square_avg`` (v), ``acc_delta`` (u); both start at zero.

    Args: params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None;
    keywords capturable=False, maximize=False, differentiable=False (False only).
    """

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach=None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False):
        check_non_negative("learning rate", lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_non_negative("epsilon", eps)
        check_non_negative("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize,   # then the flags in PyTorch's order
                                      **implementation_flags("Adadelta", ("capturable", "foreach", "differentiable"),
                                                             foreach, differentiable, capturable=capturable)))

    def _update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
        weight_decay = float(group["weight_decay"])
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(param)
            state["acc_delta"] = xp.zeros_like(param)
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * param
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * (grad * grad)
        delta = xp.sqrt(acc_delta + eps)
        delta /= xp.sqrt(square_avg + eps)
        delta *= grad
        acc_delta *= rho
        acc_delta += (1 - rho) * (delta * delta)
        param -= lr * delta
