"""``F.linear_cross_entropy`` and ``nn.LinearCrossEntropyOptions`` (PyTorch 2.13): cross entropy of linearly
projected inputs, ``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``.

PyTorch's ``options`` select a chunked implementation that never holds the
whole (N, C) logits at once; it computes the same loss. minidl validates the
options as PyTorch does (and warns where PyTorch falls back to the reference
path) and always computes the reference path, so values and gradients are the
reference ones.
"""
from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np

from minidl.tensor import Tensor

__all__ = ["LinearCrossEntropyOptions", "linear_cross_entropy"]

_ACC_POLICIES = ("accurate", "balanced", "compact", "auto")


@dataclasses.dataclass
class LinearCrossEntropyOptions:
    """Chunking options of :func:`linear_cross_entropy` (PyTorch's fields and checks).

    ``allow_retain_graph`` (bool), ``batch_chunk_size`` (positive int or None), ``chunking_method``
    ("auto", "aspect_ratio", "aspect_ratio:N" or None), ``acc_policy`` ("accurate", "balanced", "compact",
    "auto"), ``acc_dtype`` (None or a floating dtype). They tune memory only: minidl's results do not
    depend on them.
    """

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: object = None

    def __post_init__(self):
        if self.acc_policy not in _ACC_POLICIES:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        if self.chunking_method is not None and self.chunking_method != "auto":
            name, sep, factor = self.chunking_method.partition(":")
            if not sep:
                factor = "1"
            if not (name == "aspect_ratio" and factor.isdigit() and int(factor) > 0):
                raise ValueError(f"invalid chunking_method: {self.chunking_method!r}")
        if not (self.batch_chunk_size is None or (isinstance(self.batch_chunk_size, int)
                                                  and not isinstance(self.batch_chunk_size, bool)
                                                  and self.batch_chunk_size > 0)):
            raise ValueError(f"batch_chunk_size must be positive int or None, got {self.batch_chunk_size!r}")
        if self.acc_dtype is not None:
            try:
                kind = np.dtype(self.acc_dtype)
            except TypeError:
                kind = None
            if kind is None or kind not in (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)):
                raise ValueError(f"acc_dtype must be one of {{None, torch.float16, torch.bfloat16, torch.float32, "
                                 f"torch.float64}}, got {self.acc_dtype!r}. Pass acc_dtype=None to let the op pick "
                                 f"automatically.")


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None, reduction="mean",
                         ignore_index=None, label_smoothing=0.0, options=None):
    """Cross entropy between ``linear(input, linear_weight, linear_bias)`` and ``target``.

    Shapes: input (in_features,) or (N, in_features); linear_weight (C, in_features), or (C, d1, ..., dK,
    in_features) for a K-dimensional loss (batched input only); linear_bias (C,) or (C, d1, ..., dK); target
    class ids (), (N,) or (N, d1, ..., dK), or class probabilities shaped like the logits. ``ignore_index``
    None means -100 (and must stay None with probability targets). Returns the loss as ``cross_entropy``.
    """
    from minidl.ops.conv import linear
    from minidl.ops.loss import cross_entropy
    for label, value in (("input", input), ("linear_weight", linear_weight), ("target", target)):
        if not isinstance(value, Tensor):
            raise TypeError(f"linear_cross_entropy(): {label} must be a Tensor, got {type(value).__name__}")
    if input.ndim < 1 or input.ndim > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.ndim}")
    if linear_weight.ndim < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.ndim}")
    batches, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError(f"expected equal input and linear_weight last dimensions (in_features), got "
                           f"{in_features} and {linear_weight.shape[-1]}, respectively")
    num_classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and not batches:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} "
                           f"requires batched input, (N, {in_features}), got unbatched input with shape "
                           f"{tuple(input.shape)}")
    logits_shape = (*batches, num_classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    ignore_index = -100 if ignore_index is None else ignore_index
    if options is not None and (out_features or reduction not in ("mean", "sum", "none") or label_smoothing != 0.0
                                or target.array.dtype != np.int64):
        warnings.warn(f"linear_cross_entropy: ``options`` ignored; chunked path needs reduction in "
                      f"{{'mean','sum','none'}}, label_smoothing == 0, target.dtype == int64, out_features == (). "
                      f"Got reduction={reduction!r}, label_smoothing={label_smoothing}, target.dtype={target.dtype}, "
                      f"out_features={out_features}, tracing=False, linear_bias.shape="
                      f"{tuple(linear_bias.shape) if linear_bias is not None else None}.", stacklevel=2)
    flat = math.prod(out_features) * num_classes
    if out_features:
        linear_weight = linear_weight.reshape(flat, in_features)
        if linear_bias is not None:
            linear_bias = linear_bias.reshape(flat)
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction, ignore_index=ignore_index,
                         label_smoothing=label_smoothing)
