"""Further ``torch.nn.functional`` names built from existing differentiable operations: ``dropout3d``,
``feature_alpha_dropout``, ``channel_shuffle``, ``lp_pool1d``, ``lp_pool2d``, ``gumbel_softmax``, ``pdist``,
``max_unpool1d``, the ``*_with_indices`` pools, ``conv_transpose1d``, ``triplet_margin_with_distance_loss``
and ``multilabel_margin_loss``."""
from __future__ import annotations

import math
import warnings

import numpy as np

from minidl._errors import TargetIndexError
from minidl.backend import bernoulli_mask, to_numpy
from minidl.nn._conv1d import _single, max_pool1d
from minidl.nn._conv_transpose import conv_transpose2d
from minidl.nn._distance import pairwise_distance
from minidl.nn._pool1d_adaptive import adaptive_max_pool1d
from minidl.ops.activation import _in_place, relu, softmax
from minidl.ops.activation_more import SELU_ALPHA, SELU_SCALE
from minidl.ops.dropout import _check_p, keep_scale
from minidl.ops.elementwise import Where, sign
from minidl.ops.loss import _reduce, reduction_arg
from minidl.ops.pool import adaptive_max_pool2d, avg_pool2d
from minidl.ops.unpool import max_unpool2d
from minidl.ops.vector_norm import vector_norm
from minidl.tensor import Tensor

__all__ = ["dropout3d", "feature_alpha_dropout", "channel_shuffle", "lp_pool1d", "lp_pool2d", "gumbel_softmax",
           "pdist", "max_unpool1d", "max_pool1d_with_indices", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "conv_transpose1d", "triplet_margin_with_distance_loss",
           "multilabel_margin_loss"]


