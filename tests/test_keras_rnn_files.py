"""Keras 3 files of recurrent models (Embedding, Bidirectional(LSTM/GRU/SimpleRNN), GRU, SimpleRNN)
load into minidl.keras with Keras' predictions, and minidl writes the same weight-file layout
(RNN weights under ``<layer>/cell/vars``, Bidirectional's under ``forward_layer``/``backward_layer``).

Fixtures: tests/fixtures/keras_rnn_{masked,sequential,masking_merge}.keras (deflated re-zip of Keras' file),
keras_rnn_*.weights.h5.gz (gzipped Keras ``save_weights``) and keras_rnn_files.json (inputs, Keras'
predictions, the datasets of each weights file), made once with Keras 3.15 (JAX) by
tests/fixtures/make_keras_rnn_files.py. Keras 3.15 loaded minidl's files of these models back with
the same predictions (checked by hand in the reference venv), except the .keras of masking_merge:
rebuilding it, Keras names the op that concatenates the masks "concatenate" as well and refuses the
clash with the layer of that name (its own files avoid it by recording the op nodes).
"""
import gzip
import json
from pathlib import Path

import h5py
import numpy as np
import pytest
from keras_rnn_models import BUILDERS

from minidl import keras
from minidl.keras import layers as L

FIX = Path(__file__).parent / "fixtures"
REF = json.loads((FIX / "keras_rnn_files.json").read_text())


MODELS = {name: (lambda build=build: build(keras)) for name, build in BUILDERS.items()}


def _inputs(name):
    return np.array(REF[name]["x"], dtype="int64" if name == "masked" else "float32")


def _datasets(path):
    found = {}
    with h5py.File(path) as f:
        f.visititems(lambda key, obj: found.__setitem__(key, list(obj.shape))
                     if isinstance(obj, h5py.Dataset) else None)
    return found


@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras_model_file_loads_with_keras_predictions(name):
    model = keras.models.load_model(FIX / f"keras_rnn_{name}.keras")
    assert np.all(np.isfinite(REF[name]["y"]))
    np.testing.assert_allclose(model.predict(_inputs(name), verbose=0), REF[name]["y"], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras_weights_file_loads_and_minidl_writes_keras_layout(name, tmp_path):
    keras_file = tmp_path / "keras.weights.h5"
    keras_file.write_bytes(gzip.decompress((FIX / f"keras_rnn_{name}.weights.h5.gz").read_bytes()))
    model = MODELS[name]()
    model.load_weights(keras_file)
    want = np.array(REF[name]["y"])
    np.testing.assert_allclose(model.predict(_inputs(name), verbose=0), want, rtol=1e-4, atol=1e-5)
    ours = tmp_path / "minidl.weights.h5"
    model.save_weights(ours)
    assert _datasets(ours) == REF[name]["datasets"]
    fresh = MODELS[name]()
    fresh.load_weights(ours)
    np.testing.assert_allclose(fresh.predict(_inputs(name), verbose=0), want, rtol=1e-4, atol=1e-5)
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(_inputs(name), verbose=0), want, rtol=1e-4, atol=1e-5)
    assert [type(layer).__name__ for layer in again.layers] == [type(layer).__name__ for layer in model.layers]


def test_rnn_weights_of_older_minidl_files_still_load(tmp_path):
    """minidl files written before the ``cell`` group kept an RNN's weights in its own ``vars``."""
    model = keras.Sequential([keras.Input((3, 2)), L.GRU(2), L.Dense(1)])
    path = tmp_path / "old.weights.h5"
    with h5py.File(path, "w") as f:
        for key, layer in (("gru", model.layers[0]), ("dense", model.layers[1])):
            group = f.create_group(f"layers/{key}/vars")
            for i, w in enumerate(layer.get_weights()):
                group.create_dataset(str(i), data=np.full(w.shape, 0.1 * (i + 1), np.float32))
    model.load_weights(path)
    assert np.allclose(model.layers[0].get_weights()[1], 0.2)


def test_bidirectional_merge_modes_shapes_and_weights():
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    for mode, units in (("concat", 8), ("sum", 4), ("mul", 4), ("ave", 4)):
        layer = L.Bidirectional(L.LSTM(4, return_sequences=True), merge_mode=mode)
        assert tuple(layer(x).shape) == (2, 5, units)
    layer = L.Bidirectional(L.GRU(4, name="enc"))
    out = layer(x)
    assert tuple(out.shape) == (2, 8)
    assert layer.forward_layer.name == "forward_enc" and layer.backward_layer.name == "backward_enc"
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    assert [tuple(w.shape) for w in layer.weights] == [(3, 12), (4, 12), (2, 12)] * 2
    fwd = layer.forward_layer(x).numpy()
    bwd = layer.backward_layer(x).numpy()
    np.testing.assert_allclose(out.numpy(), np.concatenate([fwd, bwd], -1), rtol=1e-6)
    pair = L.Bidirectional(L.SimpleRNN(2, return_sequences=True), merge_mode=None)(x)
    assert isinstance(pair, list) and [tuple(p.shape) for p in pair] == [(2, 5, 2)] * 2
    with pytest.raises(ValueError, match="Invalid merge mode"):
        L.Bidirectional(L.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="keras.layers.Layer"):
        L.Bidirectional("lstm")
    with pytest.raises(ValueError, match="go_backwards"):
        L.Bidirectional(L.LSTM(2), backward_layer=L.LSTM(2))


def test_bidirectional_sequences_are_zero_at_masked_steps_and_flipped_back():
    ids = np.array([[3, 1, 0, 0], [2, 2, 2, 1]])
    emb = L.Embedding(4, 3, mask_zero=True)
    bi = L.Bidirectional(L.SimpleRNN(2, return_sequences=True))
    out = bi(emb(ids))
    assert out._keras_mask.numpy().tolist() == [[True, True, False, False], [True] * 4]
    values = out.numpy()
    assert np.all(values[0, 2:] == 0)  # masked steps: zeros from both directions
    # the backward half at step 0 has read the whole (unmasked) sequence in reverse
    full = bi.backward_layer(emb(ids[1:])).numpy()
    np.testing.assert_allclose(values[1, :, 2:], full[0, ::-1], rtol=1e-5, atol=1e-6)


def test_bidirectional_config_round_trip():
    layer = L.Bidirectional(L.LSTM(3, return_sequences=True, kernel_initializer="he_normal"), merge_mode="sum")
    config = layer.get_config()
    assert config["merge_mode"] == "sum" and config["layer"]["class_name"] == "LSTM"
    assert config["backward_layer"]["config"]["go_backwards"] is True
    clone = L.Bidirectional.from_config(config)
    assert clone.merge_mode == "sum"
    assert clone.forward_layer.get_config()["kernel_initializer"]["class_name"] == "HeNormal"  # (Keras 3 form)
