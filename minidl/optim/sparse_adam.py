"""SparseAdam: Adam's lazy variant for sparse gradients (``nn.Embedding(sparse=True)``), as PyTorch's."""
from __future__ import annotations

import math

from minidl import backend
from minidl.optim.optimizer import Optimizer

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """PyTorch's SparseAdam: Adam whose moments and parameter move only at the rows a sparse gradient stores.

    For each parameter p with a sparse COO gradient g (coalesced: values v at indices i), at step t:

        m[i] = m[i] + (1 - beta1) * (v - m[i])
        s[i] = s[i] + (1 - beta2) * (v**2 - s[i])
        p[i] = p[i] - lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m[i] / (sqrt(s[i]) + eps)

    (with ``maximize``, g is negated first). Dense gradients are refused, as in PyTorch.
    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_avg_sq`` (s).

    Args: params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False.

    >>> import minidl as mdl, minidl.nn as nn, minidl.optim as optim
    >>> emb = nn.Embedding(4, 2, sparse=True)
    >>> opt = optim.SparseAdam(emb.parameters(), lr=0.1)
    >>> before = emb.weight.detach().clone()
    >>> emb(mdl.tensor([1, 3])).sum().backward()
    >>> opt.step()
    >>> ((emb.weight - before).abs().sum(1) > 0).tolist()     # only the looked-up rows moved
    [False, True, False, True]
    """

    _scalar_state_keys = frozenset()   # PyTorch keeps SparseAdam's step as a Python int

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, maximize: bool = False):
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for k in (0, 1):
            if not 0.0 <= betas[k] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {k}: {betas[k]}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, maximize=maximize))

    def _sparse_grad(self, grad, group):
        """The coalesced sparse gradient itself (the update works on its stored rows)."""
        return grad.coalesce()

    def _update(self, param, grad, state, group):
        if not getattr(type(grad), "is_sparse_layout", False):
            raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
        xp = backend.get_array_module(param)
        if "exp_avg" not in state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param)
            state["exp_avg_sq"] = xp.zeros_like(param)
        state["step"] += 1
        rows = tuple(grad.indices)
        values = -grad.values if group["maximize"] else grad.values
        beta1, beta2 = group["betas"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        old_avg, old_sq = exp_avg[rows], exp_avg_sq[rows]
        avg = old_avg + (values - old_avg) * (1 - beta1)
        sq = old_sq + (values * values - old_sq) * (1 - beta2)
        exp_avg[rows], exp_avg_sq[rows] = avg, sq
        step = state["step"]
        step_size = float(group["lr"]) * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
        param[rows] -= (step_size * avg / (xp.sqrt(sq) + group["eps"])).astype(param.dtype)
