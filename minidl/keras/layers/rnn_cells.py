"""Keras' recurrent cells ``SimpleRNNCell``, ``LSTMCell``, ``GRUCell`` and ``StackedRNNCells``, and the
one-step functions that the cells and the ``SimpleRNN``/``LSTM``/``GRU`` layers share.

A cell computes one time step: ``cell(inputs, states)`` on ``inputs`` (batch, features) and a list
of states (batch, units) returns ``(output, new_states)``. Weights are Keras': ``kernel``
(features, gates * units), ``recurrent_kernel`` (units, gates * units), ``bias`` (gates * units,)
((2, 3 * units) for a GRU with ``reset_after=True``); gate order LSTM i, f, c, o and GRU z, r, h.
``keras.layers.RNN`` runs a cell over the steps of a sequence.
"""
from __future__ import annotations

import numpy as np

import minidl
from minidl.keras import activations as _activations
from minidl.keras.layers._symbolic import UNSET
from minidl.keras.layers.base import KerasTensor, Layer

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "simple_rnn_step", "lstm_step",
           "gru_step", "dropout_masks", "project_inputs", "lstm_bias_initializer", "serialize_initializer",
           "serialize_regularizer"]


# ----------------------------------------------------------------------------- shared step math
def dropout_masks(shape, rate, count, dtype):
    """``count`` Keras dropout masks of ``shape``: 0 (probability ``rate``) or 1 / (1 - rate)."""
    return [(minidl.rand(*shape) >= rate).to(dtype) / (1 - rate) for _ in range(count)]


def project_inputs(x, kernel, masks=None):
    """``x @ kernel``; with input-dropout ``masks`` (one, or one per gate as Keras draws them when
    ``recurrent_dropout`` is on), each gate's columns see ``x`` times its own mask."""
    if not masks:
        return minidl.matmul(x, kernel)
    if len(masks) == 1:
        return minidl.matmul(x * masks[0], kernel)
    u = kernel.shape[1] // len(masks)
    return minidl.cat([minidl.matmul(x * m, kernel[:, g * u:(g + 1) * u]) for g, m in enumerate(masks)], dim=-1)


def _recurrent_product(owner, h):
    """``h @ recurrent_kernel``, each gate's columns from ``h`` times its recurrent-dropout mask when the
    owner holds ``_recurrent_masks`` (set for one sequence in training)."""
    return project_inputs(h, owner.recurrent_kernel, getattr(owner, "_recurrent_masks", None))


def simple_rnn_step(owner, z, state):
    """``[activation(z + h @ recurrent_kernel + bias)]``; ``z`` = x_t @ kernel (batch, units),
    ``state`` = [h]. ``owner`` holds ``recurrent_kernel``, ``bias``, ``use_bias``, ``activation``."""
    z = z + _recurrent_product(owner, state[0])
    if owner.use_bias:
        z = z + owner.bias
    return [_activations.apply(owner.activation, z)]


def lstm_step(owner, z, state):
    """One LSTM step: ``z`` = x_t @ kernel (batch, 4 * units), ``state`` = [h, c]; returns [h, c]."""
    h, c = state
    z = z + _recurrent_product(owner, h)
    if owner.use_bias:
        z = z + owner.bias
    i, f, g, o = z.chunk(4, dim=-1)
    rec = owner.recurrent_activation
    c = _activations.apply(rec, f) * c + _activations.apply(rec, i) * _activations.apply(owner.activation, g)
    h = _activations.apply(rec, o) * _activations.apply(owner.activation, c)
    return [h, c]


def gru_step(owner, z, state, reset_after=True):
    """One GRU step: ``z`` = x_t @ kernel (batch, 3 * units), ``state`` = [h]; returns [h].
    ``reset_after`` (Keras' default) applies the reset gate after the recurrent matmul and uses
    the bias (2, 3 * units): input bias, recurrent bias."""
    h = state[0]
    if owner.use_bias:
        z = z + (owner.bias[0] if reset_after else owner.bias)
    x_z, x_r, x_h = z.chunk(3, dim=-1)
    rec_kernel = owner.recurrent_kernel
    u = owner.units
    if reset_after:
        r_all = _recurrent_product(owner, h)
        if owner.use_bias:
            r_all = r_all + owner.bias[1]
        r_z, r_r, r_h = r_all.chunk(3, dim=-1)
        zg = _activations.apply(owner.recurrent_activation, x_z + r_z)
        rg = _activations.apply(owner.recurrent_activation, x_r + r_r)
        hh = _activations.apply(owner.activation, x_h + rg * r_h)
    else:
        masks = getattr(owner, "_recurrent_masks", None) or [1, 1, 1]
        zg = _activations.apply(owner.recurrent_activation, x_z + minidl.matmul(h * masks[0], rec_kernel[:, :u]))
        rg = _activations.apply(owner.recurrent_activation,
                                x_r + minidl.matmul(h * masks[1], rec_kernel[:, u:2 * u]))
        hh = _activations.apply(owner.activation, x_h + minidl.matmul(rg * (h * masks[2]), rec_kernel[:, 2 * u:]))
    return [zg * h + (1 - zg) * hh]


