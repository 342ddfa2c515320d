"""``nn.LinearCrossEntropyLoss`` (PyTorch 2.13): a ``Linear`` projection to class logits and cross entropy."""
from __future__ import annotations

import math

from minidl.nn._linear_cross_entropy import linear_cross_entropy
from minidl.nn.layers.linear import Linear
from minidl.nn.layers.loss import _WeightedLoss

__all__ = ["LinearCrossEntropyLoss"]


class LinearCrossEntropyLoss(_WeightedLoss):
    """Cross entropy of ``self.linear(input)`` against ``target``.

    ``self.linear`` is ``Linear(in_features, num_classes * prod(out_features), bias=bias)``; its weight is
    viewed as (num_classes, *out_features, in_features) for a K-dimensional loss. Shapes: input (N,
    in_features) or (in_features,), target as in :func:`minidl.nn.functional.linear_cross_entropy`.

    >>> import minidl as mdl, minidl.nn as nn
    >>> loss = nn.LinearCrossEntropyLoss(4, 3)
    >>> loss(mdl.randn(5, 4), mdl.tensor([0, 2, 1, 1, 0])).shape
    minidl.Size([])
    """

    def __init__(self, in_features, num_classes, *, out_features=(), bias=False, device=None, dtype=None,
                 reduction="mean", weight=None, ignore_index=None, label_smoothing=0.0, options=None):
        if weight is not None and tuple(weight.shape) != (num_classes,):
            raise RuntimeError(f"expected weight shape to be {(num_classes,)}, got {tuple(weight.shape)}")
        if label_smoothing < 0 or label_smoothing > 1.0:
            raise RuntimeError(f"expected label_smoothing to be in range [0, 1], got {label_smoothing}")
        super().__init__(weight=weight, size_average=None, reduce=None, reduction=reduction)
        self.num_classes = num_classes
        self.out_features = out_features
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.linear = Linear(in_features, math.prod(out_features) * num_classes, bias=bias, device=device,
                             dtype=dtype)
        self.options = options

    def forward(self, input, target):
        """(N, in_features), target -> the loss (a scalar unless reduction="none")."""
        linear_weight = self.linear.weight.reshape(self.num_classes, *self.out_features, self.linear.in_features)
        linear_bias = (self.linear.bias.reshape(self.num_classes, *self.out_features)
                       if self.linear.bias is not None else None)
        return linear_cross_entropy(input, linear_weight, target, linear_bias=linear_bias, weight=self.weight,
                                    reduction=self.reduction, ignore_index=self.ignore_index,
                                    label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self) -> str:
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
                f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
                f"label_smoothing={self.label_smoothing}, options={self.options}")
