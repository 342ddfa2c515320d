"""Classification losses with PyTorch's signatures: ``cross_entropy`` and ``nll_loss``.

Cross-entropy with smoothing eps over C classes (Szegedy et al. 2016, sec. 7),
class weights w and targets t (PyTorch's definition):

    loss_i = -(1 - eps) * w[t_i] * logp[i, t_i] - (eps / C) * sum_c w[c] * logp[i, c]

and "mean" divides the sum over the non-ignored targets by sum_i w[t_i] (the
count of non-ignored targets without weights). Both terms are one weighted
sum ``-(logp * K).sum(class_dim)`` with a constant K = (1 - eps) * w[t] *
onehot(t) + eps / C * w, zero on ignored targets, so the general case is a
composition of differentiable primitives (log_softmax, multiply, sum). The
plain case (2-D input, no weights, no ignored target) keeps the fused
``CrossEntropy`` function, whose gradient with respect to the logits is
softmax - (1 - eps) * onehot - eps / C.
"""
from __future__ import annotations

import warnings

import numpy as np

from minidl._errors import ArgumentError, ShapeError

from ..autograd import Function
from ..autograd.autocast_state import float32_op
from ..autograd.naming import name_grad_fn
from ..backend import get_array_module, is_device_array, is_meta_array, to_device
from ..tensor import Tensor, as_tensor
from .activation import _log_softmax, log_softmax

__all__ = ["cross_entropy", "nll_loss", "reduction_arg"]

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss, reduction):
    if reduction == "mean":
        if isinstance(loss, Tensor):
            if loss.array.size == 0:  # the mean of an empty batch is NaN (PyTorch), without NumPy's warning
                return loss.sum() * float("nan")
        elif loss.size == 0:
            return get_array_module(loss).full((), float("nan"), dtype=loss.dtype)
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
    if reduction == "mean" and n:
        g = g / n
    return xp.broadcast_to(g.reshape(1, 1), (n, 1))


def _scale_grad_tensor(g, n, reduction):
    """:func:`_scale_grad` for a Tensor gradient: (N, 1) for "none", else (1, 1) (broadcast by the product)."""
    from .shape import Reshape
    if reduction == "none":
        return Reshape.apply(g, shape=(-1, 1))
    if reduction == "mean":
        g = g / n
    return Reshape.apply(g, shape=(1, 1))


def _target_weights(xp, shape, target, smoothing, dtype):
    """(1 - eps) * onehot(target) + eps / C: the constant part of the cross-entropy gradient."""
    n, c = shape
    w = xp.full(shape, smoothing / c, dtype=dtype)
    w[xp.arange(n), target] += dtype.type(1 - smoothing)
    return w


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

    def backward_graph(self, g):
        from .activation import Softmax
        xp = get_array_module(self.logp)
        n = self.logp.shape[0]
        p = Softmax.apply(self.inputs[0], axis=1)
        onehot = Tensor(_target_weights(xp, self.logp.shape, self.target, self.smoothing, self.logp.dtype))
        return (p - onehot) * _scale_grad_tensor(g, n, self.reduction)


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

    def backward_graph(self, g):
        xp = get_array_module(g.array)
        minus_onehot = -_target_weights(xp, self.shape, self.target, 0.0, self.dtype)
        return Tensor(minus_onehot) * _scale_grad_tensor(g, self.shape[0], self.reduction)


class TargetOutOfRangeError(IndexError, ValueError):
    """A class-id target outside [0, C) (PyTorch raises IndexError; minidl's older API ValueError)."""


def reduction_arg(name, size_average, reduce, reduction):
    """The reduction string, honouring PyTorch's deprecated ``size_average``/``reduce`` flags."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", UserWarning, stacklevel=3)   # PyTorch's advice
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      UserWarning, stacklevel=3)                                # PyTorch's warning
        reduction = "mean"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    return reduction


def _raw(value, like):
    """``value`` (Tensor, array, list, scalar) as a backend array on ``like``'s device."""
    if isinstance(value, Tensor):
        return value.array
    arr = value if is_device_array(value) else np.asarray(value)
    return to_device(arr, like.device) if like.device.type != "cpu" else arr