def lstm_bias_initializer(bias_initializer, units, unit_forget_bias=True):
    """The LSTM bias initializer: ``bias_initializer`` itself, or with ``unit_forget_bias`` one that
    fills the forget gate's quarter with ones (Keras' rule)."""
    if not unit_forget_bias:
        return bias_initializer
    from minidl.keras import initializers
    base = initializers.get(bias_initializer)

    def init(shape, dtype=None):
        values = np.asarray(base((units,), dtype=dtype), dtype=np.float32)
        return np.concatenate([values, np.ones(units, np.float32), np.asarray(base((2 * units,), dtype=dtype))])
    return init


def _constraint_config(layer):
    from minidl.keras.layers._constraint_args import constraint_config
    return constraint_config(layer, "kernel_constraint", "recurrent_constraint", "bias_constraint")


def serialize_initializer(init):
    """A name stays a name; an initializer object becomes Keras' ``{"class_name", "config"}``."""
    if init is None or isinstance(init, str):
        return init
    from minidl.keras import initializers
    return initializers.serialize(init) if isinstance(init, initializers.Initializer) else init


def serialize_regularizer(reg):
    """A regularizer's config entry (None and names unchanged)."""
    if reg is None or isinstance(reg, str):
        return reg
    from minidl.keras import regularizers
    return regularizers.serialize(reg)


def _state_list(states):
    """``states`` as a list (a single Tensor becomes ``[states]``)."""
    return list(states) if isinstance(states, (list, tuple)) else [states]


