"""Elementwise losses with PyTorch's signatures: ``mse_loss``, ``l1_loss``, ``smooth_l1_loss``,
``binary_cross_entropy`` and ``binary_cross_entropy_with_logits``.

Each is a composition of differentiable primitives (subtract, abs, minimum,
log, exp, ...), so every gradient (and, through the primitives, every
higher-order gradient) comes from the autograd engine. The non-smooth points
follow PyTorch: d|x|/dx = 0 at 0, and the smooth L1 / softplus pieces are
written with ``minimum`` so that the derivative at the joins is the limit
PyTorch uses.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from minidl._errors import ArgumentError, ShapeError

from ..autograd.autocast_state import float32_op
from ..autograd.naming import name_grad_fn
from ..tensor import Tensor, as_tensor
from .loss import _reduce, reduction_arg
from .math import abs as _abs
from .math import clip, exp, log, minimum

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits"]

# PyTorch clamps log(x) of binary_cross_entropy at -100: log(max(x, e**-100)).
_LOG_FLOOR = math.exp(-100.0)
# ... and its backward divides by max(x * (1 - x), 1e-12).
_BCE_GRAD_EPS = 1e-12


def _operand(value, like):
    """``value`` as a Tensor on ``like``'s device and (if floating) dtype."""
    t = as_tensor(value, like=like)
    if t.dtype != like.dtype and t.dtype.kind in "fiub":
        from .math import Cast
        t = Cast.apply(t, dtype=like.dtype)
    return t


