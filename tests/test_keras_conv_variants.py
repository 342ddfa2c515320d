"""DepthwiseConv1D/2D, SeparableConv1D/2D, Conv3D, MaxPooling3D, AveragePooling3D, Cropping1D/2D/3D.

Values against Keras 3 (JAX) outputs for fixed weights: tests/fixtures/keras_conv_variants.npz, made
once by tests/fixtures/make_keras_conv_variants.py in the reference venv. Croppings against NumPy slicing.
"""
from pathlib import Path

import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.autograd import gradcheck
from minidl.keras import layers, ops

REF = dict(np.load(Path(__file__).parent / "fixtures" / "keras_conv_variants.npz"))
L = layers
CASES = {
    "dw2d": lambda: L.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2),
    "dw2d_dil": lambda: L.DepthwiseConv2D((3, 2), dilation_rate=(2, 1), activation="relu"),
    "sep2d": lambda: L.SeparableConv2D(5, 3, padding="same", depth_multiplier=2),
    "sep2d_s2": lambda: L.SeparableConv2D(4, (2, 3), strides=2, use_bias=False),
    "conv3d": lambda: L.Conv3D(4, 3, strides=2, padding="same"),
    "conv3d_valid": lambda: L.Conv3D(2, (2, 3, 1), dilation_rate=(1, 1, 2)),
    "dw1d": lambda: L.DepthwiseConv1D(3, padding="same", depth_multiplier=2),
    "sep1d": lambda: L.SeparableConv1D(4, 3, strides=2),
    "maxpool3d": lambda: L.MaxPooling3D(2, padding="same"),
    "avgpool3d": lambda: L.AveragePooling3D((2, 3, 2), strides=(1, 2, 2), padding="same"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras(name):
    layer = CASES[name]()
    x = REF[f"{name}_x"]
    layer.build(x.shape)
    weights = [REF[f"{name}_w{i}"] for i in range(sum(k.startswith(f"{name}_w") for k in REF))]
    assert [tuple(w.shape) for w in layer.get_weights()] == [w.shape for w in weights]
    layer.set_weights(weights)
    y = ops.convert_to_numpy(layer(x))
    assert layer.compute_output_shape(x.shape) == REF[f"{name}_y"].shape
    np.testing.assert_allclose(y, REF[f"{name}_y"], rtol=1e-5, atol=1e-5)


def test_weight_names_and_params():
    sep = L.SeparableConv2D(5, 3, depth_multiplier=2)
    sep.build((None, 7, 7, 3))
    assert [(w.name, tuple(w.shape)) for w in sep.weights] == [
        ("depthwise_kernel", (3, 3, 3, 2)), ("pointwise_kernel", (1, 1, 6, 5)), ("bias", (5,))]
    dw = L.DepthwiseConv2D(3, depth_multiplier=2)
    dw.build((None, 7, 7, 3))
    assert [(w.name, tuple(w.shape)) for w in dw.weights] == [("kernel", (3, 3, 3, 2)), ("bias", (6,))]
    model = keras.Sequential([keras.Input((8, 8, 3)), L.SeparableConv2D(5, 3), L.DepthwiseConv2D(3),
                              L.Flatten(), L.Dense(2)])
    assert model.count_params() == (27 + 15 + 5) + (45 + 5) + (4 * 4 * 5 * 2 + 2)
    conv = L.Conv3D(4, (1, 2, 3), groups=2)
    conv.build((None, 5, 5, 5, 6))
    assert [tuple(w.shape) for w in conv.weights] == [(1, 2, 3, 3, 4), (4,)]


def test_depthwise_equals_per_channel_numpy():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 5, 6, 3)).astype("float32")
    dw = L.DepthwiseConv2D((2, 3), depth_multiplier=2, use_bias=False)
    dw.build(x.shape)
    k = dw.get_weights()[0]
    y = ops.convert_to_numpy(dw(x))
    ref = np.zeros((2, 4, 4, 6), np.float32)
    for c in range(3):
        for m in range(2):
            for i in range(4):
                for j in range(4):
                    ref[:, i, j, c * 2 + m] = (x[:, i:i + 2, j:j + 3, c] * k[:, :, c, m]).sum(axis=(1, 2))
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layer, shape, index", [
    (L.Cropping1D((1, 2)), (2, 6, 3), np.s_[:, 1:4]),
    (L.Cropping1D(), (2, 6, 3), np.s_[:, 1:5]),
    (L.Cropping2D(((1, 2), (0, 1))), (2, 6, 5, 3), np.s_[:, 1:4, 0:4]),
    (L.Cropping2D(1), (2, 6, 5, 3), np.s_[:, 1:5, 1:4]),
    (L.Cropping3D((1, 0, 2)), (1, 4, 4, 6, 2), np.s_[:, 1:3, :, 2:4]),
])
def test_cropping_is_slicing(layer, shape, index):
    x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x)), x[index])
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + x[index].shape[1:]


