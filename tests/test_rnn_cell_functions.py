"""minidl.lstm_cell / gru_cell / rnn_tanh_cell / rnn_relu_cell: PyTorch's values (sums printed by PyTorch 2.13
for the same seed), agreement with the nn cells, argument checks, first and second derivatives."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck


def test_values_equal_pytorchs():
    mdl.manual_seed(0)
    x, h, c = mdl.randn(3, 4), mdl.randn(3, 5), mdl.randn(3, 5)
    w_ih, w_hh, b_ih, b_hh = mdl.randn(20, 4), mdl.randn(20, 5), mdl.randn(20), mdl.randn(20)
    hy, cy = mdl.lstm_cell(x, (h, c), w_ih, w_hh, b_ih, b_hh)
    assert hy.sum().item() == pytest.approx(-1.2810628414154053, abs=1e-5)
    assert cy.sum().item() == pytest.approx(-4.913534164428711, abs=1e-5)
    assert mdl.lstm_cell(x, (h, c), w_ih, w_hh)[0].sum().item() == pytest.approx(-1.7331432104110718, abs=1e-5)
    g = mdl.gru_cell(x, h, mdl.randn(15, 4), mdl.randn(15, 5), mdl.randn(15), mdl.randn(15))
    assert g.sum().item() == pytest.approx(0.650920033454895, abs=1e-5)
    assert mdl.rnn_tanh_cell(x, h, mdl.randn(5, 4), mdl.randn(5, 5)).sum().item() == \
        pytest.approx(-3.8719608783721924, abs=1e-5)
    r = mdl.rnn_relu_cell(x, h, mdl.randn(5, 4), mdl.randn(5, 5), mdl.randn(5), mdl.randn(5))
    assert r.sum().item() == pytest.approx(22.86279296875, abs=1e-4)


def test_agree_with_the_cell_modules():
    x, h, c = mdl.randn(2, 3), mdl.randn(2, 4), mdl.randn(2, 4)
    lstm, gru, rnn = mdl.nn.LSTMCell(3, 4), mdl.nn.GRUCell(3, 4), mdl.nn.RNNCell(3, 4, nonlinearity="relu")
    for got, want in ((mdl.lstm_cell(x, (h, c), lstm.weight_ih, lstm.weight_hh, lstm.bias_ih, lstm.bias_hh)[1],
                       lstm(x, (h, c))[1]),
                      (mdl.gru_cell(x, h, gru.weight_ih, gru.weight_hh, gru.bias_ih, gru.bias_hh), gru(x, h)),
                      (mdl.rnn_relu_cell(x, h, rnn.weight_ih, rnn.weight_hh, rnn.bias_ih, rnn.bias_hh), rnn(x, h))):
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_argument_errors():
    x, h = mdl.randn(3, 4), mdl.randn(3, 5)
    with pytest.raises(TypeError, match="argument 'hx' \\(position 2\\) must be tuple of Tensors"):
        mdl.lstm_cell(x, h, mdl.randn(20, 4), mdl.randn(20, 5))
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 4 expected 3"):
        mdl.lstm_cell(x, (h, h), mdl.randn(20, 3), mdl.randn(20, 5))


def test_gradients_to_second_order():
    def d(*shape):
        return mdl.randn(*shape, dtype=mdl.float64, requires_grad=True)
    x, h, c = d(2, 3), d(2, 2), d(2, 2)
    args4 = (x, h, c, d(8, 3), d(8, 2), d(8), d(8))
    lstm = lambda x, h, c, a, b, bi, bh: mdl.lstm_cell(x, (h, c), a, b, bi, bh)  # noqa: E731
    assert gradcheck(lstm, args4) and gradgradcheck(lstm, args4)
    args3 = (x, h, d(6, 3), d(6, 2), d(6), d(6))
    assert gradcheck(mdl.gru_cell, args3) and gradgradcheck(mdl.gru_cell, args3)
    args1 = (x, h, d(2, 3), d(2, 2), d(2), d(2))
    assert gradcheck(mdl.rnn_tanh_cell, args1) and gradgradcheck(mdl.rnn_tanh_cell, args1)
    assert gradcheck(mdl.rnn_relu_cell, args1) and gradgradcheck(mdl.rnn_relu_cell, args1)
