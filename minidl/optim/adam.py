"""Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019), as PyTorch implements them."""
from __future__ import annotations

import math

from minidl import backend
from minidl.optim import _fused, _fused_gpu
from minidl.optim._validate import check_non_negative, check_unit_interval, implementation_flags
from minidl.optim.optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """PyTorch's Adam. For each parameter p with gradient g, at step t = 1, 2, ...:

        g = g + weight_decay * p         (L2; AdamW instead: p = p * (1 - lr * weight_decay))
        m_t = beta1 * m_{t-1} + (1 - beta1) * g
        v_t = beta2 * v_{t-1} + (1 - beta2) * g**2
        vmax_t = max(vmax_{t-1}, v_t)     (amsgrad; then used in place of v_t)
        p = p - lr / (1 - beta1**t) * m_t / (sqrt(v_t) / sqrt(1 - beta2**t) + eps)

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v) and
    ``max_exp_avg_sq`` with amsgrad, each array of the parameter's shape.

    Args: params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    amsgrad=False; keywords maximize=False, decoupled_weight_decay=False
    (True makes it AdamW), and PyTorch's kernel switches foreach, capturable,
    differentiable (False only), fused.

    >>> import minidl as mdl, minidl.optim as optim
    >>> w = mdl.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()                      # the first Adam step moves each weight by about lr
    >>> w.numpy().round(3)
    array([ 0.9, -1.9], dtype=float32)
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused=None,
                 decoupled_weight_decay: bool = False):
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon", eps)
        check_unit_interval("beta parameter at index 0", betas[0])
        check_unit_interval("beta parameter at index 1", betas[1])
        check_non_negative("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize,
                                      **implementation_flags(type(self).__name__,
                                                             ("foreach", "capturable", "differentiable", "fused"),
                                                             foreach, differentiable, fused, capturable),
                                      decoupled_weight_decay=decoupled_weight_decay))

    _device_batch = None    # the group's deferred device updates (an _fused_gpu.AdamBatch) during step()

    def _finish_group(self, group):
        batch, self._device_batch = self._device_batch, None
        if batch is not None:
            batch.run()

    def _update(self, param, grad, state, group):
        lr = float(group["lr"])
        beta1, beta2 = group["betas"]
        beta1, beta2 = float(beta1), float(beta2)
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        if not state:
            xp = backend.get_array_module(param)
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param)
            state["exp_avg_sq"] = xp.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(param)
        if _fused.adam_applies(param, grad, state, group["amsgrad"]):
            state["step"] += 1      # one pass, same results as the NumPy code below (minidl/optim/_fused.py)
            if backend.is_device_array(param):
                # gathered, and run by _finish_group in multi-tensor launches (minidl/optim/_fused_gpu.py)
                if self._device_batch is None:
                    self._device_batch = _fused_gpu.AdamBatch()
                self._device_batch.add(param, grad, state["exp_avg"], state["exp_avg_sq"], _fused.adam_hyper(
                    state["step"], lr, beta1, beta2, eps, weight_decay, group["decoupled_weight_decay"],
                    group["maximize"]))
                return
            _fused.adam_step(param, grad, state, lr, beta1, beta2, eps, weight_decay,
                             group["decoupled_weight_decay"], group["maximize"])
            return
        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * param
        state["step"] += 1
        step = state["step"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (grad * grad)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
        if group["amsgrad"]:
            if "max_exp_avg_sq" not in state:
                state["max_exp_avg_sq"] = backend.get_array_module(param).zeros_like(param)
            max_sq = state["max_exp_avg_sq"]
            xp = backend.get_array_module(param)
            xp.maximum(max_sq, exp_avg_sq, out=max_sq)
            denom = xp.sqrt(max_sq)
        else:
            denom = backend.get_array_module(param).sqrt(exp_avg_sq)
        denom /= bias_correction2_sqrt
        denom += eps
        param -= (lr / bias_correction1) * (exp_avg / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p = p * (1 - lr * weight_decay)`` before the
    Adam step (no L2 term in the gradient). Default ``weight_decay=1e-2``.

    Args: params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
    amsgrad=False; keywords maximize=False, foreach, capturable, differentiable
    (False only), fused.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach=None, capturable: bool = False, differentiable: bool = False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, foreach=foreach,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