def _class_targets(name, input, target, ignore_index):
    """Validate class-id targets for input (N, C, d1...) or (C,); returns int64 targets (N, d1...)."""
    t = _raw(target, input)
    expected = (input.shape[0],) + tuple(input.shape[2:]) if input.ndim >= 2 else ()
    if tuple(t.shape) != expected:
        raise ShapeError(f"{name}: target must be class ids of shape {expected} for input of shape "
                         f"{tuple(input.shape)}, got shape {tuple(t.shape)}")
    if t.dtype.kind not in "iu":
        if t.dtype.kind == "f" and bool((t == t.astype(np.int64)).all()):
            t = t.astype(np.int64)
        else:
            raise ShapeError(f"{name}: target must hold integer class ids, got dtype {t.dtype}")
    t = t.astype(np.int64, copy=False)
    n_classes = input.shape[1] if input.ndim >= 2 else input.shape[0]
    valid = t != ignore_index
    if t.size and not is_meta_array(t):   # a meta target has no ids to check
        bad = t[valid & ((t < 0) | (t >= n_classes))]
        if bad.size:
            raise TargetOutOfRangeError(f"{name}: target class {int(bad.reshape(-1)[0])} is out of range "
                                        f"for {n_classes} classes (input shape {tuple(input.shape)})")
    return t, valid


def _class_weight(name, weight, input, n_classes):
    """``weight`` as an array (C,) of the input's dtype and device, or None."""
    if weight is None:
        return None
    w = _raw(weight, input)
    if tuple(w.shape) != (n_classes,):
        raise ShapeError(f"{name}: weight must have shape ({n_classes},) for {n_classes} classes, "
                         f"got {tuple(w.shape)}")
    return w.astype(input.dtype, copy=False)


