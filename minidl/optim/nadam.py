"""NAdam (Dozat 2016) and RAdam (Liu et al. 2020), as PyTorch implements them."""
from __future__ import annotations

import math

from minidl import backend
from minidl.optim._validate import check_non_negative, check_unit_interval, implementation_flags
from minidl.optim.optimizer import Optimizer

__all__ = ["NAdam", "RAdam"]

_FLAGS = ("foreach", "capturable", "differentiable")


def _check_adam_like(lr, betas, eps, weight_decay):
    check_non_negative("learning rate", lr)
    check_non_negative("epsilon", eps)
    check_unit_interval("beta parameter at index 0", betas[0])
    check_unit_interval("beta parameter at index 1", betas[1])
    check_non_negative("weight_decay", weight_decay)


def _decay(param, grad, lr, weight_decay, decoupled):
    """L2 weight decay folded into ``grad``, or decoupled decay applied to ``param`` in place."""
    if weight_decay != 0:
        if decoupled:
            param *= 1 - lr * weight_decay
        else:
            grad = grad + weight_decay * param
    return grad


def _moments(state, grad, beta1, beta2):
    """Update ``exp_avg`` (lerp towards ``grad``) and ``exp_avg_sq`` in place, as PyTorch orders it."""
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    exp_avg += (1 - beta1) * (grad - exp_avg)
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * (grad * grad)
    return exp_avg, exp_avg_sq


class NAdam(Optimizer):
    """PyTorch's NAdam: Adam with Nesterov momentum and a momentum schedule. At step t:

        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay));  prod_t = mu_1 * ... * mu_t
        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g**2
        denom = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - prod_t) * g / denom
              - lr * mu_{t+1} / (1 - prod_t * mu_{t+1}) * m / denom

    (g += weight_decay * p first, or with ``decoupled_weight_decay``
    p *= 1 - lr * weight_decay; ``maximize`` negates g.) State per parameter:
    ``step`` (a 0-d CPU Tensor), ``mu_product`` (prod_t, a 0-d Tensor on the parameter's
    device), ``exp_avg`` (m), ``exp_avg_sq`` (v), as PyTorch's.

    Args: params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    momentum_decay=4e-3, decoupled_weight_decay=False; keywords foreach,
    maximize=False, capturable, differentiable (False only).
    """

    _scalar_state_keys = frozenset({"step", "mu_product"})
    _device_scalar_keys = frozenset({"mu_product"})   # on the parameter's device; ``step`` on the CPU, as PyTorch's

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False,
                 *, foreach=None, maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        _check_adam_like(lr, betas, eps, weight_decay)
        check_non_negative("momentum_decay", momentum_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize,
                                      **implementation_flags("NAdam", _FLAGS, foreach, differentiable,
                                                             capturable=capturable)))

    def _update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = (float(b) for b in group["betas"])
        momentum_decay = float(group["momentum_decay"])
        if not state:
            state["step"] = 0
            state["mu_product"] = 1.0
            state["exp_avg"] = xp.zeros_like(param)
            state["exp_avg_sq"] = xp.zeros_like(param)
        if group["maximize"]:
            grad = -grad
        state["step"] += 1
        step = state["step"]
        bias_correction2 = 1 - beta2 ** step
        grad = _decay(param, grad, lr, float(group["weight_decay"]), group["decoupled_weight_decay"])
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        state["mu_product"] = mu_product = float(state["mu_product"]) * mu
        exp_avg, exp_avg_sq = _moments(state, grad, beta1, beta2)
        denom = xp.sqrt(exp_avg_sq / bias_correction2)
        denom += eps
        param += (-lr * (1.0 - mu) / (1.0 - mu_product)) * (grad / denom)
        param += ((-lr * mu_next) / (1.0 - mu_product * mu_next)) * (exp_avg / denom)


class RAdam(Optimizer):
    """PyTorch's RAdam: Adam whose adaptive term is switched on (and rectified) once the
    variance of the adaptive lr is tractable. At step t, with rho_inf = 2 / (1 - beta2) - 1
    and rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t):

        m, v as in Adam;  m_hat = m / (1 - beta1**t)
        rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                    p = p - lr * m_hat * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r
        otherwise:  p = p - lr * m_hat

    (weight decay and ``maximize`` as in NAdam.) State: ``step``, ``exp_avg``, ``exp_avg_sq``.

    Args: params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    decoupled_weight_decay=False; keywords foreach, maximize=False,
    capturable, differentiable (False only).
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        _check_adam_like(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      maximize=maximize,
                                      **implementation_flags("RAdam", ("foreach", "capturable"), foreach,
                                                             differentiable, capturable=capturable),
                                      decoupled_weight_decay=decoupled_weight_decay,   # PyTorch's order
                                      differentiable=differentiable))

    def _update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = (float(b) for b in group["betas"])
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param)
            state["exp_avg_sq"] = xp.zeros_like(param)
        if group["maximize"]:
            grad = -grad
        state["step"] += 1
        step = state["step"]
        grad = _decay(param, grad, lr, float(group["weight_decay"]), group["decoupled_weight_decay"])
        exp_avg, exp_avg_sq = _moments(state, grad, beta1, beta2)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        corrected_exp_avg = exp_avg / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            adaptive_lr = (bias_correction2 ** 0.5) / (xp.sqrt(exp_avg_sq) + eps)
            param -= corrected_exp_avg * lr * adaptive_lr * rect
        else:
            param -= corrected_exp_avg * lr
