"""``Wrapper`` (the base of layers that wrap another layer) and ``TimeDistributed`` (applies a layer
to every time step of a sequence), with Keras 3's arguments and weight-file layout (the wrapped
layer's weights under ``<wrapper key>/layer/vars``)."""
from __future__ import annotations

import copy

from minidl.keras._tensor import to_external, to_internal
from minidl.keras.layers.base import KerasTensor, Layer
from minidl.tensor import Tensor

__all__ = ["Wrapper", "TimeDistributed"]


class Wrapper(Layer):
    """Abstract base of wrappers: holds the wrapped ``layer`` (its weights are the wrapper's, its
    config is nested under ``"layer"`` in :meth:`get_config`). Subclass it and implement the call."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to Wrapper isn't a supported layer type. Please ensure "
                             "wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        """Build the wrapped layer for ``input_shape``."""
        self.layer._ensure_built(input_shape)
        self.built = True

    def _keras_save_children(self):
        """Keras' weight files keep the wrapped layer's weights under ``layer/``."""
        return [("layer", self.layer)]

    def get_config(self):
        entry = {"module": "keras.layers", "class_name": type(self.layer).__name__,
                 "config": self.layer.get_config(), "registered_name": None}
        return dict(super().get_config(), layer=entry)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A wrapper from :meth:`get_config` (or Keras'), with the wrapped layer rebuilt from its entry."""
        from minidl.keras.models.saving import _layer_from_entry
        config = copy.deepcopy(config)
        layer = config.pop("layer")
        if isinstance(layer, dict):
            layer = _layer_from_entry(layer, custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Apply ``layer`` to every time step: (batch, time, ...) -> (batch, time, ...layer's output).

    The same weights serve every step (they are the wrapped layer's). Steps are folded into the
    batch (one call of ``layer`` on (batch * time, ...)), so ``Dense``, ``Conv2D`` (on
    (batch, time, h, w, c) videos) and any per-sample layer work. A (batch, time) mask passes
    through unchanged; a layer that reads masks gets it folded the same way.
    """

    supports_masking = True

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. "
                             f"Received: {layer}")
        super().__init__(layer, **kwargs)

    def _child_input_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3 or \
                isinstance(input_shape[0], (tuple, list)):
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                             f"dimensions, received: {input_shape}")
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        """Build the wrapped layer for one step: ``(batch,) + input_shape[2:]``."""
        super().build(self._child_input_shape(tuple(input_shape)))

    def compute_output_shape(self, input_shape):
        child_input = self._child_input_shape(tuple(input_shape))
        if self.layer._traces_call():  # a user layer with `call` only: its shape from a stand-in run
            child = tuple(self.layer._traced_output_shape(KerasTensor(child_input), None))
        else:
            child = tuple(self.layer.compute_output_shape(child_input))
        return (child[0], input_shape[1], *child[1:])

    def compute_mask(self, inputs, mask=None):
        """The input mask, unchanged."""
        return mask

    def _forward(self, x, training=False):
        return self._forward_masked(x, None, training)

    def _forward_masked(self, x, mask, training=False):
        xe = to_external(x)
        shape = tuple(xe.shape)
        if len(shape) < 3:
            raise ValueError(f"TimeDistributed layer {self.name}: inputs must be at least 3-D (batch, time, ...), "
                             f"received shape {shape}")
        batch, steps = shape[0], shape[1]
        if mask is not None:
            if mask.ndim < 2 or tuple(mask.shape[:2]) != (batch, steps):
                raise ValueError(f"The `mask` passed to the `TimeDistributed` layer has a shape "
                                 f"{tuple(mask.shape)} that is incompatible with the input shape {shape}. The first "
                                 "two dimensions of the mask (batch size and timesteps) must match the input's "
                                 f"first two dimensions. Expected mask shape prefix: ({batch}, {steps}).")
        if training and _has_batch_statistics(self.layer):  # Keras runs the layer step by step: batch
            return self._forward_steps(xe, mask, training)   # statistics (and their updates) per time step
        folded = to_internal(xe.reshape((batch * steps,) + shape[2:]))
        inner_mask = None
        if mask is not None and self.layer._mask_consumer():
            inner_mask = Tensor(mask.array.reshape((batch * steps,) + tuple(mask.shape[2:])))
        out, _ = self.layer._call_masked(folded, inner_mask, training)
        out = to_external(out)
        return to_internal(out.reshape((batch, steps) + tuple(out.shape[1:])))

    def _forward_steps(self, xe, mask, training):
        """One call of the wrapped layer per time step, stacked on the time axis (Keras' static-steps loop)."""
        from minidl import stack
        outs = []
        for i in range(xe.shape[1]):
            inner_mask = Tensor(mask.array[:, i]) if mask is not None and self.layer._mask_consumer() else None
            out, _ = self.layer._call_masked(to_internal(xe[:, i]), inner_mask, training)
            outs.append(to_external(out))
        return to_internal(stack(outs, 1))


def _has_batch_statistics(layer):
    """True when ``layer`` (or one inside it) normalises with batch statistics in training."""
    from minidl.keras.layers.normalization import BatchNormalization
    if isinstance(layer, BatchNormalization):
        return True
    return any(_has_batch_statistics(sub) for sub in layer._sublayers())
