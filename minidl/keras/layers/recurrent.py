"""Recurrent layers of the Keras facade: ``SimpleRNN``, ``LSTM`` and ``GRU`` on (batch, steps, features).

Weights are stored in Keras' layout and names: ``kernel`` (features, gates * units),
``recurrent_kernel`` (units, gates * units) and ``bias``; gate order is Keras'
(LSTM: i, f, c, o; GRU: z, r, h, with ``reset_after=True``: bias (2, 3 * units)).
The time loop runs minidl Tensor ops, so gradients flow through every step.
A mask (from ``Embedding(mask_zero=True)``/``Masking``, or ``mask=``) skips the masked steps as
Keras does: the state carries over unchanged and the output there repeats the previous
output (zeros before the first unmasked step); with ``return_sequences`` the mask flows on.
"""
from __future__ import annotations

import minidl
from minidl.keras import activations as _activations
from minidl.keras.layers._mask import float_mask
from minidl.keras.layers._rnn_state import RecurrentStateMixin
from minidl.keras.layers.base import Layer
from minidl.keras.layers.rnn_cells import (
    dropout_masks,
    gru_step,
    lstm_bias_initializer,
    lstm_step,
    project_inputs,
    serialize_initializer,
    serialize_regularizer,
    simple_rnn_step,
)

__all__ = ["SimpleRNN", "LSTM", "GRU"]


