"""``ConvLSTM1D``, ``ConvLSTM2D`` and ``ConvLSTM3D``: LSTMs whose input and recurrent transforms are
convolutions, on sequences of channels-last frames (batch, time, *spatial, channels).

Keras' weights and gates: ``kernel`` (k..., in, 4 * filters), ``recurrent_kernel`` (k..., filters,
4 * filters), ``bias`` (4 * filters,), gates i, f, c, o along the last axis. Per step::

    z = conv(x_t, kernel, strides, padding, dilation) + bias + conv(h, recurrent_kernel, 1, "same")
    i, f, g, o = split(z);  c = sig(f) * c + sig(i) * tanh(g);  h = sig(o) * tanh(c)

The input convolution of every step runs as one batched convolution; ``"same"`` pads as TensorFlow
(odd pixel at the end). ``return_sequences``, ``return_state`` (states h, c), ``go_backwards``,
``stateful`` and ``initial_state`` behave as in ``keras.layers.LSTM``. Dropout draws, per sequence,
one mask per gate for the inputs (``dropout``) and for h (``recurrent_dropout``).
"""
from __future__ import annotations

import numpy as np

import minidl
import minidl.nn.functional as F
from minidl.keras import activations as _activations
from minidl.keras._tensor import as_tensor, permute, to_external, to_internal
from minidl.keras.layers._constraint_args import constraint_config, set_constraints
from minidl.keras.layers._rnn_state import RecurrentStateMixin, _flatten
from minidl.keras.layers.base import Layer
from minidl.keras.layers.conv import _check_format, _check_padding, conv_output_length, same_padding
from minidl.keras.layers.recurrent import _CellWeights
from minidl.keras.layers.rnn_cells import lstm_bias_initializer, serialize_initializer, serialize_regularizer

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def _tuple(value, rank, name, layer):
    if isinstance(value, (int, np.integer)):
        return (int(value),) * rank
    value = tuple(int(v) for v in value)
    if len(value) != rank:
        raise ValueError(f"{layer}: the `{name}` argument must be a tuple of {rank} integers. Received "
                         f"{name}={value}")
    return value


def _dropout_mask(shape, rate, like):
    """A Keras dropout mask of ``shape`` on ``like``'s device: 0 (probability ``rate``) or 1 / (1 - rate)."""
    return (minidl.rand(*shape, device=like.device) >= rate).to(like.dtype) / (1 - rate)


class _ConvLSTMCellWeights(_CellWeights):
    """Keras keeps a ConvLSTM layer's weights in its ``conv_lstm_cell``."""

    def __init__(self, layer):
        super().__init__(layer)
        self.name = "conv_lstm_cell"


