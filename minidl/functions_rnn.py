"""``torch.lstm``, ``torch.gru``, ``torch.rnn_tanh``, ``torch.rnn_relu``: whole multi-layer (bi)directional
recurrent passes from a flat list of weights, the functions PyTorch's ``nn.LSTM``/``GRU``/``RNN`` call, in both of
PyTorch's forms: padded ``(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
batch_first)`` and packed ``(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train,
bidirectional)``. Built from the cells of :mod:`minidl.functions_rnn_cells`, so differentiable.

``params`` holds, for each layer and then each direction, ``w_ih, w_hh`` and (with ``has_biases``) ``b_ih, b_hh``.
``hx`` is (layers * directions, N, H) (for LSTM the list ``[h0, c0]``). Between layers, with ``train`` and
``dropout > 0``, the layer's output goes through dropout, as PyTorch's.
"""
from __future__ import annotations

from .functions_rnn_cells import gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell

__all__ = ["lstm", "gru", "rnn_tanh", "rnn_relu"]


def _step(cell, lstm_like):
    if lstm_like:
        return lambda x, state, w: lstm_cell(x, state, *w)
    return lambda x, state, w: (cell(x, state[0], *w),)


def _weights(params, has_biases, index, name):
    per = 4 if has_biases else 2
    chunk = list(params[index * per:(index + 1) * per])
    if len(chunk) != per:
        raise RuntimeError(f"{name}: expected {per} parameters per layer and direction, the list has "
                           f"{len(params)} in all")
    return chunk if has_biases else chunk + [None, None]


def _padded(step, name, input, states, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    import minidl

    from .nn import functional as F
    x = input.transpose(0, 1) if batch_first else input
    steps, directions = x.shape[0], 2 if bidirectional else 1
    finals = []
    for layer in range(num_layers):
        outputs = []
        for direction in range(directions):
            index = layer * directions + direction
            weights = _weights(params, has_biases, index, name)
            state = tuple(s[index] for s in states)
            sequence = [None] * steps
            for t in (range(steps) if direction == 0 else range(steps - 1, -1, -1)):
                state = step(x[t], state, weights)
                sequence[t] = state[0]
            outputs.append(minidl.stack(sequence))
            finals.append(state)
        x = outputs[0] if directions == 1 else minidl.cat(outputs, -1)
        if dropout and train and layer < num_layers - 1:
            x = F.dropout(x, dropout, True)
    output = x.transpose(0, 1) if batch_first else x
    return (output,) + tuple(minidl.stack([f[i] for f in finals]) for i in range(len(states)))


def _packed(step, name, data, batch_sizes, states, params, has_biases, num_layers, dropout, train, bidirectional):
    import minidl

    from .nn import functional as F
    sizes = [int(b) for b in (batch_sizes.tolist() if hasattr(batch_sizes, "tolist") else batch_sizes)]
    starts = [sum(sizes[:t]) for t in range(len(sizes))]
    directions = 2 if bidirectional else 1
    x, finals = data, []
    for layer in range(num_layers):
        outputs = []
        for direction in range(directions):
            index = layer * directions + direction
            weights = _weights(params, has_biases, index, name)
            state = tuple(s[index] for s in states)
            pieces = [None] * len(sizes)
            order = range(len(sizes)) if direction == 0 else range(len(sizes) - 1, -1, -1)
            for t in order:
                b = sizes[t]
                new = step(x[starts[t]:starts[t] + b], tuple(s[:b] for s in state), weights)
                state = tuple(minidl.cat([n, s[b:]]) if b < s.shape[0] else n for n, s in zip(new, state))
                pieces[t] = new[0]
            outputs.append(minidl.cat(pieces))
            finals.append(state)
        x = outputs[0] if directions == 1 else minidl.cat(outputs, -1)
        if dropout and train and layer < num_layers - 1:
            x = F.dropout(x, dropout, True)
    return (x,) + tuple(minidl.stack([f[i] for f in finals]) for i in range(len(states)))


def _dispatch(name, step, lstm_like, args):
    from .tensor import Tensor
    if len(args) != 9:
        raise TypeError(f"{name}() takes 9 arguments, got {len(args)}")
    # packed form: (data, batch_sizes, hx, ...): LSTM's second argument, the others' third, is then a Tensor
    if isinstance(args[1] if lstm_like else args[2], Tensor):
        data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional = args
        states = tuple(hx) if lstm_like else (hx,)
        return _packed(step, name, data, batch_sizes, states, params, has_biases, num_layers, dropout, train,
                       bidirectional)
    input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first = args
    if input.ndim != 3:
        raise RuntimeError(f"{name}: input must have 3 dimensions, got {input.ndim}")
    states = tuple(hx) if lstm_like else (hx,)
    return _padded(step, name, input, states, params, has_biases, num_layers, dropout, train, bidirectional,
                   batch_first)


def lstm(*args):
    """``lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)`` or
    ``lstm(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)``:
    ``(output, h_n, c_n)``; ``hx`` is ``[h0, c0]``."""
    return _dispatch("lstm", _step(None, True), True, args)


def gru(*args):
    """``gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)`` or the packed
    form: ``(output, h_n)``."""
    return _dispatch("gru", _step(gru_cell, False), False, args)


def rnn_tanh(*args):
    """``rnn_tanh(...)``, as :func:`gru` with the tanh Elman cell: ``(output, h_n)``."""
    return _dispatch("rnn_tanh", _step(rnn_tanh_cell, False), False, args)


def rnn_relu(*args):
    """``rnn_relu(...)``, as :func:`gru` with the ReLU Elman cell: ``(output, h_n)``."""
    return _dispatch("rnn_relu", _step(rnn_relu_cell, False), False, args)