class _RNN(RecurrentStateMixin, Layer):

    _call_training_default = False  # inference on a plain call, as Keras' `call(..., training=False)`
    _gates = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        self._extra = {k: kwargs.pop(k) for k in ("unit_forget_bias", "reset_after", "use_cudnn") if k in kwargs}
        self.zero_output_for_mask = bool(kwargs.pop("zero_output_for_mask", False))
        super().__init__(**kwargs)
        self._set_activity_regularizer(activity_regularizer)  # (a penalty on the outputs, as Keras)
        from minidl.keras.layers._constraint_args import set_constraints
        set_constraints(self, kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                        bias_constraint=bias_constraint)
        if int(units) <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a positive integer, "
                             f"got {units}.")
        self.units = int(units)
        self.activation = _activations.get(activation)
        self.recurrent_activation = _activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.recurrent_initializer = kernel_initializer, recurrent_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer, self.recurrent_regularizer = kernel_regularizer, recurrent_regularizer
        self.bias_regularizer = bias_regularizer
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful = bool(go_backwards), bool(stateful)
        self.seed = seed

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_values(self):
        return self.bias_initializer

    def _state_sizes(self):
        return [self.units] * len(self._initial_state(minidl.zeros(1, 1)))

    def build(self, input_shape):
        input_shape = self._sequence_shape(input_shape)
        self._check_stateful_batch(input_shape)
        features = input_shape[-1]
        if features is None:
            raise ValueError(f"{type(self).__name__} layer {self.name}: the last dimension of the input shape "
                             f"{tuple(input_shape)} must be known")
        n = self._gates * self.units
        self.kernel = self.add_weight((features, n), self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer)
        self.recurrent_kernel = self.add_weight((self.units, n), self.recurrent_initializer,
                                                name="recurrent_kernel", regularizer=self.recurrent_regularizer)
        if self.use_bias:
            self.bias = self.add_weight(self._bias_shape(), self._bias_values(), name="bias",
                                        regularizer=self.bias_regularizer)
        cell = _CellWeights(self).name  # Keras' weights belong to the layer's cell: lstm/lstm_cell/kernel
        for var, _ in self._weight_specs:
            head, _, tail = var.path.rpartition("/")
            var._path = f"{head}/{cell}/{tail}"
        self.built = True

    def compute_output_shape(self, input_shape):
        """The output's shape, followed by one (batch, units) per state with ``return_state``."""
        input_shape = self._sequence_shape(input_shape)
        batch, steps = input_shape[0], input_shape[1]
        out = (batch, steps, self.units) if self.return_sequences else (batch, self.units)
        return (out, *[(batch, self.units)] * len(self._state_sizes())) if self.return_state else out

    def _initial_state(self, x):
        return [minidl.zeros(x.shape[0], self.units, dtype=x.dtype)]

    supports_masking = True

    def compute_mask(self, inputs, mask=None):
        """The input mask when ``return_sequences`` (else None; a list with None states for
        ``return_state``)."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        return [out] + [None] * (2 if isinstance(self, LSTM) else 1) if self.return_state else out

    def _forward(self, x, training=False):
        return self._forward_masked(x, None, training)

    def _forward_masked(self, x, mask, training=False, initial_state=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        x, initial_state = self._split_sequences(x, initial_state)
        # Keras' masks: one per sequence (per gate when recurrent_dropout is on), the same at every step
        count = self._gates if 0 < self.recurrent_dropout < 1 else 1
        in_masks = dropout_masks((x.shape[0], 1, x.shape[2]), self.dropout, count, x.dtype) \
            if training and 0 < self.dropout < 1 else None
        projected = project_inputs(x, self.kernel, in_masks)
        self._recurrent_masks = dropout_masks((x.shape[0], self.units), self.recurrent_dropout, count, x.dtype) \
            if training and 0 < self.recurrent_dropout < 1 else None
        state = self._start_states(x, initial_state, lambda: self._initial_state(x))
        if len(state) != len(self._initial_state(x[:1])):
            raise ValueError(f"{type(self).__name__} {self.name}: initial_state has {len(state)} tensor(s), the layer "
                             f"has {len(self._initial_state(x[:1]))} state(s)")
        steps = range(x.shape[1] - 1, -1, -1) if self.go_backwards else range(x.shape[1])
        outputs = []
        keep = None if mask is None else float_mask(mask, x)  # (batch, steps, 1) of 0/1
        for t in steps:
            new_state = self._step(projected[:, t], state)
            if keep is None:
                state = new_state
            else:  # masked step: the state (and with it the output) carries over
                k = keep[:, t]
                state = [k * new + (1 - k) * old for new, old in zip(new_state, state)]
                if self.zero_output_for_mask:  # Keras' option (Bidirectional's sequences): zeros there
                    outputs.append(k * state[0])
                    continue
            outputs.append(state[0])
        self._recurrent_masks = None
        self._keep_states(state)
        out = minidl.stack(outputs, dim=1) if self.return_sequences else outputs[-1]
        return [out] + state if self.return_state else out

    def _keras_save_children(self):
        """Keras 3 keeps an RNN layer's weights in its ``cell``: files hold them under
        ``<layer>/cell/vars`` (the layer's own ``vars`` stay empty)."""
        return [("cell", _CellWeights(self))]

    def get_config(self):
        return dict(super().get_config(), units=self.units,
                    activation=_activations.serialize(self.activation),
                    recurrent_activation=_activations.serialize(self.recurrent_activation),
                    use_bias=self.use_bias, kernel_initializer=_serialize_init(self.kernel_initializer),
                    recurrent_initializer=_serialize_init(self.recurrent_initializer),
                    bias_initializer=_serialize_init(self.bias_initializer),
                    kernel_regularizer=_serialize_reg(self.kernel_regularizer),
                    recurrent_regularizer=_serialize_reg(self.recurrent_regularizer),
                    bias_regularizer=_serialize_reg(self.bias_regularizer), dropout=self.dropout,
                    **_constraint_config(self),
                    recurrent_dropout=self.recurrent_dropout, return_sequences=self.return_sequences,
                    return_state=self.return_state, go_backwards=self.go_backwards, stateful=self.stateful,
                    unroll=False, zero_output_for_mask=self.zero_output_for_mask, seed=self.seed, **self._extra)


def _constraint_config(layer):
    from minidl.keras.layers._constraint_args import constraint_config
    return constraint_config(layer, "kernel_constraint", "recurrent_constraint", "bias_constraint")


_serialize_init = serialize_initializer  # (older names, kept for importers)
_serialize_reg = serialize_regularizer


class _CellWeights:
    """The ``cell`` of a Keras RNN layer as weight files see it: ``<class>_cell`` holding the
    layer's kernel, recurrent_kernel and bias."""

    def __init__(self, layer):
        self.layer = layer
        self.name = f"{type(layer).__name__.lower().replace('simplernn', 'simple_rnn')}_cell"

    @property
    def weights(self):
        """The layer's weights (Keras' order)."""
        return self.layer.weights

    def get_weights(self):
        """NumPy copies in Keras' layout."""
        return self.layer.get_weights()

    def set_weights(self, weights):
        """Assign from NumPy arrays in Keras' layout."""
        self.layer.set_weights(weights)

    @property
    def state_size(self):
        """``[units, units]`` for an LSTM's (h, c), else ``units``."""
        units = self.layer.units
        return [units, units] if isinstance(self.layer, LSTM) else units

    @property
    def output_size(self):
        """``units``."""
        return self.layer.units

    def get_config(self):
        """The cell's config: the layer's, less the arguments of the RNN around it."""
        config = {k: v for k, v in self.layer.get_config().items() if k not in _RNN_ONLY_KEYS}
        config["name"] = self.name
        config.setdefault("seed", getattr(self.layer, "seed", None))  # (SimpleRNN's cell has one)
        return config

    def __getattr__(self, name):  # units, activation, kernel, ... as the layer holds them
        if name.startswith("_") or name == "layer":  # (private names: the saving code probes them)
            raise AttributeError(name)
        return getattr(self.layer, name)


_RNN_ONLY_KEYS = frozenset(("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                            "zero_output_for_mask", "use_cudnn", "activity_regularizer", "time_major"))


def _cell(layer):
    """Keras' ``layer.cell`` (``lstm_cell``, ...): a view of the layer's cell weights and arguments."""
    return _CellWeights(layer)


_RNN.cell = property(_cell, doc="The layer's cell (Keras' ``LSTMCell`` / ``GRUCell`` / ``SimpleRNNCell``), as a "
                                "view: its name, units, state_size, weights and config.")


class SimpleRNN(_RNN):
    """``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``."""

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation")  # Keras' SimpleRNN has none
        config.pop("seed", None)  # nor a seed in its config
        return config

    def _step(self, z, state):
        return simple_rnn_step(self, z, state)


class LSTM(_RNN):
    """Long short-term memory (Keras' gates i, f, c, o; ``unit_forget_bias=True`` starts f's bias at 1)."""

    _gates = 4

    def _bias_values(self):
        return lstm_bias_initializer(self.bias_initializer, self.units, self._extra.get("unit_forget_bias", True))

    def _initial_state(self, x):
        return [minidl.zeros(x.shape[0], self.units, dtype=x.dtype) for _ in range(2)]

    def _step(self, z, state):
        return lstm_step(self, z, state)


class GRU(_RNN):
    """Gated recurrent unit, Keras' ``reset_after=True`` form (bias (2, 3 * units): input and recurrent)."""

    _gates = 3

    def _bias_shape(self):
        return (2, 3 * self.units) if self._extra.get("reset_after", True) else (3 * self.units,)

    def _step(self, z, state):
        return gru_step(self, z, state, self._extra.get("reset_after", True))