def _weighted_class_sum(name, logp, t, valid, weight, reduction, smoothing):
    """-(logp * K).sum(class dim), reduced; K as in the module docstring.

    logp (N, C, d1...); t, valid (N, d1...) from :func:`_class_targets`.
    """
    xp = logp.xp
    c = logp.shape[1]
    w = _class_weight(name, weight, logp, c)
    dt = logp.dtype.type
    safe_t = xp.where(valid, t, 0)
    bshape = (1, c) + (1,) * (logp.ndim - 2)
    classes = xp.arange(c).reshape(bshape)
    valid_b = xp.expand_dims(valid, 1)
    k = ((classes == xp.expand_dims(safe_t, 1)) & valid_b).astype(logp.dtype)
    w_b = w.reshape(bshape) if w is not None else None
    if w_b is not None:
        k *= w_b
    if smoothing:
        k *= dt(1 - smoothing)
        k += (w_b if w_b is not None else dt(1)) * valid_b * dt(smoothing / c)
    per_item = -(logp * k).sum(axis=1)
    if reduction == "none":
        return per_item
    total = per_item.sum()
    if reduction == "sum":
        return total
    denom = float((w[safe_t] * valid).sum()) if w is not None else float(valid.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / denom


def _plain(input, t, valid, weight):
    """Whether the fused 2-D functions apply: no class weights, no ignored target."""
    return input.ndim == 2 and weight is None and (is_meta_array(valid) or bool(valid.all()))


def _batched(input, target):
    """An unbatched (C,) input and its target as a batch of one; (input, target, was_unbatched)."""
    if input.ndim != 1:
        return input, target, False
    t = _raw(target, input) if not isinstance(target, Tensor) else target
    return input.reshape(1, input.shape[0]), t.reshape((1,) + tuple(t.shape)), True


@float32_op   # autocast: computed in float32, as PyTorch's autocast float32 list
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy between logits and class ids or class probabilities (PyTorch's).

    Shapes: input (N, C), (N, C, d1, ...) or (C,) logits; target either class
    ids (N,), (N, d1, ...) or () (int64), or probabilities of the input's shape
    (floating). ``weight``: per-class weights (C,). ``ignore_index``: class-id
    targets equal to it add nothing and are not counted. ``reduction``: "mean"
    (weighted mean over the counted targets; over N*d1*... for probabilities),
    "sum" or "none" (per-item losses of the target's shape).
    ``label_smoothing`` in [0, 1] mixes the target with the uniform distribution.

    >>> import numpy as np, minidl as mdl, minidl.nn.functional as F
    >>> logits = mdl.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> round(F.cross_entropy(logits, np.array([0, 2])).item(), 4)   # mean of 0.2395 and log(3)
    0.6691
    """
    reduction = reduction_arg("cross_entropy", size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ArgumentError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    if input.ndim == 0:
        raise ValueError("cross_entropy: input must have a class dimension, got a 0-d tensor")
    target_shape = tuple(target.shape) if hasattr(target, "shape") else np.shape(target)
    probabilities = target_shape == tuple(input.shape) and np.dtype(
        target.dtype if hasattr(target, "dtype") else np.asarray(target).dtype).kind == "f"
    saved = (target, weight)   # what PyTorch's NllLoss node saves (besides log_softmax's result)
    input, target, unbatched = _batched(input, target)
    if probabilities:
        out = _probability_cross_entropy(input, target, weight, reduction, float(label_smoothing))
        node = "DivBackward1" if reduction == "mean" else "NegBackward0"
    else:
        t, valid = _class_targets("cross_entropy", input, target, ignore_index)
        if _plain(input, t, valid, weight):
            out = CrossEntropy.apply(input, target=t, reduction=reduction, smoothing=float(label_smoothing))
        else:
            out = _weighted_class_sum("cross_entropy", log_softmax(input, 1), t, valid, weight,
                                      reduction, float(label_smoothing))
        node = "AddBackward0" if label_smoothing else _nll_node_name(input.ndim, reduction)
    out = out.reshape(()) if unbatched and reduction == "none" else out
    return name_grad_fn(out, node, saved=saved)


def _nll_node_name(ndim, reduction):
    """PyTorch's grad_fn name of nll_loss on a (batched) input of ``ndim`` dims (cross_entropy's too):
    NllLoss for (N, C), NllLoss2D for more dims, seen through a View for reduction 'none' unless 4-D."""
    if ndim <= 2:
        return "NllLossBackward0"
    return "NllLoss2DBackward0" if reduction != "none" or ndim == 4 else "ViewBackward0"


def _probability_cross_entropy(input, target, weight, reduction, smoothing):
    """-(sum_c w_c * p_c * logp_c), p the (smoothed) target probabilities; mean over N*d1*..."""
    c = input.shape[1]
    p = as_tensor(target, like=input) if isinstance(target, Tensor) else Tensor(_raw(target, input))
    if p.dtype != input.dtype:
        from .math import Cast
        p = Cast.apply(p, dtype=input.dtype)
    if smoothing:
        p = p * (1.0 - smoothing) + smoothing / c
    w = _class_weight("cross_entropy", weight, input, c)
    if w is not None:
        p = p * Tensor(w.reshape((1, c) + (1,) * (input.ndim - 2)))
    per_item = -(log_softmax(input, 1) * p).sum(axis=1)
    if reduction == "none":
        return per_item
    total = per_item.sum()
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / float(input.array.size // c if c else 0)


@float32_op   # autocast: computed in float32, as PyTorch's autocast float32 list
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of log-probabilities at class-id targets (PyTorch's).

    Shapes: input (N, C), (N, C, d1, ...) or (C,); target (N,), (N, d1, ...)
    or () int64. ``weight``, ``ignore_index`` and ``reduction`` as in
    :func:`cross_entropy` ("mean" divides by the summed weights of the
    counted targets).
    """
    reduction = reduction_arg("nll_loss", size_average, reduce, reduction)
    if input.ndim == 0:
        raise ValueError("nll_loss: input must have a class dimension, got a 0-d tensor")
    saved = (input, target, weight)   # what PyTorch's NllLoss node saves
    input, target, unbatched = _batched(input, target)
    t, valid = _class_targets("nll_loss", input, target, ignore_index)
    if _plain(input, t, valid, weight):
        out = NLLLoss.apply(input, target=t, reduction=reduction)
    else:
        out = _weighted_class_sum("nll_loss", input, t, valid, weight, reduction, 0.0)
    out = out.reshape(()) if unbatched and reduction == "none" else out
    return name_grad_fn(out, _nll_node_name(input.ndim, reduction), saved=saved)
