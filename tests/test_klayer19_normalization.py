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