def test_configs_round_trip():
    for layer in (L.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), L.SeparableConv2D(4, 3, strides=2),
                  L.Conv3D(3, 2, dilation_rate=2), L.DepthwiseConv1D(5), L.SeparableConv1D(3, 2),
                  L.MaxPooling3D(), L.AveragePooling3D(3, strides=1), L.Cropping2D(((1, 2), (3, 4))),
                  L.Cropping1D(2), L.Cropping3D(1)):
        config = layer.get_config()
        again = type(layer).from_config(config)
        assert again.get_config() == config
    assert L.Cropping2D(((1, 2), (3, 4))).get_config()["cropping"] == ((1, 2), (3, 4))
    assert L.Cropping1D(2).get_config()["cropping"] == (2, 2)
    assert L.DepthwiseConv2D(3).get_config()["depth_multiplier"] == 1


def test_small_models_train_and_reload(tmp_path):
    minidl.manual_seed(0)
    rng = np.random.default_rng(0)
    image = keras.Sequential([keras.Input((8, 8, 3)), L.SeparableConv2D(4, 3, padding="same", activation="relu"),
                              L.DepthwiseConv2D(3, depth_multiplier=2), L.Cropping2D(1),
                              L.GlobalAveragePooling2D(), L.Dense(1)])
    volume = keras.Sequential([keras.Input((4, 6, 6, 2)), L.Conv3D(3, 3, padding="same", activation="relu"),
                               L.MaxPooling3D(2), L.AveragePooling3D(2, padding="same"), L.Cropping3D(0),
                               L.Flatten(), L.Dense(1)])
    series = keras.Sequential([keras.Input((10, 2)), L.SeparableConv1D(4, 3, depth_multiplier=2),
                               L.DepthwiseConv1D(3), L.Cropping1D(1), L.Flatten(), L.Dense(1)])
    for i, (model, shape) in enumerate(((image, (16, 8, 8, 3)), (volume, (16, 4, 6, 6, 2)), (series, (16, 10, 2)))):
        x = rng.standard_normal(shape).astype("float32")
        y = rng.standard_normal((16, 1)).astype("float32")
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        hist = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
        assert hist.history["loss"][-1] < hist.history["loss"][0]
        model.save(tmp_path / f"m{i}.keras")
        again = keras.models.load_model(tmp_path / f"m{i}.keras")
        np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_gradients_float64():
    rng = np.random.default_rng(1)
    for layer, shape in ((L.SeparableConv2D(2, 2, padding="same", depth_multiplier=2), (1, 3, 4, 2)),
                         (L.Conv3D(2, 2, padding="same"), (1, 3, 3, 2, 2)), (L.DepthwiseConv1D(2), (2, 4, 2)),
                         (L.AveragePooling3D(2, padding="same"), (1, 3, 3, 3, 1))):
        layer.build(shape)
        layer.double()
        x = minidl.tensor(rng.standard_normal(shape), dtype=minidl.float64, requires_grad=True)
        if len(shape) == 4:
            x = minidl.tensor(rng.standard_normal((shape[0], shape[3], shape[1], shape[2])), dtype=minidl.float64,
                              requires_grad=True)  # internal NCHW
        assert gradcheck(lambda v, layer=layer: layer._forward(v), (x,))


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="expected ndim=4"):
        L.DepthwiseConv2D(3)(np.zeros((2, 5, 3), np.float32))
    with pytest.raises(ValueError, match="expected ndim=5"):
        L.Conv3D(2, 3)(np.zeros((2, 5, 5, 3), np.float32))
    with pytest.raises(ValueError, match="smaller than the kernel"):
        L.Conv3D(2, 3)(np.zeros((1, 2, 5, 5, 3), np.float32))
    with pytest.raises(ValueError, match="depth_multiplier"):
        L.DepthwiseConv2D(3, depth_multiplier=0)
    with pytest.raises(ValueError, match="leaves nothing"):
        L.Cropping2D(3)(np.zeros((1, 5, 5, 1), np.float32))
    dw = L.DepthwiseConv2D(3)
    dw(np.zeros((1, 5, 5, 3), np.float32))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        dw(np.zeros((1, 5, 5, 4), np.float32))
