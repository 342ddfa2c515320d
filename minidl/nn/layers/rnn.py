"""Recurrent layers ``RNN``, ``LSTM`` and ``GRU`` with PyTorch's arguments, parameter names and equations.

Each time step is written with differentiable Tensor operations (matmul,
sigmoid, tanh, chunk), so backpropagation through time, and gradients of
higher order, come from those operations. Gate order in the stacked weights
is PyTorch's: LSTM (i, f, g, o), GRU (r, z, n).
"""
from __future__ import annotations

import math

import numpy as np

import minidl.nn.functional as F
from minidl import functions
from minidl.backend import to_numpy
from minidl.nn import init
from minidl.nn.layers._utils import _count, _factory, _place
from minidl.nn.module import Module, Parameter
from minidl.tensor import Tensor

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """Shared construction and the layer/direction loop of RNN, LSTM and GRU."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        dev, dt = _factory(device, dtype)
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        self.mode = mode
        self.input_size = _count(name, "input_size", input_size)
        self.hidden_size = _count(name, "hidden_size", hidden_size)
        self.num_layers = _count(name, "num_layers", num_layers)
        if self.hidden_size <= 0 or self.num_layers <= 0:
            raise ValueError(f"{name}: hidden_size and num_layers must be greater than 0, got {hidden_size} and "
                             f"{num_layers}")
        if not 0 <= float(dropout) <= 1:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1], got {dropout}")
        if float(dropout) > 0 and self.num_layers == 1:
            import warnings
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", UserWarning, stacklevel=3)      # PyTorch's warning
        if isinstance(proj_size, (int, np.integer)) and proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        proj_size = _count(name, "proj_size", proj_size)
        if proj_size >= self.hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.bias, self.batch_first, self.dropout = bool(bias), bool(batch_first), float(dropout)
        self.bidirectional, self.proj_size = bool(bidirectional), proj_size
        gates = _GATES[mode] * self.hidden_size
        directions = 2 if self.bidirectional else 1
        real_hidden = proj_size or self.hidden_size   # the size of h (c keeps hidden_size)
        self._flat_weights_names = []
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else real_hidden * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gates, layer_input)), ("weight_hh", (gates, real_hidden))]
                if self.bias:
                    shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
                if proj_size:
                    shapes += [("weight_hr", (proj_size, self.hidden_size))]
                for stem, shape in shapes:
                    setattr(self, stem + suffix, Parameter(np.empty(shape, dtype=dt)))
                    self._flat_weights_names.append(stem + suffix)
        self.reset_parameters()
        _place(self, dev)

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _cell(self, x, state, layer, suffix):
        """One time step: input (N, in), state -> new state (h, or (h, c) for LSTM)."""
        w_ih, w_hh = getattr(self, f"weight_ih_l{layer}{suffix}"), getattr(self, f"weight_hh_l{layer}{suffix}")
        b_ih = getattr(self, f"bias_ih_l{layer}{suffix}") if self.bias else None
        b_hh = getattr(self, f"bias_hh_l{layer}{suffix}") if self.bias else None
        h = state[0] if self.mode == "LSTM" else state
        from_input, from_hidden = F.linear(x, w_ih, b_ih), F.linear(h, w_hh, b_hh)
        if self.mode == "LSTM":
            i, f, g, o = (from_input + from_hidden).chunk(4, 1)
            c = f.sigmoid() * state[1] + i.sigmoid() * g.tanh()
            h = o.sigmoid() * c.tanh()
            if self.proj_size:
                h = h.matmul(getattr(self, f"weight_hr_l{layer}{suffix}").mT)
            return h, c
        if self.mode == "GRU":
            ir, iz, in_ = from_input.chunk(3, 1)
            hr, hz, hn = from_hidden.chunk(3, 1)
            r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
            n = (in_ + r * hn).tanh()
            return (1 - z) * n + z * h
        pre = from_input + from_hidden
        return pre.tanh() if self.mode == "RNN_TANH" else pre.relu()

    def _initial_state(self, input, hx, batch):
        directions = 2 if self.bidirectional else 1
        shape = (self.num_layers * directions, batch, self.proj_size or self.hidden_size)
        cell_shape = (self.num_layers * directions, batch, self.hidden_size)
        if hx is None:
            zeros = Tensor(input.xp.zeros(shape, dtype=input.array.dtype))
            if self.mode == "LSTM":
                return zeros, Tensor(input.xp.zeros(cell_shape, dtype=input.array.dtype))
            return zeros
        states = hx if self.mode == "LSTM" else (hx,)
        if self.mode == "LSTM" and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise RuntimeError(f"{type(self).__name__}: hx must be a tuple (h_0, c_0)")
        for position, (s, expected) in enumerate(zip(states, (shape, cell_shape))):
            if tuple(s.shape) != expected:
                which = f"hidden[{position}]" if self.mode == "LSTM" else "hidden"
                raise RuntimeError(f"Expected {which} size {expected}, got {list(s.shape)}")
        return tuple(states) if self.mode == "LSTM" else states[0]

    def permute_hidden(self, hx, permutation):
        """``hx`` (h, or (h, c) for LSTM) with its batch dimension (1) reordered by ``permutation``."""
        if permutation is None:
            return hx
        if self.mode == "LSTM":
            return tuple(s.index_select(1, permutation) for s in hx)
        return hx.index_select(1, permutation)

    def flatten_parameters(self) -> None:
        """Nothing to do: minidl keeps each weight in its own array (PyTorch's cuDNN weight packing)."""

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def _all_weights(self):
        """The parameter names per layer and direction, as PyTorch's ``_all_weights``."""
        per = (4 if self.bias else 2) + (1 if self.proj_size else 0)
        names = self._flat_weights_names
        return [names[i:i + per] for i in range(0, len(names), per)]

    @property
    def all_weights(self):
        """The parameters per layer and direction: ``[[w_ih, w_hh, b_ih, b_hh], ...]``."""
        per = (4 if self.bias else 2) + (1 if self.proj_size else 0)
        weights = self._flat_weights
        return [weights[i:i + per] for i in range(0, len(weights), per)]

    def _direction(self, steps, batch_sizes, state, layer, reverse):
        """Run one direction over per-step inputs ``steps[t]`` (batch_sizes[t], in); returns the per-step outputs
        and the final state. Only the first ``batch_sizes[t]`` rows (still running sequences) are updated at
        step t; the others keep their state, so the final state is each sequence's own last step."""
        suffix = "_reverse" if reverse else ""
        is_lstm = self.mode == "LSTM"
        outputs = [None] * len(steps)
        for t in (range(len(steps) - 1, -1, -1) if reverse else range(len(steps))):
            size, full = batch_sizes[t], (state[0] if is_lstm else state).shape[0]
            if size == full:
                state = self._cell(steps[t], state, layer, suffix)
                outputs[t] = state[0] if is_lstm else state
                continue
            part = tuple(s[:size] for s in state) if is_lstm else state[:size]
            new = self._cell(steps[t], part, layer, suffix)
            outputs[t] = new[0] if is_lstm else new
            if is_lstm:
                state = tuple(functions.cat([n, s[size:]], 0) for n, s in zip(new, state))
            else:
                state = functions.cat([new, state[size:]], 0)
        return outputs, state

    def _layers(self, steps, batch_sizes, state0, packed):
        """All layers and directions over per-step inputs; returns the last layer's output (packed data, or
        (L, N, D*H)) and the final states in PyTorch's (layer, direction) order."""
        directions = 2 if self.bidirectional else 1
        finals, output = [], None
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                state = (state0[0][k], state0[1][k]) if self.mode == "LSTM" else state0[k]
                hs, state = self._direction(steps, batch_sizes, state, layer, bool(direction))
                outputs.append(functions.cat(hs, 0) if packed else functions.stack(hs, 0))
                finals.append(state)
            output = outputs[0] if directions == 1 else functions.cat(outputs, outputs[0].ndim - 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                output = F.dropout(output, self.dropout, training=True)
            if packed:
                edges = np.concatenate([[0], np.cumsum(batch_sizes)])
                steps = [output[int(lo):int(hi)] for lo, hi in zip(edges[:-1], edges[1:])]
            else:
                steps = [output[t] for t in range(output.shape[0])]
        if self.mode == "LSTM":
            hidden = (functions.stack([s[0] for s in finals], 0), functions.stack([s[1] for s in finals], 0))
        else:
            hidden = functions.stack(finals, 0)
        return output, hidden

    def _forward_packed(self, input, hx):
        """A PackedSequence in, a PackedSequence (same batch_sizes and indices) and h_n out."""
        from minidl.nn.utils.rnn import PackedSequence
        data = input.data
        if data.ndim != 2 or data.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{data.shape[-1] if data.ndim else 0}")
        batch_sizes = [int(b) for b in to_numpy(input.batch_sizes.array).reshape(-1)]
        if hx is not None:
            hx = self.permute_hidden(hx, input.sorted_indices)
        state0 = self._initial_state(data, hx, batch_sizes[0])
        edges = np.concatenate([[0], np.cumsum(batch_sizes)])
        steps = [data[int(lo):int(hi)] for lo, hi in zip(edges[:-1], edges[1:])]
        output, hidden = self._layers(steps, batch_sizes, state0, packed=True)
        hidden = self.permute_hidden(hidden, input.unsorted_indices)
        return PackedSequence(output, input.batch_sizes, input.sorted_indices, input.unsorted_indices), hidden

    def forward(self, input, hx=None):
        """input (L, N, H_in) ((N, L, H_in) with batch_first, or (L, H_in)) -> (output, h_n) ((h_n, c_n) for LSTM).

        output (L, N, D*H_out); h_n and c_n (D*num_layers, N, H_out), D = 2 if bidirectional. A
        :class:`~minidl.nn.utils.rnn.PackedSequence` input gives a PackedSequence output, and h_n/c_n hold
        each sequence's state at its own last step (its first, for the reverse direction's output).
        """
        from minidl.nn.utils.rnn import PackedSequence
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor or a PackedSequence, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.shape[-1]}")
        unbatched = input.ndim == 2
        if unbatched:
            input = input.unsqueeze(1)
            if hx is not None:
                hx = tuple(s.unsqueeze(1) for s in hx) if self.mode == "LSTM" else hx.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        steps, batch = input.shape[0], input.shape[1]
        state0 = self._initial_state(input, hx, batch)
        output, hidden = self._layers([input[t] for t in range(steps)], [batch] * steps, state0, packed=False)
        if unbatched:
            output = output.squeeze(1)
            hidden = tuple(s.squeeze(1) for s in hidden) if self.mode == "LSTM" else hidden.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, hidden

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


def _no_projection(name, kwargs):
    """PyTorch's errors for keywords RNN and GRU do not take (``proj_size`` is LSTM's alone)."""
    if "proj_size" in kwargs:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
    if kwargs:
        raise TypeError(f"{name}.__init__() got an unexpected keyword argument {sorted(kwargs)[0]!r}")


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), PyTorch's ``nn.RNN``.

    >>> import minidl as mdl, minidl.nn as nn
    >>> out, h = nn.RNN(10, 20, 2)(mdl.randn(5, 3, 10))
    >>> out.shape, h.shape
    (minidl.Size([5, 3, 20]), minidl.Size([2, 3, 20]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, **kwargs):
        _no_projection("RNN", kwargs)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype)


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's ``nn.LSTM``: ``forward(input, (h_0, c_0)) -> output, (h_n, c_n)``.

    >>> import minidl as mdl, minidl.nn as nn
    >>> out, (h, c) = nn.LSTM(10, 20, 2, batch_first=True)(mdl.randn(3, 5, 10))
    >>> out.shape, h.shape, c.shape
    (minidl.Size([3, 5, 20]), minidl.Size([2, 3, 20]), minidl.Size([2, 3, 20]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit, PyTorch's ``nn.GRU`` (gates r, z, n; h' = (1 - z) * n + z * h).

    >>> import minidl as mdl, minidl.nn as nn
    >>> out, h = nn.GRU(10, 20)(mdl.randn(5, 3, 10))
    >>> out.shape, h.shape
    (minidl.Size([5, 3, 20]), minidl.Size([1, 3, 20]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None, **kwargs):
        _no_projection("GRU", kwargs)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         0, device, dtype)
