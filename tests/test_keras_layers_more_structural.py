"""Shapes, configs, symbolic use, summary, saving and float64 gradients of the session-11 structural layers
(transposed 1-D/3-D convolutions, up-sampling, zero padding, global/adaptive poolings).
Values against Keras: tests/test_keras_layers_more_values.py."""
import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.autograd import gradcheck
from minidl.keras import layers

RNG = np.random.default_rng(3)


@pytest.mark.parametrize("make,shape,expected", [
    (lambda: layers.Conv1DTranspose(3, 3, strides=2), (None, 5, 2), (None, 11, 3)),
    (lambda: layers.Convolution1DTranspose(3, 4, strides=3, padding="same"), (None, 4, 2), (None, 12, 3)),
    (lambda: layers.Conv3DTranspose(2, 3, strides=2, padding="same"), (None, 2, 3, None, 1), (None, 4, 6, None, 2)),
    (lambda: layers.Convolution3DTranspose(2, 2), (None, 2, 3, 4, 1), (None, 3, 4, 5, 2)),
    (lambda: layers.UpSampling1D(3), (None, 4, 2), (None, 12, 2)),
    (lambda: layers.UpSampling3D((1, 2, 3)), (None, 2, 2, 2, 5), (None, 2, 4, 6, 5)),
    (lambda: layers.ZeroPadding1D(2), (None, 4, 2), (None, 8, 2)),
    (lambda: layers.ZeroPadding3D(1), (None, 2, 3, 4, 5), (None, 4, 5, 6, 5)),
    (lambda: layers.ZeroPadding3D((1, 2, 0)), (None, 2, 3, 4, 5), (None, 4, 7, 4, 5)),
    (lambda: layers.GlobalAvgPool3D(), (None, 2, 3, 4, 5), (None, 5)),
    (lambda: layers.GlobalMaxPool3D(keepdims=True), (None, 2, 3, 4, 5), (None, 1, 1, 1, 5)),
    (lambda: layers.AdaptiveAveragePooling1D(3), (None, 8, 5), (None, 3, 5)),
    (lambda: layers.AdaptiveMaxPooling2D((2, 3)), (None, 7, 8, 5), (None, 2, 3, 5)),
    (lambda: layers.AdaptiveAveragePooling3D(2), (None, 4, 4, 4, 5), (None, 2, 2, 2, 5)),
])
def test_symbolic_shapes_summary_and_config(make, shape, expected):
    layer = make()
    inp = keras.Input(batch_shape=shape)
    out = layer(inp)
    assert tuple(out.shape) == expected
    model = keras.Model(inp, out)
    model.summary(print_fn=lambda *a, **k: None)
    again = type(layer).from_config(layer.get_config())
    assert again.get_config() == dict(layer.get_config(), name=again.name)
    concrete = tuple(4 if d is None else d for d in shape)
    y = model.predict(RNG.standard_normal(concrete).astype("float32"), verbose=0)
    assert y.shape == layer.compute_output_shape(concrete)


def test_save_load_round_trip(tmp_path):
    inp = keras.Input((4, 3))
    x = layers.Conv1DTranspose(4, 3, strides=2, padding="same", kernel_constraint="non_neg")(inp)
    x = layers.ZeroPadding1D((1, 2))(x)
    x = layers.UpSampling1D(2)(x)
    x = layers.AdaptiveMaxPooling1D(5)(x)
    vol = keras.Input((2, 3, 2, 2))
    v = layers.Conv3DTranspose(2, 2, strides=(2, 1, 1))(vol)
    v = layers.ZeroPadding3D(((0, 1), (1, 0), (1, 1)))(v)
    v = layers.UpSampling3D((1, 2, 1))(v)
    v = layers.AdaptiveAveragePooling3D((2, 2, 3))(v)
    v = layers.GlobalMaxPooling3D()(v)
    model = keras.Model([inp, vol], [layers.GlobalAveragePooling1D()(x), v])
    model.compile("adam", "mse")
    xs = [RNG.standard_normal((3, 4, 3)).astype("f4"), RNG.standard_normal((3, 2, 3, 2, 2)).astype("f4")]
    model.fit(xs, [np.ones((3, 4), "f4"), np.ones((3, 2), "f4")], epochs=1, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    back = keras.models.load_model(path)
    for a, b in zip(model.predict(xs, verbose=0), back.predict(xs, verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    conv = next(la for la in back.layers if isinstance(la, layers.Conv1DTranspose))
    assert type(conv.kernel_constraint).__name__ == "NonNeg"
    assert np.all(next(la for la in model.layers if isinstance(la, layers.Conv1DTranspose)).get_weights()[0] >= 0)


def _float64(layer, shape):
    layer(np.zeros(shape, "f4"))
    for p in layer.parameters():
        p.array = RNG.standard_normal(p.array.shape)
    return layer


@pytest.mark.parametrize("make,shape", [
    (lambda: layers.Conv1DTranspose(2, 3, strides=2, output_padding=1), (2, 3, 2)),
    (lambda: layers.Conv3DTranspose(2, (2, 3, 2), strides=(2, 1, 2), padding="same"), (1, 2, 3, 2, 2)),
    (lambda: layers.AdaptiveAveragePooling1D(3), (2, 7, 2)),
    (lambda: layers.AdaptiveMaxPooling3D((2, 1, 2)), (1, 3, 2, 5, 2)),
    (lambda: layers.UpSampling3D((2, 1, 2)), (1, 2, 2, 2, 1)),
    (lambda: layers.ZeroPadding3D(1), (1, 2, 1, 2, 1)),
])
def test_gradients_float64(make, shape):
    layer = _float64(make(), shape)
    x = minidl.tensor(RNG.standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: layer._forward(t), (x,))


def test_bad_inputs():
    with pytest.raises(ValueError, match="expected ndim=5, found ndim=4"):
        layers.UpSampling3D()(np.zeros((1, 2, 2, 2), "f4"))
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.Conv1DTranspose(2, 3)(np.zeros((1, 2, 2, 2), "f4"))
    with pytest.raises(ValueError, match="`output_padding` must be strictly less than `strides`"):
        layers.Conv1DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="output_size"):
        layers.AdaptiveAveragePooling2D((1, 2, 3))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 2"):
        layer = layers.Conv3DTranspose(2, 2)
        layer(np.zeros((1, 2, 2, 2, 2), "f4"))
        layer(np.zeros((1, 2, 2, 2, 3), "f4"))
