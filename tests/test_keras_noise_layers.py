"""SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization.

The formulas are Keras 3.15's (keras/src/layers/regularization/*.py); configs as Keras writes them.
"""
import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.keras import layers, ops

L = layers


def _np(t):
    return ops.convert_to_numpy(t)


@pytest.mark.parametrize("layer, shape", [
    (L.SpatialDropout1D(0.5, seed=1), (4, 7, 6)),
    (L.SpatialDropout2D(0.5, seed=1), (4, 5, 3, 6)),
    (L.SpatialDropout3D(0.5, seed=1), (4, 3, 2, 3, 6)),
])
def test_spatial_dropout_drops_whole_channels(layer, shape):
    x = np.ones(shape, np.float32)
    np.testing.assert_array_equal(_np(layer(x)), x)  # inference: identity
    y = _np(layer(x, training=True))
    per_channel = y.reshape(shape[0], -1, shape[-1])
    assert np.all(per_channel == per_channel[:, :1])  # one draw per (sample, channel)
    assert set(np.unique(y)) <= {0.0, 2.0} and 0 < (y == 0).mean() < 1
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + shape[1:]


def test_noise_layers_are_identity_at_inference_and_seeded():
    x = np.random.default_rng(0).standard_normal((8, 5, 4)).astype("float32")
    for make in (lambda: L.GaussianNoise(0.3, seed=7), lambda: L.GaussianDropout(0.4, seed=7),
                 lambda: L.AlphaDropout(0.3, seed=7), lambda: L.SpatialDropout1D(0.3, seed=7)):
        a, b = make(), make()
        np.testing.assert_array_equal(_np(a(x)), x)
        first = _np(a(x, training=True))
        np.testing.assert_array_equal(first, _np(b(x, training=True)))  # same seed, same draws
        assert not np.array_equal(first, _np(a(x, training=True)))  # a stream: the next call differs
        assert not np.array_equal(first, x)
    minidl.manual_seed(5)
    c = _np(L.GaussianNoise(1.0)(x, training=True))
    minidl.manual_seed(5)
    np.testing.assert_array_equal(c, _np(L.GaussianNoise(1.0)(x, training=True)))


def test_noise_statistics():
    x = np.full((200, 500), 2.0, np.float32)
    y = _np(L.GaussianNoise(0.5, seed=0)(x, training=True)) - 2.0
    assert abs(y.mean()) < 0.01 and abs(y.std() - 0.5) < 0.01
    y = _np(L.GaussianDropout(0.2, seed=0)(x, training=True)) / 2.0
    assert abs(y.mean() - 1) < 0.01 and abs(y.std() - np.sqrt(0.2 / 0.8)) < 0.01


def test_alpha_dropout_formula_and_selu_statistics():
    rate = 0.25
    x = np.random.default_rng(1).standard_normal((6, 7)).astype("float32")
    y = _np(L.AlphaDropout(rate, seed=3)(x, training=True))
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    kept = np.isclose(y, a * x + b, atol=1e-6)
    dropped = np.isclose(y, a * alpha_p + b, atol=1e-6)
    assert np.all(kept | dropped) and kept.any() and dropped.any()
    z = _np(L.AlphaDropout(0.2, seed=0)(np.random.default_rng(2).standard_normal((400, 500)).astype("float32"),
                                        training=True))
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02  # mean 0, variance 1 kept
    shared = _np(L.AlphaDropout(0.5, noise_shape=(None, 1, 3), seed=0)(np.ones((4, 5, 3), np.float32), training=True))
    assert np.all(shared == shared[:, :1])


def test_activity_regularization_adds_to_losses_and_training():
    layer = L.ActivityRegularization(0.01, 0.02)
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    np.testing.assert_array_equal(_np(layer(x)), x)
    (loss,) = layer.losses
    np.testing.assert_allclose(float(loss.item()), 3.5933332, rtol=1e-6)  # Keras 3.15's value for this input
    inputs = keras.Input((4,))
    model = keras.Model(inputs, L.Dense(1)(L.ActivityRegularization(l2=0.5)(L.Dense(3)(inputs))))
    model.compile(optimizer="sgd", loss="mse")
    data = np.ones((6, 4), np.float32)
    model(data)
    hidden = model.layers[1](data)
    expected = 0.5 * float((_np(hidden) ** 2).sum()) / 6
    np.testing.assert_allclose(sum(float(t.item()) for t in model.losses), expected, rtol=1e-5)
    hist = model.fit(data, np.zeros((6, 1), np.float32), epochs=3, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_configs_match_keras_and_round_trip():
    assert L.SpatialDropout1D(0.3, name="s").get_config() == {"rate": 0.3, "seed": None, "name": "s",
                                                              "dtype": "float32"}
    assert L.SpatialDropout2D(0.3, seed=2, name="t").get_config() == {
        "rate": 0.3, "seed": 2, "name": "t", "dtype": "float32", "data_format": "channels_last"}
    assert list(L.GaussianNoise(0.1).get_config())[-2:] == ["stddev", "seed"]
    assert list(L.AlphaDropout(0.1).get_config())[-3:] == ["rate", "seed", "noise_shape"]
    assert L.ActivityRegularization(0.01, 0.02).get_config()["l2"] == 0.02
    for layer in (L.SpatialDropout1D(0.2), L.SpatialDropout3D(0.1, seed=4), L.GaussianNoise(0.1, seed=1),
                  L.GaussianDropout(0.3), L.AlphaDropout(0.2, noise_shape=(None, 1)), L.ActivityRegularization(1, 2)):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config


def test_model_with_noise_layers_trains_saves_and_reloads(tmp_path):
    minidl.manual_seed(0)
    rng = np.random.default_rng(0)
    model = keras.Sequential([keras.Input((6, 6, 2)), L.GaussianNoise(0.1), L.Conv2D(4, 3), L.SpatialDropout2D(0.2),
                              L.Flatten(), L.GaussianDropout(0.1), L.Dense(8, activation="selu"),
                              L.AlphaDropout(0.1), L.ActivityRegularization(l1=1e-3), L.Dense(1)])
    x, y = rng.standard_normal((32, 6, 6, 2)).astype("float32"), rng.standard_normal((32, 1)).astype("float32")
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    hist = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))  # no noise at inference
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="rate"):
        L.GaussianDropout(1.5)
    with pytest.raises(ValueError, match="stddev"):
        L.GaussianNoise(-1)
    with pytest.raises(ValueError, match="expected ndim=4"):
        L.SpatialDropout2D(0.3)(np.zeros((2, 3, 4), np.float32), training=True)
    with pytest.raises(ValueError, match="noise_shape"):
        L.AlphaDropout(0.3, noise_shape=(None, 1))(np.zeros((2, 3, 4), np.float32), training=True)
