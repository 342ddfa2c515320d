"""``Bidirectional``: runs a recurrent layer forwards and a copy of it backwards over the steps and
merges the two outputs (``concat`` by default), as ``keras.layers.Bidirectional``."""
from __future__ import annotations

import copy

from minidl.keras.layers.base import KerasTensor, Layer
from minidl.ops import shape as _shape

__all__ = ["Bidirectional"]

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _clone(layer, **overrides):
    """A new, unbuilt layer of ``layer``'s class from its config with ``overrides``."""
    config = dict(layer.get_config(), **overrides)
    return type(layer).from_config(config)


class Bidirectional(Layer):
    """Wraps a recurrent layer (``LSTM``/``GRU``/``SimpleRNN``) on (batch, steps, features): a copy
    named ``forward_<name>`` reads the steps in order, another named ``backward_<name>`` (or
    ``backward_layer``) reads them reversed; with ``return_sequences`` the backward outputs are
    flipped back into step order. ``merge_mode``: ``"concat"`` (default; (batch, [steps,]
    2 * units)), ``"sum"``, ``"mul"``, ``"ave"`` or ``None`` (a list of both outputs). A mask
    reaches both layers; their masked steps output zeros (Keras forces ``zero_output_for_mask``).
    Weights: the forward layer's, then the backward layer's (fresh, as Keras: the wrapped
    layer's own weights are not reused).
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a `keras.layers.Layer` "
                             f"instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                             '{"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        base = layer.name.removeprefix("forward_")
        self.forward_layer = _clone(layer, name=f"forward_{base}")
        if backward_layer is None:
            self.backward_layer = _clone(layer, name=f"backward_{layer.name.removeprefix('backward_')}",
                                         go_backwards=not layer.go_backwards)
        else:
            self.backward_layer = backward_layer
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError("Forward layer and backward layer should have different `go_backwards` value. "
                             f"Received: forward_layer.go_backwards {fwd.go_backwards}, "
                             f"backward_layer.go_backwards={bwd.go_backwards}")
        for attr in ("return_sequences", "return_state"):
            if getattr(fwd, attr) != getattr(bwd, attr):
                raise ValueError(f"Forward layer and backward layer are expected to have the same value for "
                                 f'attribute "{attr}", got "{getattr(fwd, attr)}" for forward layer and '
                                 f'"{getattr(bwd, attr)}" for backward layer')
        if fwd.return_state:
            raise NotImplementedError("Bidirectional: return_state=True is not supported by minidl.keras")
        for sub in (fwd, bwd):
            sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences, self.return_state = fwd.return_sequences, fwd.return_state
        self.stateful = False
        self._initial_weights = list(weights) if weights else None

    supports_masking = True

    @property
    def layer(self):
        """The forward layer (Keras keeps the wrapped layer's config under ``layer``)."""
        return self.forward_layer

    def build(self, input_shape):
        """Build both layers for (batch, steps, features) inputs."""
        self.forward_layer._ensure_built(tuple(input_shape))
        self.backward_layer._ensure_built(tuple(input_shape))
        self.built = True
        if self._initial_weights is not None:
            half = len(self._initial_weights) // 2
            self.forward_layer.set_weights(self._initial_weights[:half])
            self.backward_layer.set_weights(self._initial_weights[half:])
            self._initial_weights = None

    def compute_output_shape(self, input_shape):
        shape = tuple(self.forward_layer.compute_output_shape(tuple(input_shape)))
        if self.merge_mode == "concat":
            return shape[:-1] + (None if shape[-1] is None else 2 * shape[-1],)
        if self.merge_mode is None:
            return [shape, shape]
        return shape

    def compute_mask(self, inputs, mask=None):
        """The input mask when ``return_sequences`` (one per output for ``merge_mode=None``), else None."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if not self.return_sequences:
            return [None, None] if self.merge_mode is None else None
        return [mask, mask] if self.merge_mode is None else mask

    def _forward(self, x, training=False):
        return self._forward_masked(x, None, training)

    def _forward_masked(self, x, mask, training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        y = self.forward_layer._forward_masked(x, mask, training)
        y_rev = self.backward_layer._forward_masked(x, mask, training)
        if self.return_sequences:
            y_rev = y_rev.flip(1)
        if self.merge_mode == "concat":
            return _shape.concat([y, y_rev], -1)
        if self.merge_mode == "sum":
            return y + y_rev
        if self.merge_mode == "ave":
            return (y + y_rev) * 0.5
        if self.merge_mode == "mul":
            return y * y_rev
        return [y, y_rev]

    def __call__(self, inputs, *args, initial_state=None, **kwargs):
        if initial_state is not None:
            raise NotImplementedError("Bidirectional: initial_state is not supported by minidl.keras")
        if self.merge_mode is None and isinstance(inputs, KerasTensor):
            raise NotImplementedError("Bidirectional: merge_mode=None in a functional model is not supported "
                                      "by minidl.keras (call the layer on arrays instead)")
        if self.merge_mode is None:  # eager: the two outputs as a list (Layer.__call__ expects one)
            from minidl.keras._tensor import as_tensor
            from minidl.keras.layers._mask import as_mask
            from minidl.keras.layers._symbolic import eager_training
            t = as_tensor(inputs)
            self._ensure_built((None,) + tuple(t.shape[1:]))
            training = kwargs.get("training")
            mask = as_mask(getattr(inputs, "_keras_mask", None) if kwargs.get("mask") is None else kwargs["mask"])
            return self._forward_masked(t, mask, eager_training(self, training))
        return super().__call__(inputs, *args, **kwargs)

    def _keras_save_children(self):
        """Keras' weight files nest the two layers: ``forward_layer/...`` and ``backward_layer/...``."""
        return [("forward_layer", self.forward_layer), ("backward_layer", self.backward_layer)]

    def get_config(self):
        def entry(layer):
            return {"module": "keras.layers", "class_name": type(layer).__name__,
                    "config": layer.get_config(), "registered_name": None}
        return dict(super().get_config(), merge_mode=self.merge_mode, layer=entry(self.forward_layer),
                    backward_layer=entry(self.backward_layer))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A Bidirectional from :meth:`get_config` (or Keras') with the nested layer configs rebuilt."""
        from minidl.keras.models.saving import _layer_from_entry
        config = copy.deepcopy(config)
        config["layer"] = _layer_from_entry(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = _layer_from_entry(config["backward_layer"], custom_objects)
        return cls(**config)
