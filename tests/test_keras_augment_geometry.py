"""RandomShear, RandomPerspective, RandomErasing, RandomElasticTransform.

Resampling against Keras 3 (JAX): tests/fixtures/keras_augment_geometry.npz, made by
tests/fixtures/make_keras_augment_geometry.py in the reference venv (``ops.image.affine_transform`` with
shear matrices of both signs, ``ops.image.perspective_transform``). The layers: each image of a
fixed-shear layer matches one of the two signs; seeding, ranges, training-only behaviour.
"""
from pathlib import Path

import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers as L
from minidl.keras.layers.augment_geometry import _grid, perspective_transform, sample_grid

REF = dict(np.load(Path(__file__).parent / "fixtures" / "keras_augment_geometry.npz"))


@pytest.mark.parametrize("mode", ["reflect", "constant"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("sign", [1, -1])
def test_shear_sampling_matches_keras(sign, mode, interpolation):
    xx, yy = _grid(2, 5, 6)
    out = sample_grid(REF["x"], xx + 0.3 * sign * yy, 0.2 * sign * xx + yy, interpolation, mode, 7.0)
    np.testing.assert_allclose(out, REF[f"shear_{sign}_{mode}_{interpolation}"], rtol=1e-5, atol=1e-4)


def test_shear_layer_uses_one_sign_for_both_factors():
    layer = L.RandomShear((0.3, 0.3), (0.2, 0.2), fill_mode="constant", fill_value=7.0, seed=0)
    out = layer(np.concatenate([REF["x"]] * 4), training=True).numpy()
    signs = set()
    for i, image in enumerate(out):
        matches = [s for s in (1, -1) if np.allclose(image, REF[f"shear_{s}_constant_bilinear"][i % 2], atol=1e-4)]
        assert len(matches) == 1
        signs.add(matches[0])
    assert signs == {1, -1}


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_perspective_matches_keras(interpolation):
    out = perspective_transform(REF["x"], REF["start"], REF["end"], interpolation, 3.0)
    np.testing.assert_allclose(out, REF[f"perspective_{interpolation}"], rtol=1e-5, atol=1e-3)


def test_perspective_identity_when_scale_is_zero():
    x = REF["x"]
    np.testing.assert_allclose(L.RandomPerspective(scale=0.0, seed=1)(x, training=True).numpy(), x, atol=1e-3)


RANDOM = {
    "RandomShear": lambda: L.RandomShear(0.3, 0.2, seed=5),
    "RandomPerspective": lambda: L.RandomPerspective(1.0, 0.5, seed=5),
    "RandomErasing": lambda: L.RandomErasing(seed=5),
    "RandomElasticTransform": lambda: L.RandomElasticTransform(seed=5),
}


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_training_only_seeded_shapes(name):
    x = np.random.default_rng(3).uniform(0, 255, (4, 12, 10, 3)).astype("float32")
    a, b, plain = RANDOM[name](), RANDOM[name](), RANDOM[name]()
    np.testing.assert_array_equal(a(x, training=False).numpy(), x)
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())
    np.testing.assert_array_equal(plain(x).numpy(), first)  # a plain call augments, as Keras' training=True
    assert first.shape == x.shape and first.dtype == np.float32
    assert not np.array_equal(first, x)
    assert not np.array_equal(first, a(x, training=True).numpy())
    assert a(x[0], training=True).shape == x[0].shape
    config = a.get_config()
    assert type(a).from_config(config).get_config() == config


def test_erasing_boxes_and_fill():
    x = np.full((200, 10, 10, 1), 50.0, "float32")
    out = L.RandomErasing(factor=(1.0, 1.0), scale=(0.25, 0.25), fill_value=9.0, seed=0)(x, training=True).numpy()
    erased = (out == 9.0)[..., 0]
    assert set(np.unique(out)) == {9.0, 50.0}
    for mask in erased[:20]:  # one 5x5 box (sqrt(0.25) of each side), anywhere inside the image
        rows, cols = np.nonzero(mask)
        assert rows.max() - rows.min() + 1 in (5, 6) and cols.max() - cols.min() + 1 in (5, 6)
        assert mask.sum() == (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
    noise = L.RandomErasing(factor=(1.0, 1.0), seed=1)(x, training=True).numpy()
    assert noise.min() >= 0 and noise.max() <= 255 and len(np.unique(noise)) > 10  # clipped Gaussian noise
    half = L.RandomErasing(factor=0.5, seed=2)(x, training=True).numpy()
    touched = np.any(half != 50.0, axis=(1, 2, 3)).mean()
    assert 0.15 < touched < 0.35  # p ~ U(0, 0.5)


def test_elastic_transform_moves_pixels_locally():
    x = np.tile(np.linspace(0, 255, 32, dtype="float32"), (2, 32, 1))[..., None]
    out = L.RandomElasticTransform(factor=(1.0, 1.0), scale=(1.0, 1.0), seed=0)(x, training=True).numpy()
    assert 1.0 < np.abs(out - x).mean() < 40.0  # displaced by a few pixels (alpha 3.2, smoothed noise)
    assert out.min() >= 0 and out.max() <= 255
    same = L.RandomElasticTransform(factor=0.0, seed=0)(x, training=True).numpy()
    np.testing.assert_array_equal(same, x)


def test_in_a_model_and_bad_arguments(tmp_path):
    x = np.random.default_rng(0).uniform(0, 255, (8, 8, 8, 3)).astype("float32")
    model = keras.Sequential([keras.Input((8, 8, 3)), L.RandomShear(0.2), L.RandomPerspective(0.5),
                              L.RandomErasing(0.5), L.RandomElasticTransform(0.5), L.Flatten(), L.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, np.zeros((8, 2), "float32"), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="x_factor"):
        L.RandomShear(1.5)
    with pytest.raises(NotImplementedError, match="fill_mode"):
        L.RandomShear(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="scale"):
        L.RandomPerspective(scale=2.0)
    with pytest.raises(ValueError, match="fill_value"):
        L.RandomErasing(fill_value="red")
