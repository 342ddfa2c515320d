"""keras.layers.RNN with SimpleRNNCell / LSTMCell / GRUCell / StackedRNNCells / a user cell.

Values against Keras 3 (JAX) outputs for fixed weights: tests/fixtures/keras_rnn_cells.npz and
keras_rnn_cells.weights.h5.gz, made once by tests/fixtures/make_keras_rnn_cells.py in the reference venv.
"""
import gzip
import json
from pathlib import Path

import h5py
import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.autograd import gradcheck
from minidl.keras import layers, ops

FIX = Path(__file__).parent / "fixtures"
REF = dict(np.load(FIX / "keras_rnn_cells.npz"))

CASES = {
    "simple": lambda: layers.RNN(layers.SimpleRNNCell(4), return_sequences=True),
    "lstm": lambda: layers.RNN(layers.LSTMCell(4)),
    "gru": lambda: layers.RNN(layers.GRUCell(4), go_backwards=True),
    "gru_before": lambda: layers.RNN(layers.GRUCell(4, reset_after=False)),
    "stacked": lambda: layers.RNN([layers.LSTMCell(3), layers.GRUCell(4)], return_sequences=True),
    "masked": lambda: layers.RNN(layers.LSTMCell(4), return_sequences=True),
}


def _weights(name):
    return [REF[f"{name}_w{i}"] for i in range(sum(k.startswith(f"{name}_w") for k in REF))]


@pytest.mark.parametrize("name", sorted(CASES))
def test_rnn_cells_match_keras(name):
    layer = CASES[name]()
    x = REF["x"]
    layer(x)
    layer.set_weights(_weights(name))
    y = layer(x, mask=REF["mask"]) if name == "masked" else layer(x)
    np.testing.assert_allclose(ops.convert_to_numpy(y), REF[f"{name}_y"], rtol=1e-5, atol=1e-5)


def test_cells_share_the_step_of_the_recurrent_layers():
    x = REF["x"]
    for cell, full in ((layers.LSTMCell(4), layers.LSTM(4)), (layers.GRUCell(4), layers.GRU(4)),
                       (layers.SimpleRNNCell(4), layers.SimpleRNN(4))):
        rnn = layers.RNN(cell)
        rnn(x)
        full(x)
        full.set_weights(rnn.get_weights())
        np.testing.assert_allclose(ops.convert_to_numpy(rnn(x)), ops.convert_to_numpy(full(x)), rtol=1e-6)


def test_weight_names_shapes_state_sizes_and_params():
    stacked = layers.StackedRNNCells([layers.LSTMCell(3), layers.GRUCell(4)])
    rnn = layers.RNN(stacked)
    rnn(np.zeros((2, 5, 3), np.float32))
    assert [(w.name, tuple(w.shape)) for w in rnn.weights] == [
        ("kernel", (3, 12)), ("recurrent_kernel", (3, 12)), ("bias", (12,)),
        ("kernel", (3, 12)), ("recurrent_kernel", (4, 12)), ("bias", (2, 12))]
    assert stacked.state_size == [[3, 3], 4] and stacked.output_size == 4
    assert layers.LSTMCell(5).state_size == [5, 5] and layers.GRUCell(5).state_size == 5
    assert rnn.count_params() == 192  # Keras' summary: 192
    np.testing.assert_array_equal(rnn.get_weights()[2], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])  # unit_forget_bias
    assert rnn.compute_output_shape((None, 5, 3)) == (None, 4)


def test_return_state_structure_and_initial_state():
    x = REF["x"]
    rnn = layers.RNN([layers.LSTMCell(3), layers.GRUCell(4)], return_state=True)
    out, (h1, c1), h2 = rnn(x)
    assert tuple(out.shape) == (2, 4) and tuple(c1.shape) == (2, 3) and tuple(h2.shape) == (2, 4)
    np.testing.assert_allclose(ops.convert_to_numpy(out), ops.convert_to_numpy(h2))
    assert rnn.compute_output_shape((None, 5, 3)) == ((None, 4), [(None, 3), (None, 3)], (None, 4))  # as Keras
    lstm = layers.RNN(layers.LSTMCell(4), return_state=True)
    out, h, c = lstm(x)
    # running the last two steps from the state after the first three equals the whole run
    first = layers.RNN(lstm.cell, return_state=True)
    _, h3, c3 = first(x[:, :3])
    rest = layers.RNN(lstm.cell)(x[:, 3:], initial_state=[h3, c3])
    np.testing.assert_allclose(ops.convert_to_numpy(rest), ops.convert_to_numpy(out), rtol=1e-5, atol=1e-6)


