"""``keras.layers.RNN``: runs a recurrent cell over the steps of (batch, steps, features) inputs.

The cell is a built-in one (``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``), a ``StackedRNNCells``
(a list of cells is stacked), or a user's Layer with ``state_size`` (an int or a list of ints),
optionally ``output_size``, and ``call(inputs, states)`` returning ``(output, new_states)``. The
weights are the cell's (Keras' files keep them under ``<rnn>/cell``). A mask skips steps as in
the recurrent layers: the states carry over, the output repeats (or is zero with
``zero_output_for_mask``).
"""
from __future__ import annotations

import copy

import minidl
from minidl.keras.layers._mask import float_mask
from minidl.keras.layers._rnn_state import RecurrentStateMixin
from minidl.keras.layers.base import Layer
from minidl.keras.layers.rnn_cells import StackedRNNCells, _Cell, _cell_output_size, call_cell

__all__ = ["RNN"]


def _flat(states):
    """The Tensors of a (possibly nested) list of states, in order."""
    if isinstance(states, (list, tuple)):
        return [t for s in states for t in _flat(s)]
    return [states]


def _map2(fn, new, old):
    """``fn`` applied to matching leaves of two state structures."""
    if isinstance(new, (list, tuple)):
        return [_map2(fn, n, o) for n, o in zip(new, old)]
    return fn(new, old)


