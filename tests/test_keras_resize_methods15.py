"""``Resizing`` with bicubic/lanczos kernels and ``antialias``, and ``UpSampling2D`` beyond nearest/bilinear.

Expected values read off Keras 3.15 (jax backend, ``jax.image.resize``) on the same input (a separate venv;
Keras is not a dependency of these tests).
"""
import numpy as np
import pytest

import minidl.keras as keras


def _x():
    return ((np.arange(1 * 7 * 9 * 2).reshape(1, 7, 9, 2) * 37) % 255).astype("float32")


@pytest.mark.parametrize("kwargs, size, row0", [
    (dict(interpolation="bicubic"), (4, 5), [81.090, 122.951, 95.303, 144.837, 106.389]),
    (dict(interpolation="bilinear", antialias=True), (3, 4), [118.529, 128.091, 113.829, 128.900]),
    (dict(interpolation="lanczos5", antialias=True), (4, 4), [106.498, 138.619, 95.323, 121.269]),
    (dict(interpolation="lanczos3"), (11, 13), [-22.013, 8.496, 81.134, 152.585, 241.136, 169.476, 22.467,
                                                 69.177, 196.121, 192.715, 25.300, 2.801, 75.542]),
])
def test_resizing_kernels(kwargs, size, row0):
    y = keras.ops.convert_to_numpy(keras.layers.Resizing(*size, **kwargs)(_x()))
    assert tuple(y.shape) == (1, *size, 2)
    np.testing.assert_allclose(np.asarray(y)[0, 0, :, 0], row0, atol=2e-3)


@pytest.mark.parametrize("interpolation, column", [
    ("bicubic", [23.235, 68.774, 165.267, 181.802, 116.204, 85.265]),
    ("lanczos3", [12.843, 72.045, 164.778, 187.140, 122.022, 75.116]),
])
def test_upsampling_kernels(interpolation, column):
    y = keras.ops.convert_to_numpy(keras.layers.UpSampling2D((2, 1), interpolation=interpolation)(_x()[:, :3, :2]))
    assert tuple(y.shape) == (1, 6, 2, 2)
    np.testing.assert_allclose(np.asarray(y)[0, :, 0, 1], column, atol=2e-3)


def test_resizing_config_keeps_antialias():
    layer = keras.layers.Resizing(4, 5, interpolation="lanczos3", antialias=True)
    config = layer.get_config()
    assert config["interpolation"] == "lanczos3" and config["antialias"] is True
    assert keras.layers.Resizing.from_config(config).antialias is True