def _channel_mask(input, p, batched_ndim):
    """Bernoulli(1 - p) keep mask of shape (N, C, 1, ...) (or (C, 1, ...) unbatched), as input's dtype."""
    dt = input.array.dtype
    lead = 2 if input.ndim == batched_ndim else 1
    shape = tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
    return bernoulli_mask(input.xp, shape, 1.0 - p).astype(dt)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, D, H, W) (or unbatched (C, D, H, W)) input with probability ``p`` and
    scale the others by 1/(1-p); the identity when not ``training``."""
    _check_p("dropout3d", p)
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this warning, "
                      "please use dropout instead. Note that dropout3d exists to provide channel-wise dropout on "
                      "inputs with 3 spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 4D or 5D inputs).", UserWarning, stacklevel=2)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        scale = input.xp.zeros((1,) * input.ndim, dtype=input.array.dtype)
    else:
        scale = _channel_mask(input, p, 5) * keep_scale(input.array.dtype, p)

    def compute(t):
        return t * Tensor(scale)
    return _in_place("dropout3d", input, compute) if inplace else compute(input)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels of (N, C, *): a dropped channel takes SELU's negative saturation, and
    a * x + b keeps zero mean and unit variance (see ``alpha_dropout``). PyTorch's default: ``training=False``."""
    _check_p("feature_alpha_dropout", p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        def compute(t):
            return t * 0.0
    else:
        dt = input.array.dtype
        alpha = SELU_ALPHA * SELU_SCALE
        a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
        keep = _channel_mask(input, p, input.ndim if input.ndim > 1 else 2)
        shift = ((keep - 1) * (alpha * a) + alpha * a * p).astype(dt, copy=False)

        def compute(t):
            return t * Tensor((keep * a).astype(dt, copy=False)) + Tensor(shift)
    return _in_place("feature_alpha_dropout", input, compute) if inplace else compute(input)


def channel_shuffle(input, groups):
    """Interleave ``groups`` groups of channels (ShuffleNet): (N, C, *) -> (N, C, *), C divisible by groups."""
    if input.ndim < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    n, c = input.shape[0], input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    rest = tuple(input.shape[2:])
    return input.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(n, c, *rest)


def _lp_finish(pooled, norm_type, window):
    """(sign(s) * relu(|s|) * window) ** (1/p) of the pooled p-th powers s, as PyTorch writes it."""
    return (sign(pooled) * relu(pooled.abs()) * float(window)) ** (1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling (sum over each window of x**p) ** (1/p): (N, C, H, W) -> (N, C, OH, OW)."""
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    stride = (kh, kw) if stride is None else stride
    pooled = avg_pool2d(input ** norm_type, (kh, kw), stride, 0, ceil_mode)
    return _lp_finish(pooled, float(norm_type), kh * kw)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over L: (N, C, L) -> (N, C, L_out)."""
    k = _single(kernel_size, "lp_pool1d: kernel_size")
    s = k if stride is None else _single(stride, "lp_pool1d: stride")
    x = (input ** norm_type).unsqueeze(-2)
    pooled = avg_pool2d(x, (1, k), (1, s), 0, ceil_mode).squeeze(-2)
    return _lp_finish(pooled, float(norm_type), k)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """A sample of the Gumbel-softmax (concrete) distribution: softmax((logits + g) / tau) with g ~ Gumbel(0, 1)
    drawn from minidl's seeded generator; ``hard``: the one-hot of its arg-max, with the soft sample's gradient
    (straight-through). Shapes: (*, C) -> (*, C)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", UserWarning, stacklevel=2)
    # g = -log(E), E ~ Exponential(1), drawn as PyTorch draws it (the same numbers for the same seed)
    gumbels = -logits.detach().new_empty(tuple(logits.shape)).exponential_().log()
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    xp, d = logits.xp, dim % logits.ndim
    index = xp.expand_dims(xp.argmax(y_soft.array, axis=d), d)
    classes = xp.arange(logits.shape[d]).reshape([-1 if k == d else 1 for k in range(logits.ndim)])
    hot = (classes == index).astype(logits.array.dtype)
    return Tensor(hot) - y_soft.detach() + y_soft


def pdist(input, p=2):
    """p-norm distances between every pair of rows i < j of (N, M): (N * (N - 1) / 2,), row-major order."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    i, j = np.triu_indices(input.shape[0], 1)
    xp = input.xp
    diff = input[xp.asarray(i)] - input[xp.asarray(j)]
    return vector_norm(diff, p, 1)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool1d(..., return_indices=True)``: (N, C, L) -> (N, C, L_out), L_out =
    (L - 1) * stride - 2 * padding + kernel_size (or ``output_size``), zeros elsewhere."""
    k = _single(kernel_size, "max_unpool1d: kernel_size")
    s = k if stride is None else _single(stride, "max_unpool1d: stride")
    p = _single(padding, "max_unpool1d: padding")
    length = input.shape[-1]
    out_len = (length - 1) * s - 2 * p + k if output_size is None else int(tuple(output_size)[-1])
    out = max_unpool2d(input.unsqueeze(-2), indices.unsqueeze(-2), (1, k), (1, s), (0, p), (1, out_len))
    return out.squeeze(-2)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    """``max_pool1d`` returning ``(values, indices)`` (positions along L)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    """``adaptive_max_pool1d`` returning ``(values, indices)``."""
    return adaptive_max_pool1d(input, output_size, return_indices=True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    """``adaptive_max_pool2d`` returning ``(values, indices)`` (flat positions h * W + w)."""
    return adaptive_max_pool2d(input, output_size, return_indices=True)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 1-D convolution: input (N, C_in, L) or (C_in, L), weight (C_in, C_out/groups, k), bias
    (C_out,) -> (N, C_out, L_out), L_out = (L-1)*stride - 2*padding + dilation*(k-1) + output_padding + 1."""
    if weight.ndim != 3:
        raise RuntimeError(f"conv_transpose1d: expected a 3-D weight (C_in, C_out/groups, k), got shape "
                           f"{list(weight.shape)}")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"conv_transpose1d: expected a 3-D input (N, C, L) or 2-D (C, L), got input of shape "
                           f"{list(input.shape)}")
    out = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, _single(stride, "stride")),
                           (0, _single(padding, "padding")), (0, _single(output_padding, "output_padding")),
                           groups, (1, _single(dilation, "dilation")))
    return out.squeeze(-2)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) with any ``distance_function`` (default: pairwise_distance);
    ``swap``: d(a, n) replaced by min(d(a, n), d(p, n)). Shapes: (N, D) each -> scalar, or (N,)."""
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: expected margin to be greater than 0, got {margin} "
                         "instead")
    reduction = reduction_arg("triplet_margin_with_distance_loss", None, None, reduction)
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        from minidl.ops.math import minimum
        d_neg = minimum(d_neg, dist(positive, negative))
    return _reduce((d_pos - d_neg + margin).clamp(min=0), reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss: for each sample, the sum over its target classes j and the other classes i of
    max(0, 1 - (x[j] - x[i])), divided by C. ``target`` holds class ids, ended by the first -1.

    Shapes: input (C,) or (N, C), target of the same shape (int64) -> scalar, or (N,) with "none".
    """
    reduction = reduction_arg("multilabel_margin_loss", size_average, reduce, reduction)
    x = input if input.ndim == 2 else input.reshape(1, -1)
    ids = to_numpy(target.array if isinstance(target, Tensor) else np.asarray(target)).reshape(x.shape)
    if tuple(np.shape(target)) != tuple(input.shape) or input.ndim > 2:
        raise RuntimeError(f"inconsistent target size: {list(np.shape(target))} for input of size: "
                           f"{list(input.shape)}")
    n, c = x.shape
    counts = np.zeros((n, c))
    for row in range(n):
        for cls in ids[row]:
            if cls < 0:
                break
            if cls >= c:
                raise TargetIndexError(f"multilabel_margin_loss: target {int(cls)} is out of bounds for {c} classes")
            counts[row, cls] += 1
    others = counts == 0
    weights = counts[:, :, None] * others[:, None, :]                      # (N, target j, other i)
    z = relu(1 - x.unsqueeze(2) + x.unsqueeze(1))
    dt = input.array.dtype
    z = Where.apply(z * Tensor(input.xp.asarray(weights.astype(dt))), Tensor(input.xp.zeros((), dtype=dt)),
                    cond=input.xp.asarray(weights > 0))
    loss = z.sum(dim=(1, 2)) / c
    if input.ndim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)
