"""Colour/value augmentation layers (RandomBrightness ... RandomGaussianBlur, AutoContrast, Equalization).

Deterministic cases (degenerate factor ranges, probability 1) against Keras 3 (JAX):
tests/fixtures/keras_augment_color.npz, made by tests/fixtures/make_keras_augment_color.py in the
reference venv. Random cases: ranges, shapes, dtype, training-only behaviour, seeding and statistics.
"""
from pathlib import Path

import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers as L
from minidl.keras.layers._augment_base import hsv_to_rgb, rgb_to_hsv

REF = dict(np.load(Path(__file__).parent / "fixtures" / "keras_augment_color.npz"))
CASES = {
    "brightness": lambda: L.RandomBrightness((0.1, 0.1)),
    "brightness_unit": lambda: L.RandomBrightness((-0.3, -0.3), value_range=(0, 1)),
    "grayscale": lambda: L.RandomGrayscale(1.0),
    "saturation": lambda: L.RandomSaturation((0.75, 0.75)),
    "degeneration": lambda: L.RandomColorDegeneration((0.4, 0.4)),
    "invert": lambda: L.RandomInvert((1.0, 1.0)),
    "posterization": lambda: L.RandomPosterization((3, 3)),
    "solarization": lambda: L.Solarization(),
    "auto_contrast": lambda: L.AutoContrast(),
    "auto_contrast_unit": lambda: L.AutoContrast(value_range=(0, 1)),
    "equalization": lambda: L.Equalization(),
    "equalization_bins": lambda: L.Equalization(bins=16),
    "sharpness": lambda: L.RandomSharpness((0.25, 0.25)),
    "sharpness_high": lambda: L.RandomSharpness((0.9, 0.9)),
    "blur": lambda: L.RandomGaussianBlur(factor=(1.0, 1.0), sigma=(0.5, 0.5)),
    "blur_35": lambda: L.RandomGaussianBlur(factor=(1.0, 1.0), kernel_size=(3, 5), sigma=(0.8, 0.8)),
    "jitter_brightness": lambda: L.RandomColorJitter(brightness_factor=(0.2, 0.2)),
    "clahe": lambda: L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2)),
    "clahe_unit": lambda: L.ContrastLimitedAdaptiveHistogramEqualization((0, 1), 2.0, (3, 2)),
}
RANDOM = {
    "RandomBrightness": lambda: L.RandomBrightness(0.3, seed=3),
    "RandomContrast": lambda: L.RandomContrast(0.5, seed=3),
    "RandomGrayscale": lambda: L.RandomGrayscale(0.5, seed=3),
    "RandomHue": lambda: L.RandomHue(0.5, seed=3),
    "RandomSaturation": lambda: L.RandomSaturation(0.5, seed=3),
    "RandomColorJitter": lambda: L.RandomColorJitter(brightness_factor=0.2, contrast_factor=0.2,
                                                     saturation_factor=0.3, hue_factor=0.2, seed=3),
    "RandomColorDegeneration": lambda: L.RandomColorDegeneration(0.5, seed=3),
    "RandomInvert": lambda: L.RandomInvert(0.5, seed=3),
    "RandomPosterization": lambda: L.RandomPosterization(5, seed=3),
    "Solarization": lambda: L.Solarization(0.3, 0.5, seed=3),
    "RandomSharpness": lambda: L.RandomSharpness(0.5, seed=3),
    "RandomGaussianBlur": lambda: L.RandomGaussianBlur(0.5, 5, 0.8, seed=3),
}


