"""``Bidirectional``: runs a recurrent layer forwards and a copy of it backwards over the steps and
merges the two outputs (``concat`` by default), as ``keras.layers.Bidirectional``."""
from __future__ import annotations

import copy

from minidl.keras._tensor import to_external, to_internal
from minidl.keras.layers._rnn_state import RecurrentStateMixin
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
        if not hasattr(layer, "go_backwards"):  # (Keras fails re-creating the reversed copy: a TypeError)
            raise TypeError(f"{type(layer)} could not be deserialized properly: `Bidirectional` wraps a recurrent "
                            "layer (one with `go_backwards`)")
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
        for sub in (fwd, bwd):
            sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences, self.return_state = fwd.return_sequences, fwd.return_state
        self.stateful = bool(getattr(fwd, "stateful", False))
        self._initial_weights = list(weights) if weights else None

    supports_masking = True

    @property
    def layer(self):
        """The forward layer (Keras keeps the wrapped layer's config under ``layer``)."""
        return self.forward_layer

    # a functional node's [sequences, *initial states] (shapes and values), as the recurrent layers split them
    _sequence_shape = staticmethod(RecurrentStateMixin._sequence_shape)
    _split_sequences = staticmethod(RecurrentStateMixin._split_sequences)

    def _keras_node_kwargs(self, args):
        """A saved node's ``(args, kwargs)`` as Keras writes it: the sequences, then ``initial_state``."""
        return (args[:1], {"initial_state": list(args[1:])}) if len(args) > 1 else (args, {})

    def build(self, input_shape):
        """Build both layers for (batch, steps, features) inputs."""
        input_shape = self._sequence_shape(input_shape)
        self.forward_layer._ensure_built(tuple(input_shape))
        self.backward_layer._ensure_built(tuple(input_shape))
        self.built = True
        if self._initial_weights is not None:
            half = len(self._initial_weights) // 2
            self.forward_layer.set_weights(self._initial_weights[:half])
            self.backward_layer.set_weights(self._initial_weights[half:])
            self._initial_weights = None

    def compute_output_shape(self, input_shape):
        """The merged output's shape (two for ``merge_mode=None``); with ``return_state``, followed by the
        forward layer's state shapes and then the backward layer's (Keras' order)."""
        input_shape = self._sequence_shape(input_shape)
        shape = self.forward_layer.compute_output_shape(tuple(input_shape))
        states = []
        if self.return_state:
            shape, states = shape[0], list(shape[1:])
            states += list(self.backward_layer.compute_output_shape(tuple(input_shape))[1:])
        shape = tuple(shape)
        if self.merge_mode == "concat":
            outputs = [shape[:-1] + (None if shape[-1] is None else 2 * shape[-1],)]
        else:
            outputs = [shape, shape] if self.merge_mode is None else [shape]
        if not self.return_state:
            return outputs if self.merge_mode is None else outputs[0]
        return outputs + [tuple(s) for s in states]

    def compute_mask(self, inputs, mask=None):
        """The input mask when ``return_sequences`` (one per output for ``merge_mode=None``), else None; None
        for each state with ``return_state``."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out_mask = mask if self.return_sequences else None
        masks = [out_mask, out_mask] if self.merge_mode is None else [out_mask]
        if not self.return_state:
            return masks if self.merge_mode is None else masks[0]
        return masks + [None] * (2 * len(self.forward_layer._state_sizes()))

    def _forward(self, x, training=False):
        return self._forward_masked(x, None, training)

    def _forward_masked(self, x, mask, training=False, initial_state=None):
        x, initial_state = self._split_sequences(x, initial_state)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        forward_state = backward_state = None
        if initial_state is not None:   # Keras: the first half starts the forward layer, the rest the backward
            half = len(initial_state) // 2
            forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer._forward_masked(x, mask, training, forward_state)
        y_rev = self.backward_layer._forward_masked(x, mask, training, backward_state)
        states = []
        if self.return_state:
            (y, *forward_states), (y_rev, *backward_states) = y, y_rev
            states = forward_states + backward_states
        y, y_rev = to_external(y), to_external(y_rev)  # merged in Keras' layout (a 4-D output is NCHW inside)
        if self.return_sequences:
            y_rev = y_rev.flip(1)
        if self.merge_mode == "concat":
            outputs = [_shape.concat([y, y_rev], -1)]
        elif self.merge_mode == "sum":
            outputs = [y + y_rev]
        elif self.merge_mode == "ave":
            outputs = [(y + y_rev) * 0.5]
        elif self.merge_mode == "mul":
            outputs = [y * y_rev]
        else:
            outputs = [y, y_rev]
        outputs = [to_internal(o) for o in outputs]
        if not self.return_state:
            return outputs if self.merge_mode is None else outputs[0]
        return outputs + states

    def __call__(self, inputs, *args, initial_state=None, **kwargs):
        if args and initial_state is None and isinstance(inputs, KerasTensor):   # a reloaded node's parents
            initial_state, args = list(args), ()
        if initial_state is not None and isinstance(inputs, KerasTensor):
            # a node whose parents are the sequences, then the forward layer's states, then the backward's
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            if not all(isinstance(s, KerasTensor) for s in states):
                raise TypeError(f"Layer {self.name}: in a functional model the sequences and every initial state "
                                "must be symbolic tensors")
            return super().__call__(inputs, *states, *args, **kwargs)
        if isinstance(inputs, KerasTensor):
            return super().__call__(inputs, *args, **kwargs)
        if self.merge_mode is None or self.return_state or initial_state is not None:
            # eager: a list of outputs (Layer.__call__ expects one), or given first states
            from minidl.keras._tensor import as_tensor
            from minidl.keras.layers._mask import as_mask
            from minidl.keras.layers._symbolic import eager_training
            t = as_tensor(inputs)
            self._ensure_built((None,) + tuple(t.shape[1:]))
            training = kwargs.get("training")
            mask = as_mask(getattr(inputs, "_keras_mask", None) if kwargs.get("mask") is None else kwargs["mask"])
            if initial_state is not None:
                initial_state = [to_internal(as_tensor(s)) for s in
                                 (initial_state if isinstance(initial_state, (list, tuple)) else [initial_state])]
            out = self._forward_masked(to_internal(t), mask, eager_training(self, training), initial_state)
            return [to_external(o) for o in out] if isinstance(out, list) else to_external(out)
        return super().__call__(inputs, *args, **kwargs)

    @property
    def states(self):
        """The kept states of a stateful pair: the forward layer's, then the backward's (None otherwise)."""
        forward, backward = self.forward_layer.__dict__.get("states"), self.backward_layer.__dict__.get("states")
        return tuple(list(forward) + list(backward)) if forward and backward else None

    def reset_state(self):
        """Zero the kept states of both layers (a stateful pair only, as Keras)."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self):
        """Same as :meth:`reset_state`."""
        self.reset_state()

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
