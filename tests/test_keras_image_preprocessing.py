"""Resizing, CenterCrop, RandomCrop, RandomTranslation, RandomRotation, RandomZoom.

Deterministic parts against Keras 3 (JAX): tests/fixtures/keras_image_preprocessing.npz, made once by
tests/fixtures/make_keras_image_preprocessing.py in the reference venv (Resizing/CenterCrop outputs and
``keras.ops.image.affine_transform`` for fixed matrices, all fill modes and interpolations). The random
layers: their transforms against NumPy for known draws, training-only behaviour and seeding.
"""
from pathlib import Path

import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.autograd import gradcheck
from minidl.keras import layers, ops
from minidl.keras._tensor import as_tensor, to_external, to_internal
from minidl.keras.layers._image_ops import affine_transform

REF = dict(np.load(Path(__file__).parent / "fixtures" / "keras_image_preprocessing.npz"))
L = layers
RESIZES = {
    "up_bilinear": lambda: L.Resizing(8, 11), "down_bilinear": lambda: L.Resizing(3, 4),
    "up_nearest": lambda: L.Resizing(9, 10, "nearest"), "down_nearest": lambda: L.Resizing(3, 5, "nearest"),
    "crop_aspect": lambda: L.Resizing(4, 4, crop_to_aspect_ratio=True),
    "pad_aspect": lambda: L.Resizing(6, 4, pad_to_aspect_ratio=True, fill_value=0.5),
    "pad_aspect_w": lambda: L.Resizing(2, 6, pad_to_aspect_ratio=True),
    "center_slice": lambda: L.CenterCrop(3, 4), "center_resize": lambda: L.CenterCrop(6, 5),
}


def _np(t):
    return ops.convert_to_numpy(t)


@pytest.mark.parametrize("name", sorted(RESIZES))
def test_resizing_and_center_crop_match_keras(name):
    layer = RESIZES[name]()
    expected = REF[f"resize_{name}"]
    np.testing.assert_allclose(_np(layer(REF["x"])), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(layer(REF["x"][0])), expected[0], rtol=1e-5, atol=1e-6)  # a single image
    assert layer.compute_output_shape((None,) + REF["x"].shape[1:]) == (None,) + expected.shape[1:]


