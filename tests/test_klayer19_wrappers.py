"""Keras 3 Bidirectional / TimeDistributed / recurrent layers: weight paths, per-step batch statistics,
and bad arguments, checked against Keras 3.15 (JAX) with the import switched (``import keras``)."""
import numpy as np
import pytest

import minidl.keras as keras

X = np.random.RandomState(3).randn(2, 4, 3).astype("float32")


@pytest.mark.parametrize("rnn,cell", [("LSTM", "lstm_cell"), ("GRU", "gru_cell"), ("SimpleRNN", "simple_rnn_cell")])
def test_recurrent_weight_paths_name_the_cell(rnn, cell):
    layer = getattr(keras.layers, rnn)(2, name="r")
    layer(X)
    assert [w.path for w in layer.weights] == [f"r/{cell}/{n}" for n in ("kernel", "recurrent_kernel", "bias")]
    bi = keras.layers.Bidirectional(getattr(keras.layers, rnn)(2, name="q"), name="bi")
    bi(X)
    assert [w.path for w in bi.weights] == [f"bi/{side}_q/{cell}/{n}" for side in ("forward", "backward")
                                            for n in ("kernel", "recurrent_kernel", "bias")]


def test_bidirectional_needs_a_recurrent_layer():
    with pytest.raises(TypeError):
        keras.layers.Bidirectional(keras.layers.Dense(2))
    with pytest.raises(ValueError):
        keras.layers.Bidirectional(keras.layers.LSTM(2), merge_mode="max")


def test_time_distributed_batch_norm_uses_per_step_statistics():
    layer = keras.layers.TimeDistributed(keras.layers.BatchNormalization(momentum=0.5, epsilon=1e-3))
    out = np.asarray(layer(X, training=True))
    mean = X.mean(axis=0, keepdims=True)  # over the batch, one time step at a time
    var = X.var(axis=0, keepdims=True)
    np.testing.assert_allclose(out, (X - mean) / np.sqrt(var + 1e-3), atol=1e-4)
    moving_mean = np.zeros(3, "float32")
    moving_var = np.ones(3, "float32")
    for t in range(X.shape[1]):  # one moving-statistics update per step
        moving_mean = 0.5 * moving_mean + 0.5 * X[:, t].mean(0)
        moving_var = 0.5 * moving_var + 0.5 * X[:, t].var(0)
    got = layer.get_weights()
    np.testing.assert_allclose(got[2], moving_mean, atol=1e-5)
    np.testing.assert_allclose(got[3], moving_var, atol=1e-5)


def test_time_distributed_dense_path_and_shape():
    layer = keras.layers.TimeDistributed(keras.layers.Dense(5, name="dd"), name="td")
    out = layer(X)
    assert tuple(out.shape) == (2, 4, 5)
    assert [w.path for w in layer.weights] == ["td/dd/kernel", "td/dd/bias"]
    assert tuple(layer.compute_output_shape((2, 4, 3))) == (2, 4, 5)


@pytest.mark.parametrize("rnn,cell,state_size", [("LSTM", "lstm_cell", [2, 2]), ("GRU", "gru_cell", 2),
                                                 ("SimpleRNN", "simple_rnn_cell", 2)])
def test_recurrent_layer_cell(rnn, cell, state_size):
    layer = getattr(keras.layers, rnn)(2, name="r")
    layer(X)
    assert layer.cell.name == cell and layer.cell.units == 2
    assert list(layer.cell.state_size) == state_size if isinstance(state_size, list) else \
        layer.cell.state_size == state_size
    assert [w.path for w in layer.cell.weights] == [w.path for w in layer.weights]
    config = layer.cell.get_config()
    assert config["units"] == 2 and "return_sequences" not in config and "seed" in config


def test_bidirectional_conv_lstm_merges_on_the_channels():
    x = np.random.RandomState(4).randn(2, 3, 5, 5, 2).astype("float32")
    layer = keras.layers.Bidirectional(keras.layers.ConvLSTM2D(2, 3, name="c"), name="b")
    out = layer(x)
    assert tuple(out.shape) == (2, 3, 3, 4)
    assert [w.path for w in layer.weights][:3] == [f"b/forward_c/conv_lstm_cell/{n}"
                                                  for n in ("kernel", "recurrent_kernel", "bias")]
    forward = np.asarray(layer.forward_layer(x))
    np.testing.assert_allclose(np.asarray(out)[..., :2], forward, atol=1e-5)
    seq = keras.layers.Bidirectional(keras.layers.ConvLSTM1D(2, 3, return_sequences=True))
    assert tuple(seq(x[:, :, 0]).shape) == (2, 3, 3, 4)
    summed = keras.layers.Bidirectional(keras.layers.ConvLSTM2D(2, 3, return_state=True), merge_mode="sum")
    assert [tuple(t.shape) for t in summed(x)] == [(2, 3, 3, 2)] * 5


def test_bidirectional_stateful_states_and_reset():
    layer = keras.layers.Bidirectional(keras.layers.LSTM(2, stateful=True, return_sequences=True))
    assert layer.stateful
    first = np.asarray(layer(X))
    assert len(layer.states) == 4
    second = np.asarray(layer(X))
    assert not np.allclose(first, second)
    layer.reset_states()
    np.testing.assert_allclose(np.asarray(layer(X)), first, atol=1e-6)
    with pytest.raises(AttributeError):
        keras.layers.Bidirectional(keras.layers.LSTM(2)).reset_state()
