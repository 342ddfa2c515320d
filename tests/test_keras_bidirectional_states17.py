"""``Bidirectional(...)(sequences, initial_state=[...])`` on symbolic inputs (a functional model), as Keras 3.15:
the first half of the states starts the forward layer, the rest the backward one. Checked against the eager
call, a save/load round trip, and a model saved by Keras (fixture made by
tests/fixtures/make_keras_bidirectional_states17.py)."""
import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

import minidl.keras as keras

FIXTURES = Path(__file__).parent / "fixtures"


def _inputs():
    rng = np.random.default_rng(0)
    return [rng.standard_normal((2, 5, 3)).astype("float32")] + [
        rng.standard_normal((2, 4)).astype("float32") for _ in range(4)]


def _model():
    seq = keras.Input((5, 3))
    states = [keras.Input((4,)) for _ in range(4)]
    layer = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True), name="bi")
    return keras.Model([seq, *states], layer(seq, initial_state=states)), layer


def test_functional_states_equal_the_eager_call(tmp_path):
    model, layer = _model()
    xs = _inputs()
    assert tuple(model.outputs[0].shape) == (None, 5, 8)
    got = np.asarray(model.predict(xs, verbose=0))
    np.testing.assert_allclose(got, np.asarray(layer(xs[0], initial_state=xs[1:])), atol=1e-6)
    zero_start = np.asarray(layer(xs[0]))
    assert np.abs(got - zero_start).max() > 1e-3      # the states were used
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(np.asarray(again.predict(xs, verbose=0)), got, atol=1e-6)


def test_gru_sum_merge_with_states():
    seq, h_fwd, h_bwd = keras.Input((5, 3)), keras.Input((4,)), keras.Input((4,))
    out = keras.layers.Bidirectional(keras.layers.GRU(4), merge_mode="sum")(seq, initial_state=[h_fwd, h_bwd])
    model = keras.Model([seq, h_fwd, h_bwd], out)
    xs = _inputs()
    assert tuple(out.shape) == (None, 4)
    assert model.predict([xs[0], xs[1], xs[3]], verbose=0).shape == (2, 4)


def test_states_must_be_symbolic():
    """minidl's refusal, as for its other recurrent layers (Keras takes such arrays as constants)."""
    seq = keras.Input((5, 3))
    with pytest.raises(TypeError, match="every initial state must be symbolic"):
        keras.layers.Bidirectional(keras.layers.GRU(4))(seq, initial_state=[np.zeros((1, 4)), np.zeros((1, 4))])


def test_loads_a_keras_saved_model(tmp_path):
    path = tmp_path / "model.keras"
    with gzip.open(FIXTURES / "keras_bidirectional_states17.keras.gz", "rb") as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    model = keras.models.load_model(path)
    want = np.load(FIXTURES / "keras_bidirectional_states17_out.npz")["out"]
    np.testing.assert_allclose(np.asarray(model.predict(_inputs(), verbose=0)), want, atol=1e-5)
