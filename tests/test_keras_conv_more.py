"""Conv1D, Conv2DTranspose and UpSampling2D against Keras 3: tests/fixtures/keras_conv_more.json, made
once with Keras 3.15 (JAX) by tests/fixtures/make_keras_conv_more.py (weights round(sin(0.7 * arange + i), 3))."""
import json
from pathlib import Path

import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.autograd import gradcheck
from minidl.keras import layers as L

REF = json.loads((Path(__file__).parent / "fixtures" / "keras_conv_more.json").read_text())


def _set_sine_weights(layer):
    layer.set_weights([np.round(np.sin(np.arange(w.size) * 0.7 + i), 3).reshape(w.shape).astype("float32")
                       for i, w in enumerate(layer.get_weights())])


def _kwargs(kw):
    return {k: tuple(v) if isinstance(v, list) else v for k, v in kw.items()}


@pytest.mark.parametrize("name", sorted(k for k in REF if k.startswith("t_")))
def test_conv2d_transpose_matches_keras(name):
    x = np.array(REF["x2d"], np.float32)
    layer = L.Conv2DTranspose(**_kwargs(REF[name]["kw"]))
    layer.build(x.shape)
    _set_sine_weights(layer)
    want = np.array(REF[name]["y"])
    got = layer(x).numpy()
    assert got.shape == want.shape and layer.compute_output_shape((None,) + x.shape[1:]) == (None,) + want.shape[1:]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", sorted(k for k in REF if k.startswith("c1_")))
def test_conv1d_matches_keras(name):
    x = np.array(REF["x1d"], np.float32)
    layer = L.Conv1D(**_kwargs(REF[name]["kw"]))
    layer.build(x.shape)
    _set_sine_weights(layer)
    want = np.array(REF[name]["y"])
    assert [tuple(w.shape) for w in layer.weights][0] == (layer.kernel_size[0], 2, 2)
    np.testing.assert_allclose(layer(x).numpy(), want, rtol=1e-4, atol=1e-4)
    assert layer.compute_output_shape((None, 7, 2)) == (None,) + want.shape[1:]


def test_upsampling2d_matches_keras():
    x = np.array(REF["up_x"], np.float32)
    np.testing.assert_allclose(L.UpSampling2D((2, 3))(x).numpy(), REF["up_nearest"], rtol=1e-6)
    np.testing.assert_allclose(L.UpSampling2D(2, interpolation="bilinear")(x).numpy(), REF["up_bilinear"],
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="interpolation"):
        L.UpSampling2D(interpolation="cubic")


def test_gradients_and_an_autoencoder_trains():
    layer = L.Conv2DTranspose(2, 3, strides=2, padding="same", dtype="float64")
    layer.build((1, 2, 3, 2))
    for p in layer.parameters():
        p.array = p.array.astype(np.float64)
    x = minidl.tensor(np.random.default_rng(0).normal(size=(1, 2, 2, 3)), requires_grad=True)
    assert gradcheck(lambda t: layer._forward(t), (x,))
    conv = L.Conv1D(2, 3, padding="causal")
    conv.build((1, 5, 2))
    for p in conv.parameters():
        p.array = p.array.astype(np.float64)
    seq = minidl.tensor(np.random.default_rng(1).normal(size=(1, 5, 2)), requires_grad=True)
    assert gradcheck(lambda t: conv._forward(t), (seq,))
    inputs = keras.Input((8, 8, 1))
    x = L.Conv2D(4, 3, strides=2, padding="same", activation="relu")(inputs)
    x = L.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu")(x)
    x = L.UpSampling2D(1)(x)
    model = keras.Model(inputs, L.Conv2D(1, 3, padding="same")(x))
    assert model.output_shape == (None, 8, 8, 1)
    model.compile("adam", "mse")
    data = np.random.default_rng(2).random((16, 8, 8, 1)).astype("float32")
    first = model.evaluate(data, data, verbose=0)
    model.fit(data, data, epochs=3, batch_size=8, verbose=0)
    assert model.evaluate(data, data, verbose=0) < first
