"""LayerNormalization, MaxPooling1D and AveragePooling1D against Keras 3: the same layers on the same inputs
(tests/fixtures/make_keras_layernorm_pool1d.py's ``run``) give tests/fixtures/keras_layernorm_pool1d.json,
recorded once with Keras 3.15; plus gradients, masks and a model that trains."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.autograd import gradcheck
from minidl.keras import layers

FIX = Path(__file__).parent / "fixtures"
REF = json.loads((FIX / "keras_layernorm_pool1d.json").read_text())
_spec = importlib.util.spec_from_file_location("make_ref", FIX / "make_keras_layernorm_pool1d.py")
make_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_ref)


def test_outputs_match_keras():
    got = make_ref.run(keras)
    for key, want in REF.items():
        np.testing.assert_allclose(got[key], want, rtol=1e-4, atol=2e-5, err_msg=key)


def test_layer_normalization_weights_gradient_and_mask():
    ln = layers.LayerNormalization()
    ln.build((None, 4, 3))
    assert [w.name for w in ln.weights] == ["gamma", "beta"] and ln.count_params() == 6
    ln_double = layers.LayerNormalization(dtype="float64")
    ln_double.build((None, 3))
    for p in ln_double.parameters():
        p.array = p.array.astype(np.float64)
    x = minidl.tensor(np.random.default_rng(0).normal(size=(2, 3)), requires_grad=True)
    assert gradcheck(lambda t: ln_double._forward(t), (x,))
    inputs = keras.Input((None,), dtype="int32")
    normed = layers.LayerNormalization()(layers.Embedding(5, 3, mask_zero=True)(inputs))
    assert normed._keras_mask is not None  # passes the mask on, as Keras
    with pytest.raises(ValueError, match="batch axis"):
        layers.LayerNormalization(axis=0)(np.ones((2, 3), np.float32))


def test_pooling_1d_shapes_config_and_training():
    assert layers.MaxPooling1D(3, padding="same").compute_output_shape((None, 7, 2)) == (None, 3, 2)
    assert layers.AveragePooling1D(2, strides=1).compute_output_shape((None, None, 2)) == (None, None, 2)
    assert layers.MaxPool1D is layers.MaxPooling1D and layers.AvgPool1D is layers.AveragePooling1D
    assert layers.MaxPooling1D(2).get_config()["pool_size"] == (2,)  # Keras 3 keeps the 1-tuple
    model = keras.Sequential([keras.Input((16, 2)), layers.Conv1D(4, 3, padding="same", activation="relu"),
                              layers.MaxPooling1D(2), layers.AveragePooling1D(2), layers.LayerNormalization(),
                              layers.GlobalAveragePooling1D(), layers.Dense(1)])
    assert model.output_shape == (None, 1) and model.layers[1].output_shape == (None, 8, 4)
    model.compile("adam", "mse")
    x = np.random.default_rng(0).normal(size=(16, 16, 2)).astype("float32")
    y = x.mean(axis=(1, 2))[:, None]
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first