class _ConvLSTM(RecurrentStateMixin, Layer):

    _call_training_default = False  # inference on a plain call, as Keras' `call(..., training=False)`
    _rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        kwargs.pop("zero_output_for_mask", None)  # Keras' RNN-base config keys (no masks here)
        if kwargs.pop("unroll", False):
            raise NotImplementedError(f"{type(self).__name__}: unroll=True is not supported by minidl.keras")
        super().__init__(**kwargs)
        name, r = type(self).__name__, self._rank
        if _check_format(data_format, name) == "channels_first":  # (N, T, C, ...): the channel axis is 2
            raise NotImplementedError(f"{name}: data_format='channels_first' is not supported by minidl.keras")
        self.data_format = "channels_last"
        self._set_activity_regularizer(activity_regularizer)
        if int(filters) <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive value. "
                             f"Received filters={filters}.")
        self.filters = int(filters)
        self.kernel_size = _tuple(kernel_size, r, "kernel_size", name)
        self.strides = _tuple(strides, r, "strides", name)
        self.dilation_rate = _tuple(dilation_rate, r, "dilation_rate", name)
        self.padding = _check_padding(padding, name)
        self.activation = _activations.get(activation)
        self.recurrent_activation = _activations.get(recurrent_activation)
        self.use_bias, self.unit_forget_bias = bool(use_bias), bool(unit_forget_bias)
        self.kernel_initializer, self.recurrent_initializer = kernel_initializer, recurrent_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer, self.recurrent_regularizer = kernel_regularizer, recurrent_regularizer
        self.bias_regularizer = bias_regularizer
        set_constraints(self, kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                        bias_constraint=bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful = bool(go_backwards), bool(stateful)

    # ------------------------------------------------------------------ shapes and weights
    def _state_sizes(self):
        return [self.filters, self.filters]

    def _check_shape(self, shape):
        if len(shape) != self._rank + 3:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"ndim={self._rank + 3}, found ndim={len(shape)}. Full shape received: {tuple(shape)}")

    def build(self, input_shape):
        """Create ``kernel``, ``recurrent_kernel`` and ``bias`` (Keras' layout; stored as minidl's
        (4 * filters, in, k...)) for (batch, time, *spatial, channels) sequences."""
        input_shape = self._sequence_shape(input_shape)
        self._check_shape(input_shape)
        self._check_stateful_batch(input_shape)
        spatial = tuple(input_shape[2:-1])
        if None in spatial:
            raise ValueError("ConvLSTM layers only support static input shapes for the spatial dimension. "
                             f"Received invalid input shape: input_shape={tuple(input_shape)}")
        if input_shape[-1] is None:
            raise ValueError("The channel dimension of the inputs (last axis) should be defined. Found None. "
                             f"Full input shape received: input_shape={tuple(input_shape)}")
        r, n = self._rank, 4 * self.filters
        layout = (r + 1, r) + tuple(range(r))
        self._in_channels = int(input_shape[-1])
        self.kernel = self.add_weight(self.kernel_size + (self._in_channels, n), self.kernel_initializer,
                                      name="kernel", attr="_kernel", regularizer=self.kernel_regularizer,
                                      layout=layout)
        self.recurrent_kernel = self.add_weight(self.kernel_size + (self.filters, n), self.recurrent_initializer,
                                                name="recurrent_kernel", attr="_recurrent_kernel",
                                                regularizer=self.recurrent_regularizer, layout=layout)
        if self.use_bias:
            init = lstm_bias_initializer(self.bias_initializer, self.filters, self.unit_forget_bias)
            self.bias = self.add_weight((n,), init, name="bias", regularizer=self.bias_regularizer)
        for var, _ in self._weight_specs:  # Keras' weights belong to the cell: conv_lstm2d/conv_lstm_cell/kernel
            head, _, tail = var.path.rpartition("/")
            var._path = f"{head}/conv_lstm_cell/{tail}"
        self.built = True

    def _spatial_out(self, spatial):
        return tuple(conv_output_length(s, k, self.padding, st, d) for s, k, st, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def compute_output_shape(self, input_shape):
        """(batch, [time,] *spatial', filters), then two state shapes with ``return_state``."""
        input_shape = self._sequence_shape(input_shape)
        self._check_shape(input_shape)
        if self.built and input_shape[-1] is not None and input_shape[-1] != self._in_channels:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected axis -1 of '
                             f"input shape to have value {self._in_channels}, but received input with shape "
                             f"{tuple(input_shape)}")
        spatial = self._spatial_out(input_shape[2:-1])
        if any(s is not None and s <= 0 for s in spatial):
            raise ValueError(f"{type(self).__name__} {self.name}: the frames {tuple(input_shape[2:-1])} are smaller "
                             f"than the kernel {self.kernel_size}; use padding='same' or larger frames")
        state = (input_shape[0],) + spatial + (self.filters,)
        out = (input_shape[0], input_shape[1]) + state[1:] if self.return_sequences else state
        return (out, state, state) if self.return_state else out

    # ------------------------------------------------------------------ running
    def _to_channels_first(self, s):
        """A state (minidl.keras layout of Keras (batch, *spatial, F)) as (batch, F, *spatial)."""
        return permute(to_external(s), (0, self._rank + 1) + tuple(range(1, self._rank + 1)))

    def _from_channels_first(self, s):
        return to_internal(permute(s, (0,) + tuple(range(2, self._rank + 2)) + (1,)))

    def _zero_states(self, batch, spatial, like):
        shape = (batch,) + tuple(spatial) + (self.filters,)
        return [to_internal(minidl.zeros(*shape, dtype=like.dtype, device=like.device)) for _ in range(2)]

    def _input_projection(self, frames, masks):
        """``conv(frames, kernel) + bias`` for (batch * time, C, *spatial) frames -> (batch * time, 4F, *spatial')."""
        r = self._rank
        pads = []
        if self.padding == "same":
            for axis in reversed(range(r)):
                pads += same_padding(frames.shape[2 + axis], self.kernel_size[axis], self.strides[axis],
                                     self.dilation_rate[axis])

        def conv(inp, kernel):
            return _CONV[r](F.pad(inp, tuple(pads)) if any(pads) else inp, kernel, None, self.strides, 0,
                            self.dilation_rate)
        if masks is None:
            out = conv(frames, self._kernel)
        else:  # one input-dropout mask per gate: each gate's kernel slice sees its own masked frames
            f = self.filters
            out = minidl.cat([conv(frames * m, self._kernel[g * f:(g + 1) * f]) for g, m in enumerate(masks)], dim=1)
        if self.use_bias:
            out = out + self.bias.reshape((1, -1) + (1,) * r)
        return out

    def _recurrent_projection(self, h, masks):
        r = self._rank
        pads = []
        for axis in reversed(range(r)):
            pads += same_padding(h.shape[2 + axis], self.kernel_size[axis], 1, 1)
        conv = _CONV[r]
        if masks is None:
            return conv(F.pad(h, tuple(pads)) if any(pads) else h, self._recurrent_kernel)
        f = self.filters
        return minidl.cat([conv(F.pad(h * m, tuple(pads)) if any(pads) else h * m,
                                self._recurrent_kernel[g * f:(g + 1) * f]) for g, m in enumerate(masks)], dim=1)

    def _forward(self, x, training=False):
        return self._forward_masked(x, None, training)

    def _forward_masked(self, x, mask, training=False, initial_state=None):
        """Run on minidl.keras-layout tensors (``x``, or ``[x, *initial states]`` from a functional node);
        returns the output, or ``[output, h, c]`` with ``return_state``."""
        x, initial_state = self._split_sequences(x, initial_state)
        r = self._rank
        seq = to_external(x)  # (batch, time, *spatial, C)
        self.compute_output_shape((None,) + tuple(seq.shape[1:]))
        batch, steps = seq.shape[0], seq.shape[1]
        frames = permute(seq, (0, 1, r + 2) + tuple(range(2, r + 2)))  # (batch, time, C, *spatial)
        frames = frames.reshape((batch * steps,) + tuple(frames.shape[2:]))
        in_masks = rec_masks = None
        if training and 0 < self.dropout < 1:
            shape = (batch, 1) + tuple(frames.shape[1:])
            in_masks = [_dropout_mask(shape, self.dropout, seq).expand((batch, steps) + shape[2:])
                        .reshape(tuple(frames.shape)) for _ in range(4)]
        projected = self._input_projection(frames, in_masks)
        projected = projected.reshape((batch, steps) + tuple(projected.shape[1:]))
        spatial = tuple(projected.shape[3:])
        state = self._start_states(x, initial_state, lambda: self._zero_states(batch, spatial, seq))
        if len(state) != 2:
            raise ValueError(f"{type(self).__name__} {self.name}: initial_state has {len(state)} tensor(s), the "
                             "layer has 2 states (h, c)")
        h, c = (self._to_channels_first(s) for s in state)
        if training and 0 < self.recurrent_dropout < 1:
            rec_masks = [_dropout_mask(tuple(h.shape), self.recurrent_dropout, h) for _ in range(4)]
        rec = self.recurrent_activation
        outputs = []
        for t in (range(steps - 1, -1, -1) if self.go_backwards else range(steps)):
            z = projected[:, t] + self._recurrent_projection(h, rec_masks)
            i, f, g, o = z.chunk(4, dim=1)
            c = _activations.apply(rec, f) * c + _activations.apply(rec, i) * _activations.apply(self.activation, g)
            h = _activations.apply(rec, o) * _activations.apply(self.activation, c)
            outputs.append(h)
        final = [self._from_channels_first(h), self._from_channels_first(c)]
        self._keep_states(final)
        if self.return_sequences:
            out = minidl.stack(outputs, dim=1)  # (batch, time, F, *spatial')
            out = to_internal(permute(out, (0, 1) + tuple(range(3, r + 3)) + (2,)))
        else:
            out = final[0]
        return [out] + final if self.return_state else out

    def _call_eager_states(self, inputs, initial_state, kwargs):
        """Eager ``initial_state``/``return_state`` calls: channels-last in and out."""
        from minidl.keras.layers._symbolic import eager_training
        t = as_tensor(inputs)
        self._ensure_built(tuple(t.shape))
        training = kwargs.get("training")
        states = None if initial_state is None else [to_internal(as_tensor(s)) for s in _flatten(initial_state)]
        out = self._forward_masked(to_internal(t), None, eager_training(self, training), states)
        return [to_external(o) for o in out] if isinstance(out, list) else to_external(out)

    def _keras_save_children(self):
        """Keras keeps the weights under ``<layer>/cell/vars`` (its ``conv_lstm_cell``)."""
        return [("cell", _ConvLSTMCellWeights(self))]

    def get_config(self):
        return dict(super().get_config(), return_sequences=self.return_sequences, return_state=self.return_state,
                    go_backwards=self.go_backwards, stateful=self.stateful, unroll=False,
                    zero_output_for_mask=False, filters=self.filters, kernel_size=self.kernel_size,
                    strides=self.strides, padding=self.padding, data_format="channels_last",
                    dilation_rate=self.dilation_rate, activation=_activations.serialize(self.activation),
                    recurrent_activation=_activations.serialize(self.recurrent_activation), use_bias=self.use_bias,
                    kernel_initializer=serialize_initializer(self.kernel_initializer),
                    recurrent_initializer=serialize_initializer(self.recurrent_initializer),
                    bias_initializer=serialize_initializer(self.bias_initializer),
                    unit_forget_bias=self.unit_forget_bias,
                    kernel_regularizer=serialize_regularizer(self.kernel_regularizer),
                    recurrent_regularizer=serialize_regularizer(self.recurrent_regularizer),
                    bias_regularizer=serialize_regularizer(self.bias_regularizer), activity_regularizer=None,
                    **constraint_config(self, "kernel_constraint", "recurrent_constraint", "bias_constraint"),
                    dropout=self.dropout, recurrent_dropout=self.recurrent_dropout, seed=self.seed)


class ConvLSTM1D(_ConvLSTM):
    """Convolutional LSTM over sequences of 1-D frames: (batch, time, steps, channels) ->
    (batch, [time,] steps', filters). Args as ``keras.layers.ConvLSTM1D``."""

    _rank = 1


class ConvLSTM2D(_ConvLSTM):
    """Convolutional LSTM over sequences of images: (batch, time, H, W, channels) ->
    (batch, [time,] H', W', filters). Args as ``keras.layers.ConvLSTM2D``."""

    _rank = 2


class ConvLSTM3D(_ConvLSTM):
    """Convolutional LSTM over sequences of volumes: (batch, time, D, H, W, channels) ->
    (batch, [time,] D', H', W', filters). Args as ``keras.layers.ConvLSTM3D``."""

    _rank = 3