@pytest.mark.parametrize("mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_transform_matches_keras(mode, interpolation):
    x = to_internal(as_tensor(REF["x"]))
    y = to_external(affine_transform(x, REF["transforms"], interpolation, mode, 0.25))
    np.testing.assert_allclose(_np(y), REF[f"affine_{mode}_{interpolation}"], rtol=1e-5, atol=1e-6)


def test_affine_transform_gradient_float64():
    x = minidl.tensor(np.random.default_rng(0).standard_normal((2, 1, 4, 5)), dtype=minidl.float64,
                      requires_grad=True)
    assert gradcheck(lambda v: affine_transform(v, REF["transforms"], "bilinear", "constant", 0.5), (x,))


class _Draws:
    """A generator that replays given uniforms (scaled into [low, high))."""

    def __init__(self, unit):
        self.unit = list(unit)

    def uniform(self, low, high, size=None):
        values = np.asarray([self.unit.pop(0) for _ in range(size or 1)])
        values = low + (high - low) * values
        return values if size else float(values[0])


def test_random_transforms_follow_keras_formulas():
    x = np.random.default_rng(1).random((2, 5, 6, 1)).astype("float32")
    rotation = L.RandomRotation(0.25, fill_mode="constant")
    # a quarter turn (factor 0.25 * 360 = 90 degrees) about the centre of a square image is np.rot90
    square = np.arange(25, dtype=np.float32).reshape(1, 5, 5, 1)
    rotation._rng = lambda: _Draws([1.0])
    turned = _np(rotation(square, training=True))
    np.testing.assert_allclose(turned[0, ..., 0], np.rot90(square[0, ..., 0], k=1), atol=1e-4)
    translation = L.RandomTranslation(0.4, 0.5, fill_mode="constant", interpolation="nearest")
    translation._rng = lambda: _Draws([1.0, 0.0, 1.0, 0.5])  # dy = 0.4 * 5 = 2, -2; dx = 0.5 * 6 = 3, 0
    out = _np(translation(x, training=True))
    np.testing.assert_allclose(out[0, 2:, 3:, 0], x[0, :3, :3, 0])
    np.testing.assert_array_equal(out[0, :2], 0)
    np.testing.assert_array_equal(out[0, :, :3], 0)
    np.testing.assert_allclose(out[1, :3], x[1, 2:])
    zoom = L.RandomZoom((-0.5, -0.5), fill_mode="constant", interpolation="nearest")  # zoom in x2
    zoom._rng = lambda: _Draws([0.0, 0.0])
    image = np.arange(25, dtype=np.float32).reshape(1, 5, 5, 1)
    zoomed = _np(zoom(image, training=True))[0, ..., 0]
    np.testing.assert_array_equal(zoomed[2, 2], 12)  # the centre stays
    assert zoomed[0, 0] == image[0, 1, 1, 0]  # (0, 0) samples the input at (1, 1)


def test_random_layers_are_training_only_and_seeded():
    x = np.random.default_rng(2).random((3, 8, 8, 2)).astype("float32")
    for make in (lambda: L.RandomTranslation(0.2, 0.2, seed=4), lambda: L.RandomRotation(0.1, seed=4),
                 lambda: L.RandomZoom(0.3, seed=4), lambda: L.RandomCrop(5, 6, seed=4)):
        a, b, plain = make(), make(), make()
        np.testing.assert_array_equal(_np(a(x, training=False)), x)  # inference: unchanged (RandomCrop too)
        first = _np(a(x, training=True))
        np.testing.assert_array_equal(first, _np(b(x, training=True)))
        np.testing.assert_array_equal(_np(plain(x)), first)  # a plain call augments, as Keras' training=True
        assert first.shape == ((3, 5, 6, 2) if isinstance(a, L.RandomCrop) else x.shape)
    crop = L.RandomCrop(5, 6, seed=1)
    out = _np(crop(x, training=True))
    matches = [(t, s) for t in range(4) for s in range(3) if np.array_equal(out, x[:, t:t + 5, s:s + 6])]
    assert len(matches) == 1  # one window, the same for every image
    assert L.RandomCrop(3, 3).seed is not None  # Keras draws a default seed


def test_configs_match_keras_keys_and_round_trip():
    assert list(L.Resizing(3, 4).get_config())[3:] == ["data_format", "height", "width", "interpolation",
                                                       "crop_to_aspect_ratio", "pad_to_aspect_ratio", "fill_mode",
                                                       "fill_value", "antialias"]
    assert L.RandomRotation(0.2).get_config()["factor"] == (-0.2, 0.2)
    assert L.RandomZoom(0.2).get_config()["width_factor"] is None
    for layer in (L.Resizing(3, 4, "nearest"), L.CenterCrop(2, 3), L.RandomCrop(2, 2, seed=1),
                  L.RandomTranslation((-0.1, 0.2), 0.3, fill_mode="wrap"), L.RandomRotation((-0.1, 0.3), seed=2),
                  L.RandomZoom(0.2, (-0.3, 0.1), interpolation="nearest", fill_value=1.0)):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config


def test_augmenting_model_trains_and_reloads(tmp_path):
    minidl.manual_seed(0)
    rng = np.random.default_rng(0)
    model = keras.Sequential([keras.Input((10, 10, 1)), L.Resizing(8, 8), L.RandomTranslation(0.1, 0.1),
                              L.RandomRotation(0.05), L.RandomZoom(0.1), L.CenterCrop(6, 6), L.Conv2D(3, 3),
                              L.Flatten(), L.Dense(1)])
    x, y = rng.random((16, 10, 10, 1)).astype("float32"), rng.random((16, 1)).astype("float32")
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    hist = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="factor"):
        L.RandomRotation(1.5)
    with pytest.raises(ValueError, match="height_factor"):
        L.RandomZoom(-1.0)
    with pytest.raises(NotImplementedError, match="fill_mode"):
        L.RandomTranslation(0.1, 0.1, fill_mode="mirror_x")
    with pytest.raises(ValueError, match="Only one of"):
        L.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="rank 4"):
        L.Resizing(2, 2)(np.zeros((2, 3), np.float32))
