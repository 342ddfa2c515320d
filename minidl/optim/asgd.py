"""ASGD (averaged SGD, Polyak & Juditsky 1992), as PyTorch implements it."""
from __future__ import annotations

from minidl import backend
from minidl.optim._validate import check_non_negative, implementation_flags
from minidl.optim.optimizer import Optimizer

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """PyTorch's averaged SGD. At step t (eta and mu from the previous step; eta_0 = lr, mu_0 = 1):

        g = g + weight_decay * p                          (``maximize`` negates g first)
        p = p * (1 - lambd * eta) - eta * g
        ax = ax + mu * (p - ax)           (ax = p while mu == 1)
        eta = lr / (1 + lambd * lr * t) ** alpha;   mu = 1 / max(1, t - t0)

    ``ax`` holds the running average of the iterates (averaging starts
    after ``t0`` steps). State per parameter: ``step``, ``eta``, ``mu``
    (0-d float32 Tensors on the parameter's device, as PyTorch's; updated in
    place) and ``ax``.

    Args: params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
    foreach=None, maximize=False, differentiable (False only), capturable.
    """

    _scalar_state_keys = frozenset({"step", "eta", "mu"})
    _device_scalar_keys = frozenset({"step", "eta", "mu"})   # 0-d tensors on the parameter's device, as PyTorch's

    def __init__(self, params, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0, foreach=None, maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False):
        check_non_negative("learning rate", lr)
        check_non_negative("weight_decay", weight_decay)
        flags = implementation_flags("ASGD", ("foreach", "differentiable", "capturable"), foreach,
                                     differentiable, capturable=capturable)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      foreach=flags["foreach"], maximize=maximize,
                                      differentiable=flags["differentiable"], capturable=flags["capturable"]))

    def _update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        lr, lambd = float(group["lr"]), float(group["lambd"])
        weight_decay = float(group["weight_decay"])
        if not state:
            state["step"] = 0
            state["eta"] = lr
            state["mu"] = 1.0
            state["ax"] = xp.zeros_like(param)
        if group["maximize"]:
            grad = -grad
        state["step"] += 1
        if weight_decay != 0:
            grad = grad + weight_decay * param
        eta = float(state["eta"])
        param *= 1 - lambd * eta
        param -= eta * grad
        ax = state["ax"]
        if float(state["mu"]) != 1:
            ax += (param - ax) * float(state["mu"])
        else:
            ax[...] = param
        step = state["step"]
        state["eta"] = lr / ((1 + lambd * lr * step) ** float(group["alpha"]))
        state["mu"] = 1 / max(1, step - float(group["t0"]))
