"""Keras 3's ``activity_regularizer``: after each call, a layer with one adds
``regularizer(output) / batch_size`` for each of its output tensors to its ``losses`` (terms of the
previous call replaced), which ``fit`` adds to the loss."""
from __future__ import annotations

from minidl.keras._tensor import to_external
from minidl.tensor import Tensor

__all__ = ["record_activity_losses"]


def record_activity_losses(layer, out):
    """Record ``layer.activity_regularizer``'s penalty on the internal-layout output(s) ``out``."""
    terms = []
    for value in out if isinstance(out, (list, tuple)) else [out]:
        if not isinstance(value, Tensor):
            continue
        loss = layer.activity_regularizer(to_external(value))
        if value.ndim > 0 and value.shape[0]:  # (Keras 3.15 normalises by the batch size)
            loss = loss / value.shape[0]
        terms.append(loss)
    layer.__dict__["_activity_losses"] = terms