# ----------------------------------------------------------------------------- cells
class _Cell(Layer):
    """Shared arguments, weights and calling convention of the built-in cells."""

    _call_training_default = False  # inference on a plain call, as Keras' `call(..., training=False)`

    _gates = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, (int, np.integer)) or int(units) <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a positive integer, "
                             f"got {units}.")
        from minidl.keras.layers._constraint_args import set_constraints
        set_constraints(self, kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                        bias_constraint=bias_constraint)
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
        self.seed = seed
        # set by keras.layers.RNN for one sequence (the same masks at every step), as Keras' DropoutRNNCell
        self._dropout_mask = self._recurrent_masks = None

    @property
    def state_size(self):
        """The size of each state (an int for a one-state cell)."""
        return self.units

    @property
    def output_size(self):
        """The size of the output of a step."""
        return self.units

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_values(self):
        return self.bias_initializer

    def build(self, input_shape):
        """Create ``kernel``, ``recurrent_kernel`` and ``bias`` for step inputs (batch, features)."""
        features = input_shape[-1]
        if features is None:
            raise ValueError(f"{type(self).__name__} {self.name}: the last dimension of the input shape "
                             f"{tuple(input_shape)} must be known")
        n = self._gates * self.units
        self.kernel = self.add_weight((features, n), self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer)
        self.recurrent_kernel = self.add_weight((self.units, n), self.recurrent_initializer,
                                                name="recurrent_kernel", regularizer=self.recurrent_regularizer)
        if self.use_bias:
            self.bias = self.add_weight(self._bias_shape(), self._bias_values(), name="bias",
                                        regularizer=self.bias_regularizer)
        self.built = True

    def get_initial_state(self, batch_size=None):
        """Zero states: a list of (batch_size, size) Tensors."""
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [minidl.zeros(int(batch_size), int(s)) for s in sizes]

    def _check_inputs(self, inputs):
        features = self.kernel.shape[0]
        if inputs.ndim != 2 or inputs.shape[-1] != features:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected a '
                             f"(batch, {features}) step input, got shape {tuple(inputs.shape)}")

    def _mask_count(self):
        """Keras draws one mask per gate when ``recurrent_dropout`` is on, else one."""
        return self._gates if 0 < self.recurrent_dropout < 1 else 1

    def _make_masks(self, batch, features, dtype):
        """``(input masks or None, recurrent masks or None)`` for a sequence of ``batch`` in training."""
        count = self._mask_count()
        inputs = dropout_masks((batch, features), self.dropout, count, dtype) if 0 < self.dropout < 1 else None
        recurrent = (dropout_masks((batch, self.units), self.recurrent_dropout, count, dtype)
                     if 0 < self.recurrent_dropout < 1 else None)
        return inputs, recurrent

    def _projected(self, inputs, training):
        """``inputs @ kernel`` after the input dropout (the RNN's per-sequence masks, else fresh ones)."""
        masks = None
        if training:
            masks = self._dropout_mask
            if masks is None and 0 < self.dropout < 1:
                masks = self._make_masks(inputs.shape[0], inputs.shape[-1], inputs.dtype)[0]
        return project_inputs(inputs, self.kernel, masks)

    def _run_step(self, inputs, states, training):
        """The step's new states, with recurrent-dropout masks in training (fresh ones for a lone call)."""
        fresh = training and self._recurrent_masks is None and 0 < self.recurrent_dropout < 1
        if fresh:
            self._recurrent_masks = self._make_masks(inputs.shape[0], inputs.shape[-1], inputs.dtype)[1]
        elif not training and self._recurrent_masks is not None:
            fresh, self._recurrent_masks = True, None
        try:
            return self._step(self._projected(inputs, training), _state_list(states))
        finally:
            if fresh:
                self._recurrent_masks = None

    def call(self, inputs, states, training=False):
        """One step: ``inputs`` (batch, features), ``states`` a list of (batch, units) Tensors (or
        one Tensor); returns ``(output, new_states)`` (new_states a list when ``states`` was)."""
        self._check_inputs(inputs)
        new = self._run_step(inputs, states, training)
        return new[0], (new if isinstance(states, (list, tuple)) or len(new) > 1 else new[0])

    def __call__(self, inputs, states=None, *args, training=UNSET, **kwargs):
        """``cell(inputs, states)`` on arrays/Tensors runs one step at once (Keras' cell call)."""
        if states is None or isinstance(inputs, KerasTensor):
            return super().__call__(inputs, *((states,) if states is not None else ()), *args,
                                    training=training, **kwargs)
        from minidl.keras._tensor import as_tensor
        from minidl.keras.layers._symbolic import eager_training
        x = as_tensor(inputs)
        self._ensure_built(tuple(x.shape))
        states = [as_tensor(s) for s in states] if isinstance(states, (list, tuple)) else as_tensor(states)
        return self.call(x, states, training=eager_training(self, training))

    def compute_output_shape(self, input_shape):
        """(batch, units)."""
        return (input_shape[0], self.units)

    def get_config(self):
        return dict(super().get_config(), units=self.units, activation=_activations.serialize(self.activation),
                    recurrent_activation=_activations.serialize(self.recurrent_activation),
                    use_bias=self.use_bias, kernel_initializer=serialize_initializer(self.kernel_initializer),
                    recurrent_initializer=serialize_initializer(self.recurrent_initializer),
                    bias_initializer=serialize_initializer(self.bias_initializer),
                    kernel_regularizer=serialize_regularizer(self.kernel_regularizer),
                    recurrent_regularizer=serialize_regularizer(self.recurrent_regularizer),
                    bias_regularizer=serialize_regularizer(self.bias_regularizer),
                    **_constraint_config(self), dropout=self.dropout,
                    recurrent_dropout=self.recurrent_dropout, seed=self.seed)


class SimpleRNNCell(_Cell):
    """``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``; state_size = units."""

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(units, activation, None, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                         kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         seed, **kwargs)

    def _step(self, z, state):
        return simple_rnn_step(self, z, state)

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation")
        return config


class LSTMCell(_Cell):
    """One LSTM step (gates i, f, c, o); state_size = [units, units] (h, c); ``unit_forget_bias``
    starts the forget gate's bias at 1."""

    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                         recurrent_dropout, seed, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self):
        """[units, units]: the hidden state h and the carry c."""
        return [self.units, self.units]

    def _bias_values(self):
        return lstm_bias_initializer(self.bias_initializer, self.units, self.unit_forget_bias)

    def _step(self, z, state):
        return lstm_step(self, z, state)

    def call(self, inputs, states, training=False):
        """One step; ``states`` = [h, c]; returns ``(h, [h, c])``."""
        self._check_inputs(inputs)
        h, c = self._run_step(inputs, states, training)
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class GRUCell(_Cell):
    """One GRU step (gates z, r, h); ``reset_after=True`` (Keras' default) keeps separate input and
    recurrent biases, bias shape (2, 3 * units)."""

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 reset_after=True, seed=None, **kwargs):
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                         recurrent_dropout, seed, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _step(self, z, state):
        return gru_step(self, z, state, self.reset_after)

    def get_config(self):
        config = super().get_config()
        seed = config.pop("seed")
        return dict(config, reset_after=self.reset_after, seed=seed)


