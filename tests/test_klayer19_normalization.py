"""Keras 3 normalization layers: configs after build and bad arguments, checked against Keras 3.15 (JAX)
with the import switched (``import keras``)."""
import numpy as np
import pytest

import minidl.keras as keras

X3 = (np.random.RandomState(7).randn(4, 3, 6) * 2 + 1).astype("float32")
X4 = (np.random.RandomState(8).randn(4, 3, 5, 6) * 2 + 1).astype("float32")


def test_layer_norm_axis_becomes_a_sorted_list_once_built():
    layer = keras.layers.LayerNormalization()
    assert layer.get_config()["axis"] == -1
    layer(X3)
    assert layer.axis == [-1] and layer.get_config()["axis"] == [-1]
    layer = keras.layers.LayerNormalization(axis=(3, 1))
    layer(X4)
    assert layer.axis == [1, 3] and [tuple(w.shape) for w in layer.weights] == [(3, 6), (3, 6)]
    clone = keras.layers.LayerNormalization.from_config(layer.get_config())
    np.testing.assert_allclose(np.asarray(clone(X4)), np.asarray(layer(X4)), atol=1e-5)


def test_layer_norm_axis_past_the_rank_fails():
    with pytest.raises(IndexError):
        keras.layers.LayerNormalization(axis=5)(X3)


def test_layer_norm_values_over_two_axes():
    layer = keras.layers.LayerNormalization(axis=[1, 2], center=False, scale=False, epsilon=1e-3)
    out = np.asarray(layer(X3))
    mean = X3.mean(axis=(1, 2), keepdims=True)
    var = X3.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(out, (X3 - mean) / np.sqrt(var + 1e-3), atol=1e-5)


def test_batch_norm_axis_is_one_int():
    with pytest.raises(TypeError):
        keras.layers.BatchNormalization(axis=[1, 3])
    assert keras.layers.BatchNormalization(axis=2).get_config()["axis"] == 2


def test_batch_norm_axis1_moving_statistics():
    layer = keras.layers.BatchNormalization(axis=1, momentum=0.5)
    layer(X4)
    out = np.asarray(layer(X4, training=True))
    mean = X4.mean(axis=(0, 2, 3))
    var = X4.var(axis=(0, 2, 3))
    np.testing.assert_allclose(out, (X4 - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-3),
                               atol=1e-4)
    gamma, beta, moving_mean, moving_var = layer.get_weights()
    np.testing.assert_allclose(moving_mean, 0.5 * mean, atol=1e-5)
    np.testing.assert_allclose(moving_var, 0.5 + 0.5 * var, atol=1e-4)


def test_batch_norm_renorm_training_step_and_statistics():
    layer = keras.layers.BatchNormalization(renorm=True, renorm_momentum=0.5, momentum=0.8,
                                            renorm_clipping={"rmax": 1.5, "rmin": 0.5, "dmax": 0.2})
    layer(X3)
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance", "moving_stddev",
                                               "renorm_mean", "renorm_stddev"]
    gamma = np.array([1.5, 0.5, 1.0, 2.0, 1.0, 0.7], "float32")
    beta = np.linspace(-1, 1, 6).astype("float32")
    renorm_mean = np.full(6, 0.5, "float32")
    renorm_stddev = np.full(6, 1.5, "float32")
    layer.set_weights([gamma, beta, np.zeros(6, "float32"), np.ones(6, "float32"), np.ones(6, "float32"),
                       renorm_mean, renorm_stddev])
    out = np.asarray(layer(X3, training=True))
    mean, var = X3.mean(axis=(0, 1)), X3.var(axis=(0, 1))
    std = np.sqrt(var + 1e-3)
    r = np.clip(std / renorm_stddev, 0.5, 1.5)
    d = np.clip((mean - renorm_mean) / renorm_stddev, -0.2, 0.2)
    want = (X3 - mean) / std * (r * gamma) + (d * gamma + beta)
    np.testing.assert_allclose(out, want, atol=1e-4)
    _, _, moving_mean, moving_var, moving_std, new_renorm_mean, new_renorm_std = layer.get_weights()
    np.testing.assert_allclose(new_renorm_mean, 0.5 * renorm_mean + 0.5 * mean, atol=1e-5)
    np.testing.assert_allclose(new_renorm_std, 0.5 * renorm_stddev + 0.5 * std, atol=1e-5)
    np.testing.assert_allclose(moving_mean, 0.2 * mean, atol=1e-5)
    np.testing.assert_allclose(moving_std, 0.8 + 0.2 * std, atol=1e-5)
    np.testing.assert_allclose(moving_var, np.maximum(moving_std ** 2 - 1e-3, 0), atol=1e-5)
    config = layer.get_config()
    assert config["renorm"] is True and config["renorm_momentum"] == 0.5
    assert config["renorm_clipping"] == {"rmax": 1.5, "rmin": 0.5, "dmax": 0.2}
    with pytest.raises(ValueError):
        keras.layers.BatchNormalization(renorm=True, renorm_clipping={"foo": 1})
