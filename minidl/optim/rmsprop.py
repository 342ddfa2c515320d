"""RMSprop (Hinton's lecture 6e), as PyTorch implements it (eps outside the square root)."""
from __future__ import annotations

from minidl import backend
from minidl.optim._validate import check_non_negative, implementation_flags
from minidl.optim.optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """PyTorch's RMSprop. For each parameter p with gradient g:

        g = g + weight_decay * p                      (if weight_decay != 0)
        v = alpha * v + (1 - alpha) * g**2
        centered: a = alpha * a + (1 - alpha) * g;  s = sqrt(v - a**2) + eps
        else:     s = sqrt(v) + eps
        momentum > 0: b = momentum * b + g / s;  p = p - lr * b
        else:         p = p - lr * g / s

    State: ``step``, ``square_avg`` (v), ``momentum_buffer`` (b, if momentum > 0),
    ``grad_avg`` (a, if centered); all start at zero.

    Args: params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
    centered=False, capturable=False, foreach=None, maximize=False,
    differentiable=False (False only), in PyTorch's positional order.
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False):
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon", eps)
        check_non_negative("momentum", momentum)
        check_non_negative("weight_decay", weight_decay)
        check_non_negative("alpha", alpha)
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,   # PyTorch's order
                                      centered=centered, weight_decay=weight_decay,
                                      **implementation_flags("RMSprop", ("capturable", "foreach"),
                                                             foreach, differentiable, capturable=capturable),
                                      maximize=maximize, differentiable=differentiable))

    def _update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        weight_decay, momentum = float(group["weight_decay"]), float(group["momentum"])
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(param)
            if momentum > 0:
                state["momentum_buffer"] = xp.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(param)
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * param
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * (grad * grad)
        if group["centered"]:
            grad_avg = state.setdefault("grad_avg", xp.zeros_like(param))
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            avg = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = xp.sqrt(square_avg)
        avg += eps
        if momentum > 0:
            buf = state.setdefault("momentum_buffer", xp.zeros_like(param))
            buf *= momentum
            buf += grad / avg
            param -= lr * buf
        else:
            param -= lr * (grad / avg)
