"""``keras.layers.BatchNormalization(axis=...)`` on a channel axis other than the last (channels-first data).

Checked against a NumPy reference of Keras' formulas; the same values were read off Keras 3.15 (jax).
"""
import numpy as np
import pytest

import minidl.keras as keras


def _reference(x, axis, eps=1e-3):
    axes = tuple(d for d in range(x.ndim) if d != axis % x.ndim)
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps), mean.reshape(-1), var.reshape(-1)


@pytest.mark.parametrize("axis", [1, -3, 2, -1])
def test_training_and_inference_on_any_channel_axis(axis):
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(4, 3, 5, 2)) * 2 + 1).astype("float32")
    bn = keras.layers.BatchNormalization(axis=axis, momentum=0.9)
    y = keras.ops.convert_to_numpy(bn(x, training=True))
    expected, mean, var = _reference(x.astype(np.float64), axis)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(bn.moving_mean), 0.1 * mean, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(bn.moving_variance), 0.9 + 0.1 * var, rtol=1e-4)
    assert all(tuple(w.shape) == (x.shape[axis],) for w in bn.weights)
    shape = [1] * 4
    shape[axis] = -1
    moving_mean = keras.ops.convert_to_numpy(bn.moving_mean).reshape(shape)
    moving_var = keras.ops.convert_to_numpy(bn.moving_variance).reshape(shape)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(bn(x, training=False)),
                               (x - moving_mean) / np.sqrt(moving_var + 1e-3), rtol=1e-4, atol=1e-4)


def test_masked_statistics_on_axis_1():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
    bn = keras.layers.BatchNormalization(axis=1, momentum=0.0)
    bn(x, training=True, mask=mask)
    w = np.broadcast_to(mask[..., None], x.shape).astype(np.float64)
    total = w.sum(axis=(0, 2)) + 1e-7
    mean = (x * w).sum(axis=(0, 2)) / total
    var = (((x - mean[None, :, None]) * w) ** 2).sum(axis=(0, 2)) / total
    np.testing.assert_allclose(keras.ops.convert_to_numpy(bn.moving_variance), var, rtol=1e-4, atol=1e-6)


def test_channels_first_model_trains():
    rng = np.random.default_rng(2)
    inp = keras.Input((3, 8, 8))
    conv = keras.layers.Conv2D(3, 3, padding="same", data_format="channels_first")(inp)
    model = keras.Model(inp, keras.layers.BatchNormalization(axis=1)(conv))
    model.compile("sgd", "mse")
    history = model.fit(rng.normal(size=(8, 3, 8, 8)).astype("float32"),
                        rng.normal(size=(8, 3, 8, 8)).astype("float32"), epochs=2, verbose=0).history
    assert np.isfinite(history["loss"]).all()


def test_an_axis_outside_the_rank_is_refused():
    """(Keras raises a bare IndexError here; minidl names the layer, the rank and the axis.)"""
    with pytest.raises(ValueError, match="axis must be one int naming an axis of inputs of rank 4, got axis=4"):
        keras.layers.BatchNormalization(axis=4)(np.ones((2, 3, 4, 5), "float32"))