def _target(name, input, target, same_shape):
    """The target as a Tensor like ``input``; its shape must match (or broadcast, with a warning)."""
    target = _operand(target, input)
    if tuple(target.shape) != tuple(input.shape):
        if same_shape:
            raise ValueError(f"{name}: using a target size ({tuple(target.shape)}) that is different to "
                             f"the input size ({tuple(input.shape)}) is deprecated. Please ensure they "
                             "have the same size.")
        try:
            np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
        except ValueError:
            raise ShapeError(f"{name}: target shape {tuple(target.shape)} cannot be broadcast to the "
                             f"input shape {tuple(input.shape)}") from None
        warnings.warn(f"{name}: using a target size ({tuple(target.shape)}) that is different to the "
                      f"input size ({tuple(input.shape)}). This will likely lead to incorrect results "
                      "due to broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=3)
    return target


def _apply_weight(name, loss, weight, input, same_shape):
    if weight is None:
        return loss
    w = _operand(weight, input)
    if same_shape and tuple(w.shape) != tuple(loss.shape):
        raise ValueError(f"{name}: weights and input must have the same size, got weight "
                         f"{tuple(w.shape)} and input {tuple(loss.shape)}")
    return loss * w


@float32_op   # autocast: computed in float32, as PyTorch's autocast float32 list
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(input - target)**2`` (PyTorch's), reduced by ``reduction``.

    Shapes: input (*), target (*) (broadcast with a warning when they differ),
    ``weight`` (*) multiplies each element's loss -> scalar, or (*) with
    reduction "none".
    """
    reduction = reduction_arg("mse_loss", size_average, reduce, reduction)
    diff = input - _target("mse_loss", input, target, same_shape=False)
    if weight is None:
        return name_grad_fn(_reduce(diff * diff, reduction), "MseLossBackward0", saved=(input, target))
    return _weighted_reduce(_apply_weight("mse_loss", diff * diff, weight, input, True), weight, input, reduction)


def _weighted_reduce(loss, weight, input, reduction):
    """mse_loss's and l1_loss's reduction with ``weight``: 'mean' is sum(w * loss) / sum(w), as PyTorch's."""
    if reduction != "mean":
        return _reduce(loss, reduction)
    return loss.sum() / _operand(weight, input).sum()


@float32_op   # autocast: computed in float32, as PyTorch's autocast float32 list
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|`` (PyTorch's); shapes as :func:`mse_loss`."""
    reduction = reduction_arg("l1_loss", size_average, reduce, reduction)
    diff = input - _target("l1_loss", input, target, same_shape=False)
    if weight is None:
        return _reduce(_abs(diff), reduction)
    return _weighted_reduce(_apply_weight("l1_loss", _abs(diff), weight, input, True), weight, input, reduction)


def _smooth_l1(diff, beta):
    """0.5 * d**2 / beta where |d| < beta, else |d| - 0.5 * beta, as 0.5*m**2/beta + |d| - m with
    m = min(|d|, beta) (one expression, smooth at the join)."""
    a = _abs(diff)
    m = minimum(a, float(beta))
    return m * m * (0.5 / beta) + (a - m)


@float32_op   # autocast: computed in float32, as PyTorch's autocast float32 list
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Smooth L1 (PyTorch's): 0.5 * d**2 / beta if |d| < beta else |d| - 0.5 * beta, d = input - target.

    ``beta`` = 0 gives the L1 loss. Shapes: input (*), target (*) -> scalar, or
    (*) with reduction "none".
    """
    reduction = reduction_arg("smooth_l1_loss", size_average, reduce, reduction)
    if beta < 0:
        raise ArgumentError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    diff = input - _target("smooth_l1_loss", input, target, same_shape=False)
    if beta == 0:   # PyTorch computes the L1 loss then (its grad_fn names follow)
        return _reduce(_abs(diff), reduction)
    return name_grad_fn(_reduce(_smooth_l1(diff, beta), reduction), "SmoothL1LossBackward0")


@float32_op   # autocast: computed in float32, as PyTorch's autocast float32 list
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Huber loss (PyTorch's): 0.5 * d**2 if |d| < delta else delta * (|d| - 0.5 * delta)."""
    reduction = reduction_arg("huber_loss", None, None, reduction)
    if delta <= 0:
        raise ArgumentError(f"huber_loss: delta must be > 0, got {delta}")
    diff = input - _target("huber_loss", input, target, same_shape=False)
    loss = _smooth_l1(diff, delta) * float(delta)
    if weight is None:
        return name_grad_fn(_reduce(loss, reduction), "HuberLossBackward0")
    return _reduce(_apply_weight("huber_loss", loss, weight, input, True), reduction)


def _clamped_log(p):
    """max(log(p), -100) with a finite gradient everywhere (zero where the clamp is active)."""
    x = p.array
    tiny = float(np.finfo(x.dtype).tiny)
    keep = x.astype(np.float64) >= _LOG_FLOOR
    if bool(keep.all()):
        return log(clip(p, tiny, None))
    keep = keep.astype(x.dtype)
    return log(clip(p, tiny, None)) * Tensor(keep) + Tensor((keep - 1) * x.dtype.type(100))


@float32_op   # autocast: computed in float32, as PyTorch's autocast float32 list
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-w * (t * log(x) + (1 - t) * log(1 - x)) for probabilities x (PyTorch's).

    Each log is clamped at -100 as PyTorch does, so x = 0 or 1 gives a finite
    loss. Shapes: input (*) in [0, 1], target (*) of the same shape,
    ``weight`` broadcastable to it -> scalar, or (*) with reduction "none".
    """
    reduction = reduction_arg("binary_cross_entropy", size_average, reduce, reduction)
    target = _target("binary_cross_entropy", input, target, same_shape=True)
    x = input.array
    if x.size and bool(((x < 0) | (x > 1)).any()):
        raise ShapeError(f"binary_cross_entropy: all elements of input should be between 0 and 1 "
                         f"(input of shape {tuple(input.shape)} has min {float(x.min())}, "
                         f"max {float(x.max())})")
    loss = _bce_terms(input, target)
    edge = x.astype(np.float64) * (1.0 - x.astype(np.float64)) < _BCE_GRAD_EPS
    if edge.any():
        # PyTorch's backward is (x - t) / max(x * (1 - x), 1e-12): near 0 and 1 the clamped
        # denominator, not the clamped log, sets the gradient (e.g. -1e12 at x = 0, t = 1).
        e = Tensor(edge.astype(x.dtype))
        slope = (input.detach() - target.detach()) * (1.0 / _BCE_GRAD_EPS)
        at_edge = _bce_terms(input.detach(), target) + (input - input.detach()) * slope
        loss = loss * (1.0 - e) + at_edge * e
    if weight is not None:
        loss = loss * _operand(weight, input)
    return name_grad_fn(_reduce(loss, reduction), "BinaryCrossEntropyBackward0", saved=(input, target, weight))


def _bce_terms(input, target):
    """-(t * log(x) + (1 - t) * log(1 - x)), each log clamped at -100."""
    return -(target * _clamped_log(input) + (1.0 - target) * _clamped_log1m(input))


def _clamped_log1m(p):
    """max(log1p(-p), -100), PyTorch's log(1 - x) term (accurate for tiny x), with a finite gradient."""
    from .unary import log1p
    x = p.array
    below_one = float(np.nextafter(np.array(1.0, x.dtype), np.array(0.0, x.dtype)))
    keep = (1.0 - x.astype(np.float64)) >= _LOG_FLOOR
    value = log1p(-clip(p, None, below_one))
    if bool(keep.all()):
        return value
    keep = keep.astype(x.dtype)
    return value * Tensor(keep) + Tensor((keep - 1) * x.dtype.type(100))


@float32_op   # autocast: computed in float32, as PyTorch's autocast float32 list
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Sigmoid + binary cross-entropy in one stable expression (PyTorch's).

    loss = (1 - t) * x + (1 + (pos_weight - 1) * t) * softplus(-x), times
    ``weight``; softplus(-x) = log(1 + exp(-|x|)) - min(x, 0) never overflows.
    Shapes: input (*) logits, target (*) of the same shape, ``weight``
    broadcastable to it, ``pos_weight`` broadcastable along the last (class)
    dimension -> scalar, or (*) with reduction "none".
    """
    reduction = reduction_arg("binary_cross_entropy_with_logits", size_average, reduce, reduction)
    target = _target("binary_cross_entropy_with_logits", input, target, same_shape=True)
    m = minimum(input, 0.0)
    softplus_neg = log(exp(m * 2.0 - input) + 1.0) - m      # exp(2m - x) = exp(-|x|)
    if pos_weight is not None:
        log_weight = (_operand(pos_weight, input) - 1.0) * target + 1.0
        softplus_neg = log_weight * softplus_neg
    loss = (1.0 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * _operand(weight, input)
    return name_grad_fn(_reduce(loss, reduction), "BinaryCrossEntropyWithLogitsBackward0",
                        saved=(input, target, weight, pos_weight))
