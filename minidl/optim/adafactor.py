"""Adafactor (Shazeer & Stern 2018) as ``torch.optim.Adafactor`` implements it."""
from __future__ import annotations

import math

import numpy as np

from minidl import backend
from minidl.optim.optimizer import Optimizer
from minidl.tensor import Tensor

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """PyTorch's Adafactor: Adam-like steps whose second moment is factored into row and
    column averages for matrices (memory O(R + C) instead of O(R C)). At step t:

        beta2_t = 1 - t ** beta2_decay;  rho_t = min(lr, 1 / sqrt(t))
        alpha = max(eps2, RMS(p)) * rho_t;  p = p * (1 - lr * weight_decay)
        matrices (over the last two dims): r = beta2_t r + (1 - beta2_t) mean_cols(g**2)
            c = beta2_t c + (1 - beta2_t) mean_rows(g**2);  v = r c / mean(r)
        vectors: v = beta2_t v + (1 - beta2_t) g**2
        u = g / sqrt(max(v, eps1**2));  p = p - alpha / max(1, RMS(u) / d) * u

    (``maximize`` negates g; ``eps1=None`` is the dtype's machine epsilon.)
    State: ``step``, and ``row_var`` (..., R, 1) and ``col_var`` (..., 1, C)
    for parameters of 2+ dims, ``variance`` for vectors.

    Args: params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
    weight_decay=0.0; keywords foreach (recorded; one implementation), maximize=False.
    """

    def __init__(self, params, lr: float = 1e-2, beta2_decay: float = -0.8, eps=(None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach=None, maximize: bool = False):
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d,
                                      weight_decay=weight_decay, foreach=foreach, maximize=maximize))

    def _update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        lr, d = float(group["lr"]), float(group["d"])
        eps1, eps2 = group["eps"]
        eps1 = float(np.finfo(param.dtype).eps) if eps1 is None else float(eps1)
        if not state:
            state["step"] = 0
            if grad.ndim > 1:
                state["row_var"] = xp.zeros(grad.shape[:-1] + (1,), dtype=param.dtype)
                state["col_var"] = xp.zeros(grad.shape[:-2] + (1,) + grad.shape[-1:], dtype=param.dtype)
            else:
                state["variance"] = xp.zeros_like(param)
        if group["maximize"]:
            grad = -grad
        state["step"] += 1
        step = float(state["step"])
        weight = step ** float(group["beta2_decay"])            # 1 - beta2_t
        rho_t = min(lr, 1 / (step ** 0.5))
        alpha = max(float(eps2), float(xp.sqrt((param * param).sum())) / math.sqrt(param.size)) * rho_t
        weight_decay = float(group["weight_decay"])
        if weight_decay != 0:
            param *= 1 - lr * weight_decay
        if grad.ndim > 1:
            row_var, col_var = state["row_var"], state["col_var"]
            squared = grad * grad
            row_var += weight * (squared.sum(axis=-1, keepdims=True) / grad.shape[-1] - row_var)
            col_var += weight * (squared.sum(axis=-2, keepdims=True) / grad.shape[-2] - col_var)
            estimate = row_var @ col_var
            estimate /= xp.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
        else:
            variance = state["variance"]
            variance += weight * (grad * grad - variance)
            estimate = variance.copy()
        update = grad / xp.sqrt(xp.maximum(estimate, eps1 * eps1))
        denom = max(1.0, float(xp.sqrt((update * update).sum())) / (math.sqrt(update.size) * d))
        param -= (alpha / denom) * update

    def _restore_state_value(self, key, value, p, index):
        """``row_var``/``col_var`` have the parameter's shape with the last / second-to-last dim 1 (a saved
        Tensor of the parameter's device and dtype is kept itself, as in PyTorch)."""
        if key in ("row_var", "col_var"):
            data = value.array if hasattr(value, "array") and not backend.is_array(value) else value
            data = np.asarray(data) if not backend.is_array(data) else data
            shape = list(p.shape)
            shape[-1 if key == "row_var" else -2] = 1
            if tuple(data.shape) != tuple(shape):
                raise ValueError(f"Adafactor.load_state_dict: state '{key}' of parameter {index} has shape "
                                 f"{tuple(data.shape)} in the checkpoint, expected {tuple(shape)}")
            if isinstance(value, Tensor) and data.dtype == p.dtype \
                    and backend.get_array_module(data) is backend.get_array_module(p.array):
                return value      # kept itself, as PyTorch's load_state_dict keeps a fitting tensor
            return Tensor(backend.to_device(data, p.device).astype(p.dtype, copy=True))
        return super()._restore_state_value(key, value, p, index)