def test_cell_called_directly_is_one_step():
    cell = layers.GRUCell(4)
    rnn = layers.RNN(cell)
    x = REF["x"][:, :1]
    y = rnn(x)
    out, states = cell(REF["x"][:, 0], [np.zeros((2, 4), np.float32)])
    assert isinstance(states, list) and len(states) == 1
    np.testing.assert_allclose(ops.convert_to_numpy(out), ops.convert_to_numpy(y), rtol=1e-6)


class MinimalRNNCell(layers.Layer):
    """The Keras RNN guide's user cell."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        prev_output = states[0]
        h = ops.matmul(inputs, self.kernel)
        output = h + ops.matmul(prev_output, self.recurrent_kernel)
        return output, [output]

    def get_config(self):
        return dict(super().get_config(), units=self.units)


def test_user_cell_matches_numpy_and_trains():
    rnn = layers.RNN(MinimalRNNCell(3), return_sequences=True)
    x = REF["x"]
    y = ops.convert_to_numpy(rnn(x))
    k, rk = rnn.get_weights()
    h = np.zeros((2, 3), np.float32)
    for t in range(5):
        h = x[:, t] @ k + h @ rk
        np.testing.assert_allclose(y[:, t], h, rtol=1e-5, atol=1e-6)
    inputs = keras.Input((None, 3))
    outputs = layers.Dense(1)(layers.RNN(MinimalRNNCell(8))(inputs))
    model = keras.Model(inputs, outputs)
    assert model.output_shape == (None, 1)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    rng = np.random.default_rng(0)
    data, target = rng.standard_normal((32, 5, 3)).astype("float32"), rng.standard_normal((32, 1)).astype("float32")
    hist = model.fit(data, target, epochs=4, batch_size=8, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_fit_save_and_reload(tmp_path):
    minidl.manual_seed(0)
    model = keras.Sequential([keras.Input((5, 3)), layers.RNN([layers.LSTMCell(6), layers.SimpleRNNCell(5)]),
                              layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    rng = np.random.default_rng(1)
    data, target = rng.standard_normal((32, 5, 3)).astype("float32"), rng.standard_normal((32, 1)).astype("float32")
    hist = model.fit(data, target, epochs=4, batch_size=8, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    assert type(again.layers[0].cell).__name__ == "StackedRNNCells"
    np.testing.assert_allclose(again.predict(data, verbose=0), model.predict(data, verbose=0), rtol=1e-5)
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5") as f:  # Keras' layout: <rnn>/cell/cells/<cell>/vars
        assert sorted(f["layers/rnn/cell/cells"]) == ["lstm_cell", "simple_rnn_cell"]
        assert len(f["layers/rnn/cell/cells/lstm_cell/vars"]) == 3


def test_keras_weights_file_loads(tmp_path):
    path = tmp_path / "k.weights.h5"
    path.write_bytes(gzip.decompress((FIX / "keras_rnn_cells.weights.h5.gz").read_bytes()))
    model = keras.Sequential([keras.Input((5, 3)), layers.RNN([layers.LSTMCell(3), layers.GRUCell(4)]),
                              layers.Dense(2)])
    model.load_weights(path)
    np.testing.assert_allclose(model.predict(REF["x"], verbose=0), REF["stacked_model_y"], rtol=1e-5, atol=1e-5)


def test_config_round_trip():
    rnn = layers.RNN([layers.LSTMCell(3, unit_forget_bias=False), layers.GRUCell(4, reset_after=False)],
                     return_sequences=True, go_backwards=True, name="r")
    config = rnn.get_config()
    assert config["cell"]["class_name"] == "StackedRNNCells"
    assert [c["class_name"] for c in config["cell"]["config"]["cells"]] == ["LSTMCell", "GRUCell"]
    again = layers.RNN.from_config(config)
    assert again.go_backwards and again.return_sequences
    assert again.cell.cells[0].unit_forget_bias is False and again.cell.cells[1].reset_after is False
    cell_config = layers.GRUCell(4).get_config()
    for key in ("units", "activation", "recurrent_activation", "reset_after", "dropout", "recurrent_dropout", "seed"):
        assert key in cell_config
    assert "recurrent_activation" not in layers.SimpleRNNCell(2).get_config()
    assert layers.SimpleRNNCell.from_config(layers.SimpleRNNCell(2, activation="relu").get_config()).units == 2


def test_gradient_through_time_float64():
    rnn = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)])
    rnn(np.zeros((1, 3, 3), np.float32))
    rnn.double()
    x = minidl.tensor(np.random.default_rng(2).standard_normal((2, 3, 3)), dtype=minidl.float64, requires_grad=True)
    assert gradcheck(lambda v: rnn._forward(v), (x,))


def test_cell_dropout_is_training_only_and_seeded():
    x = np.ones((4, 6, 5), np.float32)
    rnn = layers.RNN(layers.SimpleRNNCell(3, dropout=0.5))
    a = ops.convert_to_numpy(rnn(x))
    np.testing.assert_array_equal(a, ops.convert_to_numpy(rnn(x)))
    minidl.manual_seed(3)
    b = ops.convert_to_numpy(rnn(x, training=True))
    minidl.manual_seed(3)
    np.testing.assert_array_equal(b, ops.convert_to_numpy(rnn(x, training=True)))
    assert not np.allclose(a, b)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="state_size"):
        layers.RNN(layers.Dense(3))
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.RNN(layers.GRUCell(2))(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="units"):
        layers.LSTMCell(0)


@pytest.mark.parametrize("make", [lambda: layers.LSTM(4, stateful=True), lambda: layers.GRU(3, stateful=True),
                                  lambda: layers.RNN(layers.LSTMCell(4), stateful=True),
                                  lambda: layers.RNN([layers.GRUCell(3), layers.SimpleRNNCell(2)], stateful=True)])
def test_stateful_layers_carry_states_across_calls(make):
    # the Keras RNN guide's cross-batch statefulness: three chunks equal one long sequence
    x = np.random.default_rng(4).standard_normal((2, 9, 3)).astype("float32")
    layer = make()
    whole = make()
    layer(x[:, :3])
    whole(x)
    whole.set_weights(layer.get_weights())
    whole.reset_states()
    layer.reset_states()
    for chunk in (x[:, :3], x[:, 3:6]):
        layer(chunk)
    np.testing.assert_allclose(_np(layer(x[:, 6:])), _np(whole(x)), rtol=1e-5, atol=1e-6)
    layer.reset_states()
    fresh = make()
    fresh(x[:, :3])
    fresh.set_weights(layer.get_weights())
    fresh.reset_states()
    np.testing.assert_allclose(_np(layer(x[:, :3])), _np(fresh(x[:, :3])), rtol=1e-6)
    with pytest.raises(ValueError, match="batch size"):
        layer(x[:1, :3])
    assert layer.get_config()["stateful"] is True


def test_state_reuse_through_initial_state():
    # the guide's "RNN state reuse": a new layer starts from another layer's states
    x = np.random.default_rng(5).standard_normal((2, 6, 3)).astype("float32")
    lstm = layers.LSTM(4, stateful=True)
    lstm(x[:, :3])
    existing_state = lstm.states
    new_lstm = layers.LSTM(4)
    new_lstm(x[:, 3:])
    new_lstm.set_weights(lstm.get_weights())
    whole = layers.LSTM(4)
    whole(x)
    whole.set_weights(lstm.get_weights())
    np.testing.assert_allclose(_np(new_lstm(x[:, 3:], initial_state=existing_state)), _np(whole(x)), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(ValueError, match="initial_state has 1"):
        new_lstm(x, initial_state=existing_state[:1])
    inputs = keras.Input((None, 3))
    with pytest.raises(TypeError, match="every initial state must be symbolic"):
        layers.GRU(2)(inputs, initial_state=[np.zeros((2, 2), np.float32)])


def test_stateful_needs_a_static_batch_size():
    with pytest.raises(ValueError, match="batch size must be static"):
        keras.Sequential([keras.Input((5, 3)), layers.LSTM(2, stateful=True)])
    model = keras.Sequential([keras.Input(batch_shape=(2, 5, 3)), layers.RNN(layers.GRUCell(2), stateful=True)])
    first = model.predict(np.ones((2, 5, 3), np.float32), verbose=0)
    second = model.predict(np.ones((2, 5, 3), np.float32), verbose=0)
    assert not np.allclose(first, second)  # the second call starts from the first call's states
    model.layers[0].reset_states()
    np.testing.assert_allclose(model.predict(np.ones((2, 5, 3), np.float32), verbose=0), first, rtol=1e-6)


def _np(t):
    return ops.convert_to_numpy(t)


def _encoder_decoder(module):
    """The Keras RNN guide's encoder-decoder: the encoder's final states start the decoder."""
    encoder_input = module.Input(shape=(None,))
    encoder_embedded = module.layers.Embedding(12, 4)(encoder_input)
    output, state_h, state_c = module.layers.LSTM(5, return_state=True, name="encoder")(encoder_embedded)
    decoder_input = module.Input(shape=(None,))
    decoder_embedded = module.layers.Embedding(10, 4)(decoder_input)
    decoder_output = module.layers.LSTM(5, name="decoder")(decoder_embedded, initial_state=[state_h, state_c])
    return module.Model([encoder_input, decoder_input], module.layers.Dense(3)(decoder_output))


def test_functional_encoder_decoder_matches_keras_and_round_trips(tmp_path):
    ref = json.loads(gzip.decompress((FIX / "keras_rnn_encoder_decoder.json.gz").read_bytes()))
    weights = [np.asarray(w, np.float32) for w in ref["weights"]]
    inputs = [np.asarray(ref["a"]), np.asarray(ref["b"])]
    model = _encoder_decoder(keras)
    model.set_weights(weights)
    np.testing.assert_allclose(model.predict(inputs, verbose=0), ref["y"], rtol=1e-5, atol=1e-6)
    assert model.get_layer("encoder").output_shape == ((None, 5), (None, 5), (None, 5))
    rebuilt = keras.models.model_from_json(json.dumps(ref["config"]))  # Keras' own config
    rebuilt.set_weights(weights)
    np.testing.assert_allclose(rebuilt.predict(inputs, verbose=0), ref["y"], rtol=1e-5, atol=1e-6)
    ours = json.loads(model.to_json())
    decoder = next(layer for layer in ours["config"]["layers"] if layer["name"] == "decoder")
    keras_decoder = next(layer for layer in ref["config"]["config"]["layers"] if layer["name"] == "decoder")
    assert decoder["build_config"] == keras_decoder["build_config"]  # {"shapes_dict": ...}
    assert [a["config"]["keras_history"] for a in decoder["inbound_nodes"][0]["kwargs"]["initial_state"]] == \
        [a["config"]["keras_history"] for a in keras_decoder["inbound_nodes"][0]["kwargs"]["initial_state"]]
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    target = np.zeros((2, 3), np.float32)
    hist = model.fit(inputs, target, epochs=3, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(inputs, verbose=0), model.predict(inputs, verbose=0), rtol=1e-5)


def test_functional_generic_rnn_return_state():
    inputs = keras.Input((None, 3))
    seq, h, c = layers.RNN(layers.LSTMCell(4), return_sequences=True, return_state=True)(inputs)
    out = layers.RNN(layers.GRUCell(4))(seq, initial_state=[h])
    model = keras.Model(inputs, [out, c])
    x = REF["x"]
    y, carry = model.predict(x, verbose=0)
    first, second = model.layers[1], model.layers[2]
    s, h_e, c_e = first(x)
    np.testing.assert_allclose(carry, _np(c_e), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y, _np(second(s, initial_state=[h_e])), rtol=1e-5, atol=1e-6)
    with pytest.raises(NotImplementedError, match="nested state sizes"):
        layers.RNN([layers.LSTMCell(2), layers.GRUCell(2)], return_state=True)(inputs)


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


@pytest.mark.parametrize("kind", ["layer", "cell"])
def test_recurrent_dropout_uses_one_mask_per_gate_for_the_sequence(kind):
    # Keras (implementation 1 when recurrent_dropout > 0): each gate's recurrent input is h times its own
    # mask, drawn once per sequence; the masks here are redrawn from the same seed in the same order
    x = np.random.default_rng(6).standard_normal((3, 4, 2)).astype("float32")
    layer = layers.LSTM(5, recurrent_dropout=0.5) if kind == "layer" else \
        layers.RNN(layers.LSTMCell(5, recurrent_dropout=0.5))
    np.testing.assert_array_equal(_np(layer(x)), _np(layer(x)))  # inference: no dropout
    k, rk, b = layer.get_weights()
    minidl.manual_seed(11)
    got = _np(layer(x, training=True))
    minidl.manual_seed(11)
    masks = [_np((minidl.rand(3, 5) >= 0.5).to(minidl.float32) / 0.5) for _ in range(4)]
    h, c = np.zeros((3, 5), np.float32), np.zeros((3, 5), np.float32)
    for t in range(4):
        z = [x[:, t] @ k[:, g * 5:(g + 1) * 5] + (h * masks[g]) @ rk[:, g * 5:(g + 1) * 5] + b[g * 5:(g + 1) * 5]
             for g in range(4)]
        c = _sigmoid(z[1]) * c + _sigmoid(z[0]) * np.tanh(z[2])
        h = _sigmoid(z[3]) * np.tanh(c)
    np.testing.assert_allclose(got, h, rtol=1e-5, atol=1e-6)


def test_dropout_and_recurrent_dropout_train_and_round_trip(tmp_path):
    minidl.manual_seed(0)
    model = keras.Sequential([keras.Input((6, 3)), layers.GRU(4, dropout=0.2, recurrent_dropout=0.3,
                                                               return_sequences=True),
                              layers.RNN(layers.SimpleRNNCell(3, dropout=0.1, recurrent_dropout=0.2)),
                              layers.Dense(1)])
    assert model.layers[0].get_config()["recurrent_dropout"] == 0.3
    assert model.layers[1].cell.get_config()["recurrent_dropout"] == 0.2
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((32, 6, 3)).astype("float32"), rng.standard_normal((32, 1)).astype("float32")
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    hist = model.fit(x, y, epochs=4, batch_size=8, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    assert again.layers[0].recurrent_dropout == 0.3
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
