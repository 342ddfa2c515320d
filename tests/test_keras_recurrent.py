"""keras.layers.SimpleRNN / LSTM / GRU against Keras 3 outputs for fixed weights
(fixture: tests/fixtures/make_keras_rnn_reference.py, run once with Keras 3 on JAX)."""
import json
from pathlib import Path

import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.autograd import gradcheck
from minidl.keras import layers, ops

REF = json.loads((Path(__file__).parent / "fixtures" / "keras_rnn_reference.json").read_text())
LAYERS = {"lstm": lambda: layers.LSTM(4, return_sequences=True), "gru": lambda: layers.GRU(4),
          "rnn": lambda: layers.SimpleRNN(4, go_backwards=True), "gru2": lambda: layers.GRU(4, reset_after=False)}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_matches_keras(name):
    layer = LAYERS[name]()
    x = np.array(REF["x"], np.float32)
    layer(x)  # build
    layer.set_weights([np.array(w, np.float32) for w in REF[name]["w"]])
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), np.array(REF[name]["y"]), rtol=1e-4, atol=1e-5)


def test_lstm_weights_state_and_forget_bias():
    lstm = layers.LSTM(4, return_state=True)
    out, h, c = lstm(np.zeros((2, 5, 3), np.float32))
    assert [tuple(w.shape) for w in lstm.weights] == [(3, 16), (4, 16), (16,)]
    np.testing.assert_array_equal(lstm.get_weights()[2], [0] * 4 + [1] * 4 + [0] * 8)
    np.testing.assert_array_equal(ops.convert_to_numpy(out), ops.convert_to_numpy(h))
    assert tuple(c.shape) == (2, 4)


@pytest.mark.parametrize("name", ["lstm", "gru", "rnn"])
def test_gradient_through_time(name):
    layer = LAYERS[name]()
    layer(np.zeros((1, 3, 3), np.float32))
    layer.double()

    def run(x):
        return layer._forward(x)

    x = minidl.tensor(np.random.default_rng(1).standard_normal((2, 3, 3)), dtype=minidl.float64, requires_grad=True)
    assert gradcheck(run, (x,))


def test_functional_text_model_trains():
    rng = np.random.default_rng(0)
    inputs = keras.Input(shape=(None,), dtype="int32")
    z = layers.LSTM(8)(layers.Embedding(30, 6)(inputs))
    model = keras.Model(inputs, layers.Dense(1)(z))
    assert model.output_shape == (None, 1)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    x, y = rng.integers(0, 30, (16, 7)), rng.random((16, 1)).astype("float32")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
