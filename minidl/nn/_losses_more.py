"""More of PyTorch's losses, as compositions of differentiable Tensor operations: ``kl_div``,
``margin_ranking_loss``, ``hinge_embedding_loss``, ``soft_margin_loss``, ``multilabel_soft_margin_loss``,
``multi_margin_loss``, ``cosine_embedding_loss``, ``triplet_margin_loss``, ``poisson_nll_loss`` and
``gaussian_nll_loss``.

Each follows PyTorch's formula term by term (including where it clamps), so
values, gradients at the kinks and reductions agree; ``reduction`` is "mean",
"sum" or "none" (and "batchmean" for ``kl_div``), with the deprecated
``size_average``/``reduce`` flags honoured.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from minidl._errors import ShapeError, TargetIndexError
from minidl.backend import to_numpy
from minidl.nn._distance import pairwise_distance
from minidl.ops.activation import relu
from minidl.ops.activation_more import Softplus, logsigmoid
from minidl.ops.elementwise import Where
from minidl.ops.loss import _reduce, reduction_arg
from minidl.ops.loss_elementwise import _operand
from minidl.ops.math import exp, log
from minidl.tensor import Tensor

__all__ = ["kl_div", "margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
           "multilabel_soft_margin_loss", "multi_margin_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "poisson_nll_loss", "gaussian_nll_loss"]


def _tensor(name, arg, value):
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(value).__name__}")
    return value


def _zero(like):
    return Tensor(like.xp.zeros((), dtype=like.array.dtype))


def _where(mask, a, b):
    return Where.apply(a, b, cond=mask)


def _same_shape(name, input, target):
    if tuple(target.shape) != tuple(input.shape):
        try:
            np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
        except ValueError:
            raise RuntimeError(f"{name}: the size of input {list(input.shape)} and target {list(target.shape)} "
                               "must match (or broadcast)") from None


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL divergence with ``input`` given as log-probabilities: target * (log(target) - input)
    (``log_target``: exp(target) * (target - input)); 0 where target is 0.

    ``reduction="batchmean"`` divides the sum by the batch size (the KL
    definition); "mean" divides by the number of elements (with PyTorch's warning).
    Shapes: input (*), target broadcastable -> scalar, or (*) with "none".
    """
    input = _tensor("kl_div", "input", input)
    if size_average is not None or reduce is not None:
        reduction = reduction_arg("kl_div", size_average, reduce, "mean")
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    target = _operand(target, input)
    if log_target:
        loss = exp(target) * (target - input)
    else:
        positive = target.array > 0  # PyTorch's xlogy(target, target): 0 where target is 0
        safe = _where(positive, target, Tensor(input.xp.ones((), dtype=input.array.dtype)))
        loss = _where(positive, target * log(safe), _zero(input)) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -target * (input1 - input2) + margin), target in {1, -1}. Shapes: (N,) or () each."""
    reduction = reduction_arg("margin_ranking_loss", size_average, reduce, reduction)
    input1 = _tensor("margin_ranking_loss", "input1", input1)
    input2, target = _operand(input2, input1), _operand(target, input1)
    if not (input1.ndim == input2.ndim == target.ndim):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {list(input1.shape)}, input2: {list(input2.shape)}, target: "
                           f"{list(target.shape)} ")
    loss = (-target * (input1 - input2) + margin).clamp(min=0)
    return _reduce(loss, reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """x where target == 1, max(0, margin - x) where target == -1 (target in {1, -1}). Shapes: (*) -> scalar."""
    reduction = reduction_arg("hinge_embedding_loss", size_average, reduce, reduction)
    input = _tensor("hinge_embedding_loss", "input", input)
    target = _operand(target, input)
    _same_shape("hinge_embedding_loss", input, target)
    t = target.array
    shape = np.broadcast_shapes(tuple(input.shape), tuple(t.shape))
    zeros = _zero(input)
    margin_part = _where(input.xp.broadcast_to(t != 1, shape), (margin - input).clamp(min=0), zeros)
    self_part = _where(input.xp.broadcast_to(t != -1, shape), input, zeros)
    return _reduce(margin_part + self_part, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target * input)), target in {1, -1}. Shapes: (*) -> scalar, or (*) with "none"."""
    reduction = reduction_arg("soft_margin_loss", size_average, reduce, reduction)
    input = _tensor("soft_margin_loss", "input", input)
    target = _operand(target, input)
    _same_shape("soft_margin_loss", input, target)
    loss = Softplus.apply(-input * target, beta=1.0, threshold=math.inf)
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(y log sigmoid(x) + (1 - y) log sigmoid(-x)), times ``weight`` (C,), averaged over the C classes.

    Shapes: input, target (N, C) (or (C,)) -> scalar, or (N,) with "none".
    """
    reduction = reduction_arg("multilabel_soft_margin_loss", size_average, reduce, reduction)
    input = _tensor("multilabel_soft_margin_loss", "input", input)
    target = _operand(target, input)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * _operand(weight, input)
    class_dim = input.ndim - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multi-class hinge loss: sum over i != y of max(0, margin - x[y] + x[i])**p / C, times weight[y].

    Shapes: input (N, C) or (C,), target (N,) or () class ids -> scalar, or (N,) with "none".
    """
    reduction = reduction_arg("multi_margin_loss", size_average, reduce, reduction)
    input = _tensor("multi_margin_loss", "input", input)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    n, c = x.shape
    ids = (target.array if isinstance(target, Tensor) else np.asarray(target)).reshape(-1)
    if input.ndim > 2 or ids.shape[0] != n:
        raise RuntimeError(f"inconsistent target size, expected {n} but got {list(np.shape(ids))}")
    ids = to_numpy(ids).astype(np.int64)
    if ids.size and (ids.min() < 0 or ids.max() >= c):
        raise TargetIndexError(f"multi_margin_loss: target {int(ids.max() if ids.max() >= c else ids.min())} is out "
                         f"of bounds for {c} classes")
    rows = np.arange(n)
    rows_on_device, ids_on_device = input.xp.asarray(rows), input.xp.asarray(ids)
    picked = x[rows_on_device, ids_on_device].reshape(n, 1)
    z = relu(x - picked + margin)
    if p == 2:
        z = z * z
    if weight is not None:
        w = _operand(weight, input)
        z = z * w[ids_on_device].reshape(n, 1)
    not_target = np.ones((n, c), dtype=bool)
    not_target[rows, ids] = False
    z = _where(input.xp.asarray(not_target), z, _zero(input))
    loss = z.sum(dim=1) / c
    if input.ndim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(x1, x2) where target == 1, max(0, cos(x1, x2) - margin) where target == -1.

    Shapes: input1, input2 (N, D) or (D,), target (N,) or () -> scalar, or (N,) with "none".
    """
    reduction = reduction_arg("cosine_embedding_loss", size_average, reduce, reduction)
    input1 = _tensor("cosine_embedding_loss", "input1", input1)
    input2, target = _operand(input2, input1), _operand(target, input1)
    if input1.ndim not in (1, 2) or tuple(input1.shape) != tuple(input2.shape):
        raise RuntimeError(f"cosine_embedding_loss: expected input1 and input2 of the same shape (N, D) or (D,), "
                           f"got {list(input1.shape)} and {list(input2.shape)}")
    if target.ndim != input1.ndim - 1:
        raise RuntimeError(f"{input1.ndim}D target tensor expects {input1.ndim}D input tensors, but found inputs "
                           f"with sizes {list(input1.shape)} and {list(input2.shape)}.")
    if target.ndim and target.shape[0] != input1.shape[0]:
        raise ShapeError(f"cosine_embedding_loss: target of shape {list(target.shape)} does not match the batch "
                         f"size {input1.shape[0]} of inputs of shape {list(input1.shape)}")
    dim = input1.ndim - 1
    eps = 1e-12
    prod = (input1 * input2).sum(dim=dim)
    mag1 = (input1 * input1).sum(dim=dim) + eps
    mag2 = (input2 * input2).sum(dim=dim) + eps
    cos = prod / (mag1 * mag2).sqrt()
    t = target.array
    zeros = _zero(input1)
    pos = _where(t == 1, 1 - cos, zeros)
    neg = _where(t == -1, (cos - margin).clamp(min=0), zeros)
    return _reduce(pos + neg, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) with d the pairwise p-norm distance (``swap``: d(a, n) replaced
    by min(d(a, n), d(p, n))). Shapes: (N, D) or (D,) each -> scalar, or (N,) with "none"."""
    reduction = reduction_arg("triplet_margin_loss", size_average, reduce, reduction)
    anchor = _tensor("triplet_margin_loss", "anchor", anchor)
    positive, negative = _operand(positive, anchor), _operand(negative, anchor)
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                           f"{negative.ndim}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        from minidl.ops.math import minimum
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + margin).clamp(min=0), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """Poisson negative log-likelihood: exp(input) - target * input (``log_input``), else
    input - target * log(input + eps); ``full`` adds Stirling's term where target > 1. Shapes: (*) -> scalar."""
    reduction = reduction_arg("poisson_nll_loss", size_average, reduce, reduction)
    input = _tensor("poisson_nll_loss", "input", input)
    target = _operand(target, input)
    if log_input:
        loss = exp(input) - target * input
    else:
        loss = input - target * log(input + eps)
    if full:
        t = target.array
        big = t > 1
        safe = _where(big, target, Tensor(input.xp.full((), 2.0, dtype=input.array.dtype)))
        stirling = safe * log(safe) - safe + log(safe * (2 * math.pi)) * 0.5
        loss = loss + _where(big, stirling, _zero(input))
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log-likelihood 0.5 * (log(max(var, eps)) + (input - target)**2 / max(var, eps))
    (+ 0.5 log(2 pi) with ``full``). ``var``: a float, the input's shape, or one dim short / of size 1
    (homoscedastic). Shapes: (N, *) -> scalar, or (N, *) with "none"."""
    input = _tensor("gaussian_nll_loss", "input", input)
    target = _operand(target, input)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = Tensor(input.xp.full(tuple(input.shape), float(var), dtype=input.array.dtype))
    else:
        var = _operand(var, input)
        if bool((var.array < 0).any()):
            raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim
                  and sum(b for a, b in zip(input.shape, var.shape) if a != b) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    # PyTorch clamps a clone of var under no_grad: the value is clamped, the gradient passes unchanged
    clamped = var.xp.maximum(var.array, var.array.dtype.type(eps))
    var = var + Tensor(clamped - var.array)
    diff = input - target
    loss = (log(var) + diff * diff / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
