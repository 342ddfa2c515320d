"""Keras masks: which timesteps of a sequence are padding, carried from layer to layer.

A mask is a bool Tensor of the input's leading dimensions (a sequence
(batch, steps, features) has a (batch, steps) mask). ``Embedding(mask_zero=
True)`` and ``Masking`` create one; a layer with ``supports_masking`` passes
it on through :meth:`compute_mask` (by default unchanged); mask-consuming
layers (``LSTM``/``GRU``/``SimpleRNN``, ``GlobalAveragePooling1D``, user
layers whose ``call`` takes ``mask``) read it; a layer that does not support
masking drops it with Keras' warning. The losses and metrics of ``fit`` and
``evaluate`` skip the masked entries of an output that carries a mask.
"""
from __future__ import annotations

import inspect
import warnings

import numpy as np

from minidl import backend
from minidl.keras._tensor import to_external
from minidl.tensor import Tensor

__all__ = ["MaskingMixin", "as_mask", "any_mask", "float_mask", "mask_weights"]


def as_mask(mask):
    """A bool Tensor (or a list of them / None) from a mask given as a Tensor, an array or a list."""
    if mask is None:
        return None
    if isinstance(mask, (list, tuple)) and any(m is None or hasattr(m, "shape") for m in mask):
        return [as_mask(m) for m in mask]
    arr = mask.array if isinstance(mask, Tensor) else mask
    if backend.device_of(arr).type == "cpu":
        arr = np.asarray(arr)
    if arr.dtype != np.bool_:
        arr = arr.astype(bool)
    return mask if isinstance(mask, Tensor) and mask.array is arr else Tensor(arr)


def any_mask(mask) -> bool:
    """True when ``mask`` (one mask or a list of them) holds a mask."""
    if isinstance(mask, (list, tuple)):
        return any(m is not None for m in mask)
    return mask is not None


def float_mask(mask, like) -> Tensor:
    """The mask as 0/1 values of ``like``'s dtype on its device, with a trailing axis of size 1
    when ``like`` has one more dimension (a (batch, steps) mask on (batch, steps, features))."""
    arr = mask.array if isinstance(mask, Tensor) else mask
    values = arr.astype(like.array.dtype)
    if values.ndim == like.ndim - 1:
        values = values[..., None]
    return Tensor(values)


def mask_weights(mask, values_shape, sample_weight=None, rescale=True):
    """Keras' ``apply_mask``: NumPy weights for per-entry loss/metric values of ``values_shape``:
    the mask (as 0/1; with ``rescale``, valid entries weigh ``total / valid`` so that a
    sum-over-batch-size reduction gives the mean over valid entries) times ``sample_weight``."""
    m = np.asarray(backend.to_device(mask.array if isinstance(mask, Tensor) else mask, "cpu"), dtype=np.float32)
    if m.shape != tuple(values_shape)[:m.ndim] or m.ndim > len(values_shape):
        return sample_weight  # a mask of another shape says nothing about these values
    if rescale:
        valid = float(m.sum())
        m = m * (m.size / valid if valid else 0.0)
    if sample_weight is None:
        return m
    w = np.asarray(sample_weight, dtype=np.float32)
    while w.ndim < m.ndim:
        w = w[..., None]
    return m * w


class MaskingMixin:
    """Keras' masking protocol for :class:`~minidl.keras.layers.Layer`: ``supports_masking``,
    ``compute_mask(inputs, previous_mask)`` and the internal mask-carrying call."""

    _makes_mask = False  # built-in layers that create a mask from their inputs alone set this

    @property
    def supports_masking(self) -> bool:
        """Whether the layer passes a mask on (default: it overrides :meth:`compute_mask`)."""
        value = self.__dict__.get("_supports_masking")
        if value is not None:
            return value
        return type(self).compute_mask is not MaskingMixin.compute_mask

    @supports_masking.setter
    def supports_masking(self, value):
        self.__dict__["_supports_masking"] = bool(value)

    def compute_mask(self, inputs, previous_mask):
        """The mask of the output for ``inputs`` (channels-last) and the incoming mask: unchanged."""
        return previous_mask

    def _call_takes_mask(self) -> bool:
        call = type(self).__dict__.get("call") or getattr(type(self), "call", None)
        return call is not None and "mask" in inspect.signature(call).parameters

    def _mask_consumer(self) -> bool:
        """True when the layer's computation reads the incoming mask."""
        if type(self)._forward_masked is not MaskingMixin._forward_masked:
            return True
        return self._call_takes_mask()

    def _forward_masked(self, x, mask, training=False):
        """The computation with the incoming mask (internal layout); default: a user ``call(..., mask=)``."""
        return self._forward_user(x, training, mask)

    def _may_create_mask(self) -> bool:
        if type(self).__module__.startswith("minidl.keras"):
            return self._makes_mask
        return type(self).compute_mask is not MaskingMixin.compute_mask

    def _output_mask(self, x, mask):
        """The mask the output carries (None when the layer does not support masking)."""
        if not self.supports_masking:
            functional = getattr(self, "_graph", None) is not None  # (Keras' Functional computes masks: no warning)
            if any_mask(mask) and not self.__dict__.get("_mask_warned") and not functional:
                self.__dict__["_mask_warned"] = True
                warnings.warn(f"Layer '{self.name}' (of type {type(self).__name__}) was passed an input with a "
                              "mask attached to it. However, this layer does not support masking and will "
                              "therefore destroy the mask information. Downstream layers will not see the "
                              "mask.", stacklevel=4)
            return None
        if isinstance(x, dict) or (not any_mask(mask) and not self._may_create_mask()):
            return None  # (a dict of inputs carries no masks)
        ext = [to_external(v) for v in x] if isinstance(x, (list, tuple)) else to_external(x)
        return as_mask(self.compute_mask(ext, mask))

    def _call_masked(self, x, mask, training=False):
        """``(output, output mask)`` on internal-layout ``x`` with the incoming ``mask``."""
        if any_mask(mask) and self._mask_consumer():
            out = self._forward_masked(x, mask, training)
        else:
            out = self._forward(x, training)
        if self.__dict__.get("activity_regularizer") is not None:
            from minidl.keras.layers._activity import record_activity_losses
            record_activity_losses(self, out)
        return out, self._output_mask(x, mask)
