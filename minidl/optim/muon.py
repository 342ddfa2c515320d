"""Muon (Jordan et al. 2024): momentum SGD whose update matrix is orthogonalised by a
Newton-Schulz iteration, as ``torch.optim.Muon`` implements it (in bfloat16)."""
from __future__ import annotations

import math

import numpy as np

from minidl import backend
from minidl.optim.optimizer import Optimizer

__all__ = ["Muon"]


def round_to_bfloat16(array, xp):
    """``array`` rounded to bfloat16 (nearest, ties to even), held in float32."""
    bits = xp.ascontiguousarray(array, dtype=np.float32).view(np.uint32).astype(np.uint64)
    bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
    return bits.astype(np.uint32).view(np.float32)


def lerp(start, end, weight):
    """start + weight * (end - start), evaluated from the nearer end as PyTorch's ``lerp`` does."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def newton_schulz(grad, ns_coefficients, ns_steps, eps, xp):
    """The orthogonalised ``grad`` (about U V^T of its SVD) by ``ns_steps`` quintic Newton-Schulz
    steps in bfloat16 arithmetic (float32 accumulation), as PyTorch computes it."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = (np.float32(v) for v in ns_coefficients)
    x = round_to_bfloat16(grad, xp)
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        x = x.T
    norm = round_to_bfloat16(xp.sqrt((x * x).sum(dtype=np.float32)), xp)
    x = round_to_bfloat16(x / xp.maximum(norm, np.float32(eps)), xp)
    for _ in range(ns_steps):
        gram = round_to_bfloat16(x @ x.T, xp)
        update = round_to_bfloat16(b * gram + c * (gram @ gram), xp)
        x = round_to_bfloat16(a * x + update @ x, xp)
    return x.T if tall else x


def adjusted_lr(lr, adjust_lr_fn, shape):
    """``lr`` scaled for an (A, B) matrix: sqrt(max(1, A / B)) ("original", the default), or
    0.2 sqrt(max(A, B)) ("match_rms_adamw")."""
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(rows, cols))
    return lr


class Muon(Optimizer):
    """PyTorch's Muon, for 2-D parameters (weight matrices). For each parameter p with gradient g:

        b = momentum * b + (1 - momentum) * g
        u = g + momentum * (b - g)  (nesterov)  or  u = b
        O = NewtonSchulz(u)                 (about U V^T of u's SVD; computed in bfloat16)
        p = p * (1 - lr * weight_decay) - adjusted_lr * O

    State: ``momentum_buffer`` (b). Args: params, lr=1e-3, weight_decay=0.1,
    momentum=0.95, nesterov=True, ns_coefficients=(3.4445, -4.775, 2.0315),
    eps=1e-7, ns_steps=5, adjust_lr_fn=None ("original" or "match_rms_adamw").
    """

    def __init__(self, params, lr: float = 1e-3, weight_decay: float = 0.1, momentum: float = 0.95,
                 nesterov: bool = True, ns_coefficients=(3.4445, -4.775, 2.0315), eps: float = 1e-7,
                 ns_steps: int = 5, adjust_lr_fn=None):
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                                      ns_coefficients=tuple(ns_coefficients), eps=eps, ns_steps=ns_steps,
                                      adjust_lr_fn=adjust_lr_fn))
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{tuple(p.shape)}")

    def _update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        lr, momentum = float(group["lr"]), float(group["momentum"])
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = xp.zeros_like(param)
        buf = state["momentum_buffer"]
        buf[...] = lerp(buf, grad, 1 - momentum)
        update = lerp(grad, buf, momentum) if group["nesterov"] else buf
        ortho = newton_schulz(update, group["ns_coefficients"], int(group["ns_steps"]), float(group["eps"]), xp)
        param *= 1 - lr * float(group["weight_decay"])
        param -= adjusted_lr(lr, group["adjust_lr_fn"], param.shape) * ortho.astype(param.dtype)