def _images(n=12, h=7, w=5, seed=0):
    return np.round(np.random.default_rng(seed).uniform(0, 255, (n, h, w, 3))).astype("float32")


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixed_draws_match_keras(name):
    x = REF["x_unit"] if name.endswith("_unit") else REF["x"]
    layer = CASES[name]()
    out = layer(x, training=True).numpy()
    assert out.dtype == np.float32 and out.shape == x.shape
    np.testing.assert_allclose(out, REF[name], rtol=1e-5, atol=1e-4)
    if not name.startswith("equalization"):  # (Equalization's histogram is the batch's, as Keras')
        np.testing.assert_allclose(layer(x[0], training=True).numpy(), REF[name][0], rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_random_layers_training_only_seeded_and_in_range(name):
    x = _images()
    a, b, plain = RANDOM[name](), RANDOM[name](), RANDOM[name]()
    np.testing.assert_array_equal(a(x, training=False).numpy(), x)  # inference: the identity
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())  # same seed, same draws
    np.testing.assert_array_equal(plain(x).numpy(), first)  # a plain call augments, as Keras' training=True
    second = a(x, training=True).numpy()
    assert not np.array_equal(first, second)  # the stream moves on
    assert first.shape == x.shape and first.dtype == np.float32
    assert first.min() >= 0 and first.max() <= 255 + 1e-3
    assert not (np.array_equal(first, x) and np.array_equal(second, x))


def test_auto_contrast_applies_at_inference_and_skips_constant_channels():
    x = _images(2)
    x[1, ..., 0] = 7.0
    out = L.AutoContrast()(x).numpy()  # Keras applies it whatever `training`
    np.testing.assert_allclose(out[0].min(axis=(0, 1)), 0, atol=1e-4)
    np.testing.assert_allclose(out[0].max(axis=(0, 1)), 255, atol=1e-3)
    np.testing.assert_array_equal(out[1, ..., 0], 7.0)
    np.testing.assert_array_equal(L.Equalization()(x, training=False).numpy(), x)  # training only (Keras 3.15)
    np.testing.assert_array_equal(L.Equalization()(x).numpy(), L.Equalization()(x, training=True).numpy())
    clahe = L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))
    np.testing.assert_array_equal(clahe(x).numpy(), clahe(x, training=True).numpy())  # always, as Keras
    assert not np.array_equal(clahe(x).numpy(), x)


def test_statistics_follow_the_draws():
    x = np.full((400, 2, 2, 3), 100.0, "float32")
    out = L.RandomBrightness((-0.2, 0.2), seed=1)(x, training=True).numpy()
    delta = out[:, 0, 0, 0] - 100.0
    assert np.allclose(out, out[:, :1, :1, :1])  # one shift per image
    assert -51.001 <= delta.min() and delta.max() <= 51.001 and abs(delta.mean()) < 6
    assert abs(delta.std() - 102 / np.sqrt(12)) < 4  # U(-51, 51)
    flips = L.RandomInvert(0.5, seed=2)(x, training=True).numpy()[:, 0, 0, 0]
    assert set(np.unique(flips)) == {100.0, 155.0}
    assert 0.15 < np.mean(flips == 155.0) < 0.35  # p ~ U(0, 0.5): a quarter of the images on average
    grey = L.RandomGrayscale(0.3, seed=4)(_images(400, 2, 2), training=True).numpy()
    is_grey = np.all(np.ptp(grey, axis=-1) < 1e-3, axis=(1, 2))
    assert 0.22 < is_grey.mean() < 0.38


def test_contrast_and_hue_formulas():
    x = _images(3)
    layer = L.RandomContrast((0.5, 0.5), seed=0)  # U(0.5, 1.5) per image
    out = layer(x, training=True).numpy()
    mean = x.mean(axis=(1, 2), keepdims=True)
    unclipped = (out > 0) & (out < 255)
    scale = (out - mean)[unclipped] / (x - mean)[unclipped]
    assert 0.5 <= scale.min() and scale.max() <= 1.5
    hue = L.RandomHue((0.5, 0.5), seed=0)(x, training=True).numpy()  # half a turn either way: the same hue
    h_in, h_out = rgb_to_hsv(x / 255)[..., 0], rgb_to_hsv(hue / 255)[..., 0]
    diff = np.abs(((h_out - h_in) + 0.5) % 1.0 - 0.5)
    assert np.allclose(diff[rgb_to_hsv(x / 255)[..., 1] > 0.05], 0.25, atol=1e-3)


