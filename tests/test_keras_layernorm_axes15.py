"""``keras.layers.LayerNormalization`` over any axes of image inputs and Keras' deprecated ``rms_scaling``.

Checked against a NumPy reference of Keras 3's formulas (``keras.ops.layer_normalization``); the same values
were read off Keras 3.15 (jax).
"""
import warnings

import numpy as np
import pytest

import minidl.keras as keras


def _reference(x, axes, gamma, beta, rms=False, eps=1e-3):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    shape = [x.shape[i] if i in axes else 1 for i in range(x.ndim)]
    out = (x if rms else x - mean) / np.sqrt(var + eps) * gamma.reshape(shape)
    return out if beta is None else out + beta.reshape(shape)


@pytest.mark.parametrize("axis, axes", [(-1, (3,)), ([1, 2, 3], (1, 2, 3)), ([1, 2], (1, 2)), (1, (1,))])
def test_any_axes_of_an_image(axis, axes):
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(2, 3, 4, 5)) * 2 + 1).astype("float32")
    ln = keras.layers.LayerNormalization(axis=axis)
    ln(x)
    shape = tuple(x.shape[a] for a in axes)
    n = int(np.prod(shape))
    gamma = np.linspace(0.5, 1.5, n).reshape(shape).astype("float32")
    beta = np.linspace(-1, 1, n).reshape(shape).astype("float32")
    ln.set_weights([gamma, beta])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(ln(x)), _reference(x.astype(np.float64), axes, gamma, beta),
                               rtol=1e-4, atol=1e-4)


def test_rms_scaling_warns_and_scales_by_the_variance():
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(2, 3, 4)) * 2 + 1).astype("float32")
    with pytest.warns(UserWarning, match="rms_scaling=True`, which is deprecated"):
        ln = keras.layers.LayerNormalization(rms_scaling=True)
    ln(x)
    assert [tuple(w.shape) for w in ln.weights] == [(4,)] and ln.get_config()["rms_scaling"] is True
    gamma = np.linspace(0.5, 1.5, 4).astype("float32")
    ln.set_weights([gamma])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(ln(x)),
                               _reference(x.astype(np.float64), (2,), gamma, None, rms=True), rtol=1e-4, atol=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keras.layers.LayerNormalization()
