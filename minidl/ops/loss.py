"""Losses: cross-entropy (with label smoothing), negative log-likelihood, mean squared error.

Cross-entropy with smoothing eps over C classes (Szegedy et al. 2016, sec. 7):
    loss_i = -(1 - eps) * logp[i, t_i] - (eps / C) * sum_c logp[i, c]
and its gradient with respect to the logits is softmax - (1 - eps) * onehot - eps / C.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module, is_device_array
from ..tensor import Tensor, as_tensor
from .activation import _log_softmax

__all__ = ["cross_entropy", "nll_loss", "mse_loss"]

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _scale_grad(g, n, reduction, dtype):
    """The upstream gradient of each sample's loss, shaped (N, 1)."""
    xp = get_array_module(g)
    if reduction == "none":
        return g.reshape(-1, 1).astype(dtype, copy=False)
    g = g.astype(dtype, copy=False)
    if reduction == "mean":
        g = g / n
    return xp.broadcast_to(g.reshape(1, 1), (n, 1))


class CrossEntropy(Function):
    """Softmax cross-entropy on logits (N, C) and int targets (N,)."""

    def forward(self, logits, target=None, reduction="mean", smoothing=0.0):
        xp = get_array_module(logits)
        n, c = logits.shape
        logp = _log_softmax(logits, 1)
        picked = logp[xp.arange(n), target]
        dt = logits.dtype.type
        loss = -picked if smoothing == 0 else -(dt(1 - smoothing) * picked + dt(smoothing / c) * logp.sum(axis=1))
        self.logp, self.target, self.reduction, self.smoothing = logp, target, reduction, smoothing
        return _reduce(loss, reduction)

    def backward(self, g):
        xp = get_array_module(g)
        n, c = self.logp.shape
        dt = self.logp.dtype.type
        grad = xp.exp(self.logp)
        if self.smoothing:
            grad -= dt(self.smoothing / c)
        grad[xp.arange(n), self.target] -= dt(1 - self.smoothing)
        return grad * _scale_grad(g, n, self.reduction, self.logp.dtype)


class NLLLoss(Function):
    """-log_probs[i, target_i]; d/dlog_probs = -onehot."""

    def forward(self, logp, target=None, reduction="mean"):
        xp = get_array_module(logp)
        self.shape, self.target, self.reduction, self.dtype = logp.shape, target, reduction, logp.dtype
        return _reduce(-logp[xp.arange(logp.shape[0]), target], reduction)

    def backward(self, g):
        xp = get_array_module(g)
        n = self.shape[0]
        grad = xp.zeros(self.shape, dtype=self.dtype)
        grad[xp.arange(n), self.target] = -1
        return grad * _scale_grad(g, n, self.reduction, self.dtype)


def _check_classification(name, logits, target, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    if logits.ndim != 2:
        raise ValueError(f"{name}: expected input of shape (N, C), got {logits.shape}")
    t = target.data if isinstance(target, Tensor) else target
    xp = logits.xp
    t = xp.asarray(t) if not is_device_array(t) else t
    if t.ndim != 1 or t.shape[0] != logits.shape[0]:
        raise ValueError(f"{name}: target must be class ids of shape ({logits.shape[0]},) "
                         f"for input {logits.shape}, got shape {tuple(t.shape)}")
    if t.dtype.kind not in "iu":
        if t.dtype.kind == "f" and bool((t == t.astype(np.int64)).all()):
            t = t.astype(np.int64)
        else:
            raise ValueError(f"{name}: target must hold integer class ids, got dtype {t.dtype}")
    if t.size:
        lo, hi = int(t.min()), int(t.max())
        if lo < 0 or hi >= logits.shape[1]:
            bad = lo if lo < 0 else hi
            raise ValueError(f"{name}: target class {bad} is out of range for {logits.shape[1]} classes "
                             f"(input shape {logits.shape})")
    return t.astype(np.int64, copy=False)


def cross_entropy(logits, target, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy: logits (N, C), target int class ids (N,).

    ``reduction``: "mean" | "sum" | "none" (per-sample losses (N,)).

    >>> import numpy as np, minidl as mdl, minidl.nn.functional as F
    >>> logits = mdl.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> round(F.cross_entropy(logits, np.array([0, 2])).item(), 4)   # mean of 0.2395 and log(3)
    0.6691
    """
    t = _check_classification("cross_entropy", logits, target, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    return CrossEntropy.apply(logits, target=t, reduction=reduction, smoothing=float(label_smoothing))


def nll_loss(log_probs, target, reduction="mean"):
    """Negative log-likelihood of log-probabilities (N, C) at int targets (N,)."""
    t = _check_classification("nll_loss", log_probs, target, reduction)
    return NLLLoss.apply(log_probs, target=t, reduction=reduction)


def mse_loss(input, target, reduction="mean"):
    """Mean squared error between same-shaped tensors."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"mse_loss: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    target = as_tensor(target, like=input)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"mse_loss: input shape {input.shape} and target shape {target.shape} differ")
    diff = input - target
    return _reduce(diff * diff, reduction)