class RNN(RecurrentStateMixin, Layer):
    """Run ``cell`` over the time axis (Keras' ``keras.layers.RNN``).

    Args (Keras'): ``cell`` (a cell or a list of cells), ``return_sequences=False`` (the output at
    every step: (batch, steps, output_size), else the last: (batch, output_size)),
    ``return_state=False`` (also return the final states), ``go_backwards=False`` (read the steps
    in reverse), ``stateful=False`` (keep the final states for the next call; ``reset_states()``
    zeroes them), ``unroll=False`` (accepted; minidl always loops in Python),
    ``zero_output_for_mask=False``.
    """

    _call_training_default = False  # inference on a plain call, as Keras' `call(..., training=False)`

    supports_masking = True

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if "call" not in dir(cell):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        if "state_size" not in dir(cell):
            raise ValueError("The RNN cell should have a `state_size` attribute (single integer or list of integers, "
                             f"one integer per RNN state). Received: cell={cell}")
        super().__init__(**kwargs)
        state_size = getattr(cell, "state_size", None)
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError("state_size must be an integer, or a list/tuple of integers (one for each state tensor).")
        self.cell = cell
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful, self.unroll = bool(go_backwards), bool(stateful), bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)

    @property
    def state_size(self):
        """The cell's state sizes as a list (one entry per state)."""
        size = self.cell.state_size
        return [size] if isinstance(size, int) else list(size)

    def _output_size(self):
        size = _cell_output_size(self.cell)
        if not isinstance(size, int):
            raise ValueError(f"RNN {self.name}: output_size must be an integer, got {size!r}")
        return size

    def _check_input_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected ndim=3 '
                             f"(batch, steps, features), found ndim={len(input_shape)}. Full shape received: "
                             f"{tuple(input_shape)}")

    def _state_sizes(self):
        return self.state_size

    def build(self, input_shape):
        """Build the cell for step inputs (batch, features)."""
        input_shape = self._sequence_shape(input_shape)
        self._check_input_shape(input_shape)
        self._check_stateful_batch(input_shape)
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._ensure_built((input_shape[0],) + tuple(input_shape[2:]))
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, steps, output_size) with ``return_sequences``, else (batch, output_size); with
        ``return_state`` followed by one (batch, size) per state."""
        input_shape = self._sequence_shape(input_shape)
        self._check_input_shape(input_shape)
        batch, steps = input_shape[0], input_shape[1]
        out = (batch, steps, self._output_size()) if self.return_sequences else (batch, self._output_size())
        if not self.return_state:
            return out
        states = [(batch, s) if isinstance(s, int) else [(batch, d) for d in s] for s in self.state_size]
        return (out, *states)

    def compute_mask(self, inputs, mask=None):
        """The input mask when ``return_sequences`` (else None; with ``return_state``, None per state)."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        return [out] + [None] * len(self.state_size) if self.return_state else out

    def get_initial_state(self, batch_size):
        """Zero states for ``batch_size`` sequences (a list: one entry per state)."""
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            states = fn(batch_size=batch_size)
            return list(states) if isinstance(states, (list, tuple)) else [states]
        return [minidl.zeros(int(batch_size), int(d)) for d in self.state_size]

    def _forward(self, x, training=False):
        return self._forward_masked(x, None, training)

    def _set_dropout_masks(self, cell, batch, features, training, dtype=None):
        """One set of dropout masks per built-in cell for the whole sequence (as Keras), or none."""
        if isinstance(cell, StackedRNNCells):
            for sub in cell.cells:
                self._set_dropout_masks(sub, batch, features, training, dtype)
                features = _cell_output_size(sub)
        elif isinstance(cell, _Cell):
            cell._dropout_mask = cell._recurrent_masks = None
            if training:
                cell._dropout_mask, cell._recurrent_masks = cell._make_masks(batch, features, dtype)

    def _forward_masked(self, x, mask, training=False, initial_state=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        x, initial_state = self._split_sequences(x, initial_state)
        if initial_state is not None and len(initial_state) != len(self.state_size):
            initial_state = _nest(list(_flat(initial_state)), self.state_size, self.name)
        if x.ndim != 3:
            self._check_input_shape((None,) + tuple(x.shape[1:]))
        state = self._start_states(x, initial_state, lambda: self.get_initial_state(x.shape[0]))
        state = _map2(lambda s, _: s.to(x.dtype), state, state)
        self._set_dropout_masks(self.cell, x.shape[0], x.shape[2], training, x.dtype)
        steps = range(x.shape[1] - 1, -1, -1) if self.go_backwards else range(x.shape[1])
        keep = None if mask is None else float_mask(mask, x)  # (batch, steps, 1) of 0/1
        outputs, last = [], None
        try:
            for t in steps:
                out, new_state = call_cell(self.cell, x[:, t], state, training)
                new_state = list(new_state) if isinstance(new_state, (list, tuple)) else [new_state]
                if keep is not None:  # masked step: the states (and the output) carry over
                    k = keep[:, t]
                    new_state = _map2(lambda n, o, k=k: k * n + (1 - k) * o, new_state, state)
                    prev = out * 0 if last is None else last
                    out = k * out + (1 - k) * (out * 0 if self.zero_output_for_mask else prev)
                state, last = new_state, out
                outputs.append(out)
        finally:
            self._set_dropout_masks(self.cell, 0, 0, False)
        if not outputs:
            raise ValueError(f"RNN {self.name}: the input has no time steps (shape {tuple(x.shape)})")
        self._keep_states(state)
        result = minidl.stack(outputs, dim=1) if self.return_sequences else last
        return [result, *state] if self.return_state else result

    def _keras_save_children(self):
        """Keras files keep the cell's weights under ``<rnn>/cell``."""
        return [("cell", self.cell)] if isinstance(self.cell, Layer) else []

    def get_config(self):
        cell = {"module": "keras.layers", "class_name": type(self.cell).__name__, "config": self.cell.get_config(),
                "registered_name": None}
        return dict(super().get_config(), return_sequences=self.return_sequences, return_state=self.return_state,
                    go_backwards=self.go_backwards, stateful=self.stateful, unroll=self.unroll,
                    zero_output_for_mask=self.zero_output_for_mask, cell=cell)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """An RNN from :meth:`get_config` (or Keras') with the cell rebuilt from its entry."""
        from minidl.keras.models.saving import _layer_from_entry
        config = copy.copy(config)
        cell = config["cell"]
        if isinstance(cell, dict):
            cell = _layer_from_entry(cell, custom_objects)
        config["cell"] = cell
        return cls(**config)


def _nest(flat, sizes, name):
    """Flat initial states regrouped as the cell's (possibly nested) ``state_size``."""
    out = []
    for size in sizes:
        if isinstance(size, (list, tuple)):
            out.append(_nest(flat, size, name))
        elif flat:
            out.append(flat.pop(0))
        else:
            raise ValueError(f"RNN {name}: too few initial states for state sizes {sizes}")
    return out
