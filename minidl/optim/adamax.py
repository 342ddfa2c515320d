"""Adamax (Kingma & Ba 2015, section 7.1), as PyTorch implements it."""
from __future__ import annotations

from minidl import backend
from minidl.optim._validate import check_non_negative, check_unit_interval, implementation_flags
from minidl.optim.optimizer import Optimizer

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """PyTorch's Adamax: Adam with the infinity norm in place of the second moment. At step t:

        g = g + weight_decay * p                   (if weight_decay != 0; ``maximize`` negates g first)
        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1**t) * m / u

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_inf`` (u).

    Args: params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    foreach=None; keywords maximize=False, differentiable (False only), capturable.
    """

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False):
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon", eps)
        check_unit_interval("beta parameter at index 0", betas[0])
        check_unit_interval("beta parameter at index 1", betas[1])
        check_non_negative("weight_decay", weight_decay)
        flags = implementation_flags("Adamax", ("foreach", "differentiable", "capturable"), foreach,
                                     differentiable, capturable=capturable)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      foreach=flags["foreach"], maximize=maximize,
                                      differentiable=flags["differentiable"], capturable=flags["capturable"]))

    def _update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = (float(b) for b in group["betas"])
        weight_decay = float(group["weight_decay"])
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param)
            state["exp_inf"] = xp.zeros_like(param)
        if group["maximize"]:
            grad = -grad
        state["step"] += 1
        if weight_decay != 0:
            grad = grad + weight_decay * param
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        exp_avg += (1 - beta1) * (grad - exp_avg)
        exp_inf *= beta2
        xp.maximum(exp_inf, xp.abs(grad) + eps, out=exp_inf)
        clr = lr / (1 - beta1 ** state["step"])
        param -= clr * (exp_avg / exp_inf)
