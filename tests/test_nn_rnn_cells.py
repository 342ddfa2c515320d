"""RNNCell, LSTMCell and GRUCell: PyTorch's parameter names, shapes, init bound, gate order (checked
against NumPy step equations and against one step of nn.RNN/LSTM/GRU with the same weights),
unbatched input, float64 gradcheck/gradgradcheck, reprs and errors."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn
from minidl.autograd import gradcheck, gradgradcheck


def _sig(a):
    return 1 / (1 + np.exp(-a))


def _params(cell):
    return {name: p.numpy() for name, p in cell.named_parameters()}


def _reference(kind, cell, x, h, c=None):
    p = _params(cell)
    gi = x @ p["weight_ih"].T + p.get("bias_ih", 0)
    gh = h @ p["weight_hh"].T + p.get("bias_hh", 0)
    if kind == "rnn":
        return np.tanh(gi + gh)
    if kind == "lstm":
        i, f, g, o = np.split(gi + gh, 4, axis=-1)
        c2 = _sig(f) * c + _sig(i) * np.tanh(g)
        return _sig(o) * np.tanh(c2), c2
    ir, iz, in_ = np.split(gi, 3, axis=-1)
    hr, hz, hn = np.split(gh, 3, axis=-1)
    r, z = _sig(ir + hr), _sig(iz + hz)
    n = np.tanh(in_ + r * hn)
    return (1 - z) * n + z * h


@pytest.mark.parametrize("kind, cls, gates", [("rnn", nn.RNNCell, 1), ("lstm", nn.LSTMCell, 4),
                                              ("gru", nn.GRUCell, 3)])
def test_parameters_and_values(rng, kind, cls, gates):
    cell = cls(4, 5).double()
    assert list(cell.state_dict()) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    assert cell.weight_ih.shape == (gates * 5, 4) and cell.weight_hh.shape == (gates * 5, 5)
    assert cell.bias_ih.shape == (gates * 5,)
    bound = 1 / np.sqrt(5)
    assert all(np.abs(p.numpy()).max() <= bound for p in cell.parameters())
    x, h, c = rng.standard_normal((3, 4)), rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    xt, ht, ct = (mdl.tensor(a, dtype=mdl.float64) for a in (x, h, c))
    if kind == "lstm":
        h2, c2 = cell(xt, (ht, ct))
        eh, ec = _reference(kind, cell, x, h, c)
        np.testing.assert_allclose(h2.numpy(), eh, rtol=1e-12)
        np.testing.assert_allclose(c2.numpy(), ec, rtol=1e-12)
        h0, c0 = cell(xt)
        np.testing.assert_allclose(h0.numpy(), _reference(kind, cell, x, 0 * h, 0 * c)[0], rtol=1e-12)
    else:
        np.testing.assert_allclose(cell(xt, ht).numpy(), _reference(kind, cell, x, h), rtol=1e-12)
        np.testing.assert_allclose(cell(xt).numpy(), _reference(kind, cell, x, 0 * h), rtol=1e-12)


@pytest.mark.parametrize("cell_cls, layer_cls", [(nn.RNNCell, nn.RNN), (nn.LSTMCell, nn.LSTM),
                                                 (nn.GRUCell, nn.GRU)])
def test_cell_is_one_step_of_the_layer(rng, cell_cls, layer_cls):
    cell, layer = cell_cls(3, 4).double(), layer_cls(3, 4).double()
    for name, p in cell.named_parameters():
        getattr(layer, name + "_l0").detach().copy_(p.detach())
    x = mdl.tensor(rng.standard_normal((1, 2, 3)))
    out, _ = layer(x)
    step = cell(x[0])
    step = step[0] if isinstance(step, tuple) else step
    np.testing.assert_allclose(step.numpy(), out[0].numpy(), rtol=1e-12)


def test_unbatched_and_no_bias(rng):
    cell = nn.GRUCell(4, 5, bias=False)
    assert list(cell.state_dict()) == ["weight_ih", "weight_hh"] and cell.bias_ih is None
    x = mdl.randn(4)
    assert cell(x).shape == (5,) and cell(x, mdl.randn(5)).shape == (5,)
    h, c = nn.LSTMCell(4, 5)(x, (mdl.zeros(5), mdl.zeros(5)))
    assert h.shape == (5,) and c.shape == (5,)
    relu_cell = nn.RNNCell(4, 5, nonlinearity="relu")
    assert np.all(relu_cell(mdl.randn(3, 4)).numpy() >= 0)


@pytest.mark.parametrize("cls", [nn.RNNCell, nn.LSTMCell, nn.GRUCell])
def test_gradcheck(rng, cls):
    cell = cls(3, 2).double()
    x = mdl.tensor(rng.standard_normal((2, 3)), dtype=mdl.float64, requires_grad=True)
    h = mdl.tensor(rng.standard_normal((2, 2)), dtype=mdl.float64, requires_grad=True)
    w = cell.weight_hh

    def step(x, h, w_hh):
        cell.weight_hh = w_hh
        out = cell(x, (h, h * 0.5)) if cls is nn.LSTMCell else cell(x, h)
        return out[1] if isinstance(out, tuple) else out

    assert gradcheck(step, (x, h, w))
    assert gradgradcheck(step, (x, h, w))


def test_reprs_and_errors():
    assert repr(nn.RNNCell(3, 4)) == "RNNCell(3, 4)"
    assert repr(nn.RNNCell(3, 4, bias=False, nonlinearity="relu")) == "RNNCell(3, 4, bias=False, nonlinearity=relu)"
    assert repr(nn.LSTMCell(3, 4)) == "LSTMCell(3, 4)" and repr(nn.GRUCell(3, 4)) == "GRUCell(3, 4)"
    with pytest.raises(RuntimeError, match="inconsistent input_size: got 3 expected 4"):
        nn.GRUCell(4, 5)(mdl.randn(2, 3))
    with pytest.raises(ValueError, match="Expected input to be 1D or 2D, got 3D"):
        nn.LSTMCell(4, 5)(mdl.randn(2, 3, 4))
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNNCell(3, 4, nonlinearity="sigmoid")
    with pytest.raises(RuntimeError, match="hidden state has shape"):
        nn.RNNCell(4, 5)(mdl.randn(2, 4), mdl.randn(3, 5))
