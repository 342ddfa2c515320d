"""Adagrad (Duchi et al. 2011), as PyTorch implements it."""
from __future__ import annotations

from minidl import backend
from minidl.optim._validate import check_non_negative, implementation_flags
from minidl.optim.optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """PyTorch's Adagrad. For each parameter p with gradient g, at step t = 1, 2, ...:

        g = g + weight_decay * p                       (if weight_decay != 0)
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g**2                                   (s starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(s) + eps)

    (with ``maximize``, g is negated first). State per parameter, created
    when the optimiser is built, as in PyTorch: ``step`` and ``sum`` (s).

    Args: params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
    eps=1e-10, foreach=None (PyTorch's positional order); keywords maximize=False,
    differentiable=False (False only), fused=None.

    >>> import minidl as mdl, minidl.optim as optim
    >>> w = mdl.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward()        # gradient [2, -4]: the first step moves each weight by lr
    >>> opt.step()
    >>> w.numpy()
    array([ 0.9, -1.9], dtype=float32)
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None):
        check_non_negative("learning rate", lr)
        check_non_negative("lr_decay", lr_decay)
        check_non_negative("weight_decay", weight_decay)
        check_non_negative("initial_accumulator_value", initial_accumulator_value)
        check_non_negative("epsilon", eps)
        flags = implementation_flags("Adagrad", ("foreach", "differentiable", "fused"), foreach, differentiable, fused)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,   # PyTorch's order
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=flags["foreach"], maximize=maximize,
                                      differentiable=flags["differentiable"], fused=flags["fused"]))

    def _init_group_state(self, group):
        for p in group["params"]:
            state = self.state[p]
            if not state:
                xp = backend.get_array_module(p.array)
                state["step"] = 0
                state["sum"] = xp.full(p.array.shape, group["initial_accumulator_value"], dtype=p.array.dtype)
                self._wrap_state(state)

    def add_param_group(self, param_group: dict) -> None:
        """Append a group; its parameters get their ``sum`` state at once, as in PyTorch."""
        super().add_param_group(param_group)
        self._init_group_state(self.param_groups[-1])

    # sparse gradients are taken (Optimizer._sparse_grad); PyTorch's error with a weight decay:
    _sparse_weight_decay_error = "weight_decay option is not compatible with sparse gradients"

    def _update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        if "sum" not in state:
            state["step"] = 0
            state["sum"] = xp.full(param.shape, group["initial_accumulator_value"], dtype=param.dtype)
        if group["maximize"]:
            grad = -grad
        weight_decay = float(group["weight_decay"])
        if weight_decay != 0:
            grad = grad + weight_decay * param
        state["step"] += 1
        clr = float(group["lr"]) / (1 + (state["step"] - 1) * float(group["lr_decay"]))
        state_sum = state["sum"]
        state_sum += grad * grad
        std = xp.sqrt(state_sum)
        std += param.dtype.type(group["eps"])
        param -= clr * (grad / std)
