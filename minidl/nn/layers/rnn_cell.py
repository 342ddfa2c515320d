"""One-step recurrent cells ``RNNCell``, ``LSTMCell`` and ``GRUCell``, PyTorch's.

Parameters ``weight_ih`` (G*H, input_size), ``weight_hh`` (G*H, H), ``bias_ih``
and ``bias_hh`` (G*H,), G = 1, 4 (gates i, f, g, o) or 3 (r, z, n), all
initialised ~ U(-1/sqrt(H), 1/sqrt(H)). The step equations are those of
:class:`minidl.nn.RNN` / ``LSTM`` / ``GRU``, written with differentiable Tensor
operations.
"""
from __future__ import annotations

import math

import numpy as np

import minidl.nn.functional as F
from minidl.nn import init
from minidl.nn.layers._utils import _count, _factory, _place
from minidl.nn.module import Module, Parameter
from minidl.tensor import Tensor

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


class RNNCellBase(Module):
    """Parameters, initialisation, input checks and repr shared by the cells."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        dev, dt = _factory(device, dtype)
        self.input_size = _count(name, "input_size", input_size)
        self.hidden_size = _count(name, "hidden_size", hidden_size)
        self.bias = bool(bias)
        gates = num_chunks * self.hidden_size
        self.weight_ih = Parameter(np.empty((gates, self.input_size), dtype=dt))
        self.weight_hh = Parameter(np.empty((gates, self.hidden_size), dtype=dt))
        if self.bias:
            self.bias_ih = Parameter(np.empty((gates,), dtype=dt))
            self.bias_hh = Parameter(np.empty((gates,), dtype=dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()
        _place(self, dev)

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _batched(self, input, states):
        """``input`` as (N, input_size) and each state as (N, hidden_size) (zeros when None);
        also whether the input was unbatched (1-D)."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size}")
        unbatched = input.ndim == 1
        x = input.unsqueeze(0) if unbatched else input
        out = []
        for s in states:
            if s is None:
                out.append(Tensor(x.xp.zeros((x.shape[0], self.hidden_size), dtype=x.array.dtype)))
                continue
            if s.ndim != input.ndim:
                raise RuntimeError(f"{name}: Expected hidden to be {input.ndim}D for {input.ndim}D input, got "
                                   f"{s.ndim}D instead")
            s = s.unsqueeze(0) if unbatched else s
            if tuple(s.shape) != (x.shape[0], self.hidden_size):
                raise RuntimeError(f"{name}: hidden state has shape {list(s.shape)}, expected "
                                   f"[{x.shape[0]}, {self.hidden_size}]")
            out.append(s)
        return x, out, unbatched

    def _projections(self, x, h):
        return F.linear(x, self.weight_ih, self.bias_ih), F.linear(h, self.weight_hh, self.bias_hh)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).

    Shapes: input (N, input_size) or (input_size,), hx like it with hidden_size
    (zeros when None) -> h' (N, hidden_size) or (hidden_size,).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input, hx=None):
        """(N, input_size), (N, hidden_size) -> (N, hidden_size) (the batch dim optional)."""
        x, (h,), unbatched = self._batched(input, (hx,))
        from_input, from_hidden = self._projections(x, h)
        pre = from_input + from_hidden
        out = pre.tanh() if self.nonlinearity == "tanh" else pre.relu()
        return out.squeeze(0) if unbatched else out


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o): c' = f*c + i*g, h' = o*tanh(c').

    Shapes: input (N, input_size) or (input_size,), hx a pair (h, c) of
    (N, hidden_size) (zeros when None) -> (h', c'), each (N, hidden_size).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        """(N, input_size), ((N, H), (N, H)) -> (h', c'), each (N, H) (the batch dim optional)."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise RuntimeError("LSTMCell: hx must be a tuple (h_0, c_0)")
        x, (h, c), unbatched = self._batched(input, (None, None) if hx is None else tuple(hx))
        from_input, from_hidden = self._projections(x, h)
        i, f, g, o = (from_input + from_hidden).chunk(4, 1)
        c_next = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h_next = o.sigmoid() * c_next.tanh()
        if unbatched:
            return h_next.squeeze(0), c_next.squeeze(0)
        return h_next, c_next


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n): n = tanh(W_in x + b_in + r*(W_hn h + b_hn)), h' = (1-z)*n + z*h.

    Shapes: input (N, input_size) or (input_size,), hx (N, hidden_size) (zeros
    when None) -> h' (N, hidden_size).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        """(N, input_size), (N, hidden_size) -> (N, hidden_size) (the batch dim optional)."""
        x, (h,), unbatched = self._batched(input, (hx,))
        from_input, from_hidden = self._projections(x, h)
        ir, iz, in_ = from_input.chunk(3, 1)
        hr, hz, hn = from_hidden.chunk(3, 1)
        r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
        n = (in_ + r * hn).tanh()
        out = (1 - z) * n + z * h
        return out.squeeze(0) if unbatched else out