def test_hsv_round_trip():
    x = np.random.default_rng(5).random((2, 4, 4, 3)).astype("float32")
    np.testing.assert_allclose(hsv_to_rgb(rgb_to_hsv(x)), x, atol=1e-5)


def test_posterization_keeps_top_bits():
    x = _images(50)
    out = L.RandomPosterization((2, 6), seed=0)(x, training=True).numpy().astype(np.uint8)
    for image, source in zip(out, x.astype(np.uint8)):
        kept = [b for b in range(2, 6) if np.array_equal(image, (source >> (8 - b)) << (8 - b))]
        assert len(kept) == 1  # bits drawn in [2, 6) as Keras' randint


def test_configs_match_keras_and_round_trip():
    assert L.RandomBrightness(0.2).get_config()["factor"] == (-0.2, 0.2)
    assert L.RandomContrast(0.2).get_config()["factor"] == (0, 0.2)
    assert L.RandomPosterization(4).get_config()["factor"] == (1, 4)
    assert L.RandomInvert().get_config()["factor"] == (0, 1.0)
    assert list(L.Solarization().get_config())[3:] == ["data_format", "value_range", "addition_factor",
                                                       "threshold_factor", "seed"]
    assert list(L.RandomGaussianBlur().get_config())[4:] == ["factor", "kernel_size", "sigma", "value_range",
                                                             "seed"]
    layers = [make() for make in CASES.values()] + [make() for make in RANDOM.values()]
    for layer in layers:
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config


def test_in_a_model_fit_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    x, y = _images(16, 6, 6), rng.random((16, 1)).astype("float32")
    model = keras.Sequential([keras.Input((6, 6, 3)), L.RandomBrightness(0.1), L.RandomContrast(0.2),
                              L.RandomColorJitter(saturation_factor=0.2, hue_factor=0.1), L.RandomGrayscale(0.2),
                              L.RandomGaussianBlur(), L.Equalization(), L.AutoContrast(), L.Rescaling(1 / 255),
                              L.Flatten(), L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert type(again.layers[2]).__name__ == "RandomColorJitter"


def test_bad_arguments():
    with pytest.raises(ValueError, match="factor"):
        L.RandomContrast(1.5)
    with pytest.raises(ValueError, match="value_range"):
        L.RandomBrightness(0.1, value_range=3)
    with pytest.raises(ValueError, match="odd"):
        L.RandomGaussianBlur(kernel_size=4)
    with pytest.raises(ValueError, match="factor"):
        L.RandomGrayscale(2.0)
    with pytest.raises(ValueError, match="rank 4"):
        L.RandomBrightness(0.1)(np.zeros((2, 3)), training=True)
    with pytest.raises(ValueError, match="3 channels"):
        L.RandomColorDegeneration(0.1).compute_output_shape((None, 4, 4, 1))
    with pytest.raises(ValueError, match="RandomHue .*3 channels"):
        L.RandomHue(0.1)(np.zeros((2, 4, 4, 1)), training=True)


def test_functional_model_with_augmentation():
    inputs = keras.Input((6, 6, 3))
    x = L.RandomColorJitter(brightness_factor=0.2, contrast_factor=0.2)(inputs)
    x = L.RandomSharpness(0.3)(x)
    outputs = L.Dense(2)(L.Flatten()(L.AutoContrast()(x)))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    data = _images(8, 6, 6)
    model.fit(data, np.zeros((8, 2), "float32"), epochs=1, verbose=0)
    assert model.predict(data, verbose=0).shape == (8, 2)
    assert [type(v).__name__ for v in model.layers][1:3] == ["RandomColorJitter", "RandomSharpness"]
