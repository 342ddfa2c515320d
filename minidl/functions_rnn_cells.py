"""``torch.lstm_cell``, ``torch.gru_cell``, ``torch.rnn_tanh_cell``, ``torch.rnn_relu_cell``: one step of
PyTorch's recurrent cells from explicit weights (the functions its ``nn.*Cell`` modules call), built from
differentiable ops.

Shapes: ``input`` (N, I) or (I,), ``hx`` (N, H) (for LSTM the tuple ``(h, c)``), ``w_ih`` (G*H, I), ``w_hh``
(G*H, H), biases (G*H,) or None, with G = 4 (LSTM: gates i, f, g, o), 3 (GRU: r, z, n) or 1.
"""
from __future__ import annotations

__all__ = ["lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"]


def _check(name, input, hidden, w_ih, w_hh, gates):
    from .tensor import Tensor
    for arg, value in (("input", input), ("hx", hidden), ("w_ih", w_ih), ("w_hh", w_hh)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(value).__name__}")
    if input.shape[-1] != w_ih.shape[1]:
        raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected {w_ih.shape[1]}")
    if hidden.shape[-1] != w_hh.shape[1] or w_hh.shape[0] != gates * hidden.shape[-1]:
        raise RuntimeError(f"hidden has inconsistent hidden_size: got {hidden.shape[-1]}, expected "
                           f"{w_hh.shape[1]} ({name}: w_hh is {tuple(w_hh.shape)})")


def _affine(x, w, b):
    out = x @ w.t()
    return out if b is None else out + b


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step: returns ``(h', c')`` with ``c' = f * c + i * g`` and ``h' = o * tanh(c')``."""
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError(f"lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, not {type(hx).__name__}")
    h, c = hx
    _check("lstm_cell", input, h, w_ih, w_hh, 4)
    gates = _affine(input, w_ih, b_ih) + _affine(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    c_next = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c_next.tanh(), c_next


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step: ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``."""
    _check("gru_cell", input, hx, w_ih, w_hh, 3)
    x_r, x_z, x_n = _affine(input, w_ih, b_ih).chunk(3, -1)
    h_r, h_z, h_n = _affine(hx, w_hh, b_hh).chunk(3, -1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return (1 - z) * n + z * hx


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman step: ``tanh(W_ih x + b_ih + W_hh h + b_hh)``."""
    _check("rnn_tanh_cell", input, hx, w_ih, w_hh, 1)
    return (_affine(input, w_ih, b_ih) + _affine(hx, w_hh, b_hh)).tanh()


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman step with ReLU: ``relu(W_ih x + b_ih + W_hh h + b_hh)``."""
    _check("rnn_relu_cell", input, hx, w_ih, w_hh, 1)
    return (_affine(input, w_ih, b_ih) + _affine(hx, w_hh, b_hh)).relu()
