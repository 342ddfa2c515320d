"""Keras' own files for the session-11 layers with nested weights: a Keras 3 (JAX) model with ConvLSTM2D,
SpectralNormalization and GroupQueryAttention (tests/fixtures/keras_layers_more_model.*, made by
tests/fixtures/make_keras_layers_more_model.py) loads into minidl.keras with Keras' outputs, and what
minidl writes has Keras' groups and config entries."""
import gzip
import io
from pathlib import Path

import h5py
import numpy as np

from minidl import keras
from minidl.keras.models.saving import _load_weights_h5, model_config, model_from_config

FIX = Path(__file__).parent / "fixtures"
DATA = np.load(FIX / "keras_layers_more_model.npz")


def _keras_config():
    import json
    return json.loads(gzip.decompress((FIX / "keras_layers_more_model.json.gz").read_bytes()))


def _keras_weights():
    return h5py.File(io.BytesIO(gzip.decompress((FIX / "keras_layers_more_model.weights.h5.gz").read_bytes())), "r")


def test_keras_model_file_loads_with_keras_outputs():
    model = model_from_config(_keras_config())
    with _keras_weights() as f:
        _load_weights_h5(model, f, False, "fixture")
    outs = model.predict([DATA["x0"], DATA["x1"]], verbose=0)
    np.testing.assert_allclose(outs[0], DATA["y0"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(outs[1], DATA["y1"], rtol=1e-4, atol=1e-6)
    sn = model.get_layer("sn")
    np.testing.assert_array_equal(sn.vector_u.numpy(), DATA["vector_u"])  # the wrapper's own vars


def test_minidl_writes_keras_groups_and_entries(tmp_path):
    model = model_from_config(_keras_config())
    with _keras_weights() as f:
        _load_weights_h5(model, f, False, "fixture")
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r") as mine, _keras_weights() as theirs:
        def datasets(group):
            found = []
            group.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset) else None)
            return sorted(found)
        assert [d for d in datasets(mine) if d.startswith("layers/")] == \
            [d for d in datasets(theirs) if d.startswith("layers/")]
        for name in datasets(theirs):
            if name.startswith("layers/"):
                np.testing.assert_array_equal(mine[name][()], theirs[name][()], err_msg=name)
    entries = {e["name"]: e for e in model_config(model)["config"]["layers"]}
    assert entries["gqa"]["class_name"] == "GroupQueryAttention"
    assert entries["gqa"]["build_config"] == {"shapes_dict": {"query_shape": [None, 3, 4],
                                                              "value_shape": [None, 3, 4]}}
    assert entries["clstm"]["class_name"] == "ConvLSTM2D"
    again = keras.models.load_model(_save(model, tmp_path))
    np.testing.assert_allclose(again.predict([DATA["x0"], DATA["x1"]], verbose=0)[1], DATA["y1"], rtol=1e-4,
                               atol=1e-6)


def _save(model, tmp_path):
    path = tmp_path / "m.keras"
    model.save(path)
    return path
