"""torch.lstm / gru / rnn_tanh / rnn_relu (flat-weight recurrent passes), padded and packed: values as PyTorch 2.13
printed them for the same seed (the modules' initial weights are PyTorch's too), agreement with nn.LSTM/GRU/RNN,
gradients to second order."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck

EXPECTED = {  # module: (padded output sum, h_n sum, packed output sum, packed h_n sum), from PyTorch 2.13
    "LSTM": (-2.626689910888672, -0.22095176577568054, -2.245542526245117, -1.64299738407135),
    "GRU": (13.950406074523926, 1.006007194519043, 9.691864967346191, 1.6386103630065918),
    "RNN": (-5.820635795593262, 2.2091379165649414, -4.477646827697754, 2.640958309173584),
}


def test_values_equal_pytorchs_and_the_modules():
    mdl.manual_seed(0)
    for module, fn in ((mdl.nn.LSTM, mdl.lstm), (mdl.nn.GRU, mdl.gru), (mdl.nn.RNN, mdl.rnn_tanh)):
        m = module(3, 4, num_layers=2, bidirectional=True, batch_first=True)
        x, h0 = mdl.randn(2, 5, 3), mdl.randn(4, 2, 4)
        is_lstm = module is mdl.nn.LSTM
        hx = [h0, mdl.randn(4, 2, 4)] if is_lstm else h0
        params = list(m.parameters())
        out = fn(x, hx, params, True, 2, 0.0, False, True, True)
        ref = m(x, tuple(hx) if is_lstm else hx)
        np.testing.assert_allclose(out[0].detach().numpy(), ref[0].detach().numpy(), atol=1e-6)
        want = EXPECTED[module.__name__]
        assert out[0].sum().item() == pytest.approx(want[0], abs=1e-5)
        assert out[1].sum().item() == pytest.approx(want[1], abs=1e-5)
        assert len(out) == (3 if is_lstm else 2)
        packed = mdl.nn.utils.rnn.pack_padded_sequence(x, [5, 3], batch_first=True)
        pout = fn(packed.data, packed.batch_sizes, hx, params, True, 2, 0.0, False, True)
        pref = m(packed, tuple(hx) if is_lstm else hx)
        np.testing.assert_allclose(pout[0].detach().numpy(), pref[0].data.detach().numpy(), atol=1e-6)
        assert pout[0].sum().item() == pytest.approx(want[2], abs=1e-5)
        assert pout[1].sum().item() == pytest.approx(want[3], abs=1e-5)
    r = mdl.rnn_relu(mdl.randn(4, 2, 3), mdl.zeros(1, 2, 5), [mdl.randn(5, 3), mdl.randn(5, 5)], False, 1, 0.0, False,
                     False, False)
    assert r[0].sum().item() == pytest.approx(50.547489166259766, abs=1e-4) and tuple(r[1].shape) == (1, 2, 5)


def test_errors():
    with pytest.raises(RuntimeError, match="input must have 3 dimensions"):
        mdl.gru(mdl.randn(2, 3), mdl.zeros(1, 2, 4), [mdl.randn(12, 3), mdl.randn(12, 4)], False, 1, 0.0, False,
                False, False)
    with pytest.raises(RuntimeError, match="expected 4 parameters per layer and direction"):
        mdl.gru(mdl.randn(2, 1, 3), mdl.zeros(1, 1, 4), [mdl.randn(12, 3), mdl.randn(12, 4)], True, 1, 0.0, False,
                False, False)


def test_gradients_to_second_order():
    def d(*shape):
        return mdl.randn(*shape, dtype=mdl.float64, requires_grad=True)
    x, h, c = d(3, 2, 2), d(2, 2, 2), d(2, 2, 2)
    w = [d(8, 2), d(8, 2), d(8), d(8), d(8, 2), d(8, 2), d(8), d(8)]       # 1 layer, 2 directions

    def run(x, h, c, *weights):
        return mdl.lstm(x, [h, c], list(weights), True, 1, 0.0, False, True, False)[0]
    assert gradcheck(run, (x, h, c, *w)) and gradgradcheck(run, (x, h, c, *w))
    g = [d(6, 2), d(6, 2)]

    def run_gru(x, h, *weights):
        return mdl.gru(x, h[:1], list(weights), False, 1, 0.0, False, False, False)[1]
    assert gradcheck(run_gru, (x, h, *g)) and gradgradcheck(run_gru, (x, h, *g))