# ----------------------------------------------------------------------------- stacking
def _cell_output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state = cell.state_size
    return state[0] if isinstance(state, (list, tuple)) else state


class _CellList:
    """The ``cells`` group of a StackedRNNCells in Keras' weight files (``cells/<class>_cell/vars``)."""

    _keras_container_only = True  # weight files hold no `vars` group for it

    def __init__(self, stacked):
        self.stacked, self.name = stacked, "cells"

    @property
    def weights(self):
        """The cells' weights in order."""
        return self.stacked.weights

    def get_weights(self):
        """NumPy copies of the cells' weights."""
        return self.stacked.get_weights()

    def set_weights(self, weights):
        """Assign the cells' weights."""
        self.stacked.set_weights(weights)

    def _keras_save_children(self):
        from minidl.keras.models.saving_weights import _weight_keys
        return list(zip(_weight_keys(self.stacked.cells), self.stacked.cells))


class StackedRNNCells(Layer):
    """Several cells run one after another at each step (the output of one is the input of the
    next): state_size = the list of the cells' state sizes, output_size = the last cell's."""

    _call_training_default = False  # inference on a plain call, as Keras' `call(..., training=False)`

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells)
        for cell in cells:
            if "call" not in dir(cell):
                raise ValueError(f"All cells must have a `call` method. Received cell without a `call` method: {cell}")
            if "state_size" not in dir(cell):
                raise ValueError(f"All cells must have a `state_size` attribute. Received cell without a "
                                 f"`state_size`: {cell}")
        self.cells = cells
        for i, cell in enumerate(cells):
            self.add_module(f"cell_{i}", cell)

    @property
    def state_size(self):
        """One entry per cell (an int or a list of ints)."""
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        """The last cell's output size."""
        return _cell_output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        """One entry per cell: its zero state(s)."""
        out = []
        for cell in self.cells:
            if hasattr(cell, "get_initial_state"):
                states = cell.get_initial_state(batch_size=batch_size)
                out.append(states if isinstance(cell.state_size, (list, tuple)) else states[0])
            elif isinstance(cell.state_size, (list, tuple)):
                out.append([minidl.zeros(int(batch_size), int(s)) for s in cell.state_size])
            else:
                out.append(minidl.zeros(int(batch_size), int(cell.state_size)))
        return out

    def build(self, input_shape):
        """Build each cell on the previous cell's output size."""
        for cell in self.cells:
            if isinstance(cell, Layer):
                cell._ensure_built(tuple(input_shape))
            input_shape = (input_shape[0], _cell_output_size(cell))
        self.built = True

    def call(self, inputs, states, training=False):
        """Run the cells in order; ``states`` holds one entry per cell."""
        new_states = []
        for cell, state in zip(self.cells, states):
            nested = isinstance(state, (list, tuple))
            inputs, state = call_cell(cell, inputs, list(state) if nested else [state], training)
            state = _state_list(state)
            new_states.append(state if nested or len(state) > 1 else state[0])
        return inputs, new_states

    def __call__(self, inputs, states=None, *args, training=UNSET, **kwargs):
        """``cells(inputs, states)`` on arrays/Tensors runs one step of every cell."""
        if states is None or isinstance(inputs, KerasTensor):
            return super().__call__(inputs, *args, training=training, **kwargs)
        from minidl.keras._tensor import as_tensor
        from minidl.keras.layers._symbolic import eager_training
        x = as_tensor(inputs)
        self._ensure_built(tuple(x.shape))
        return self.call(x, states, training=eager_training(self, training))

    def _keras_save_children(self):
        return [("cells", _CellList(self))]

    def get_config(self):
        cells = [{"module": "keras.layers", "class_name": type(c).__name__, "config": c.get_config(),
                  "registered_name": None} for c in self.cells]
        return dict(super().get_config(), cells=cells)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A StackedRNNCells from :meth:`get_config` (the cells' configs rebuilt)."""
        from minidl.keras.models.saving import _layer_from_entry
        config = dict(config)
        config["cells"] = [c if isinstance(c, Layer) else _layer_from_entry(c, custom_objects)
                           for c in config["cells"]]
        return cls(**config)


def call_cell(cell, inputs, states, training):
    """``(output, new_states)`` of one step of any cell: the built-in ones, or a user's Layer whose
    ``call(inputs, states[, training])`` works on Keras-layout Tensors."""
    if isinstance(cell, (_Cell, StackedRNNCells)):
        return cell.call(inputs, states, training=training)
    import inspect
    params = inspect.signature(cell.call).parameters
    kwargs = {"training": training} if "training" in params else {}
    return cell.call(inputs, states, **kwargs)
