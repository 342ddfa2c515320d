"""MixUp, CutMix, RandAugment, AugMix, Pipeline, MaxNumBoundingBoxes: mixing arithmetic, dict inputs with
labels, seeding, training-only behaviour, configs, and use in a saved model."""
import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers as L


def _data(n=8, h=6, w=7, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 255, (n, h, w, 3)).astype("float32"), np.eye(n, dtype="float32")


def test_mixup_mixes_images_and_labels_by_one_weight():
    x, y = _data()
    out = L.MixUp(alpha=0.4, seed=1)({"images": x, "labels": y})
    images, labels = out["images"].numpy(), out["labels"].numpy()
    np.testing.assert_allclose(labels.sum(axis=1), 1, atol=1e-6)
    for i in range(len(x)):
        partner = [j for j in range(len(x)) if j != i and labels[i, j] > 0]
        weight = labels[i, i] if labels[i, i] > 0 else 0.0
        if not partner:  # paired with itself
            np.testing.assert_allclose(images[i], x[i], rtol=1e-5)
            continue
        j = partner[0]
        np.testing.assert_allclose(images[i], weight * x[i] + (1 - weight) * x[j], rtol=1e-4, atol=1e-3)
    np.testing.assert_array_equal(L.MixUp()({"images": x, "labels": y}, training=False)["images"].numpy(), x)
    np.testing.assert_array_equal(L.MixUp(seed=1)(x, training=False).numpy(), x)  # an image call: training only
    np.testing.assert_array_equal(L.MixUp(seed=1)(x).numpy(), L.MixUp(seed=1)(x, training=True).numpy())  # plain: mixes


def test_mixup_weights_follow_beta():
    x, y = _data(400, 1, 1)
    labels = L.MixUp(alpha=0.2, seed=3)({"images": x, "labels": y})["labels"].numpy()
    kept = labels[np.arange(400), np.arange(400)]
    assert 0.4 < kept.mean() < 0.6  # Beta(0.2, 0.2): symmetric, mostly near 0 or 1
    assert np.mean((kept < 0.1) | (kept > 0.9)) > 0.5


def test_cutmix_pastes_one_box_and_weighs_labels_by_area():
    x, y = _data(16, 10, 10)
    out = L.CutMix(seed=2)({"images": x, "labels": y})
    images, labels = out["images"].numpy(), out["labels"].numpy()
    for i in range(16):
        changed = np.any(images[i] != x[i], axis=-1)
        np.testing.assert_allclose(labels[i].sum(), 1, atol=1e-5)
        partner = [j for j in range(16) if j != i and labels[i, j] > 0]
        if not partner:
            continue
        j = partner[0]
        np.testing.assert_array_equal(images[i][changed], x[j][changed])  # pasted from the partner
        rows, cols = np.nonzero(changed)
        if len(rows):
            assert changed.sum() == (np.ptp(rows) + 1) * (np.ptp(cols) + 1)  # one box
        box = 1 - labels[i, i]  # the label weight: the box's (continuous) area fraction
        assert abs(changed.sum() / 100 - box) < 0.25
    single = L.CutMix(seed=2)({"images": x[0], "labels": y[0]})
    np.testing.assert_array_equal(single["images"].numpy(), x[0])  # Keras leaves one image alone
    np.testing.assert_array_equal(L.CutMix(seed=2)(x, training=False).numpy(), x)
    np.testing.assert_array_equal(L.CutMix(seed=2)(x).numpy(), L.CutMix(seed=2)(x, training=True).numpy())


@pytest.mark.parametrize("make", [lambda: L.MixUp(seed=4), lambda: L.CutMix(seed=4),
                                  lambda: L.RandAugment(seed=4), lambda: L.AugMix(seed=4),
                                  lambda: L.AugMix(all_ops=False, num_chains=2, seed=4),
                                  lambda: L.RandAugment(value_range=(0, 1), num_ops=3, factor=0.3, seed=4)])
def test_seeded_training_only_in_range(make):
    x, _ = _data()
    a, b, plain = make(), make(), make()
    high = a.value_range[1] if hasattr(a, "value_range") else 255
    x = x / 255 * high
    np.testing.assert_array_equal(a(x, training=False).numpy(), x)
    np.testing.assert_array_equal(plain(x).numpy(), b(x, training=True).numpy())  # a plain call augments
    b = make()
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())
    assert first.shape == x.shape and first.dtype == np.float32
    assert first.min() >= -1e-4 and first.max() <= high + 1e-3
    assert not np.array_equal(first, a(x, training=True).numpy())
    config = a.get_config()
    assert type(a).from_config(config).get_config() == config


def test_randaugment_ops_are_kerases():
    layer = L.RandAugment()
    assert [name for name, _ in layer._ops] == ["random_shear", "random_translation", "random_rotation",
                                                 "random_brightness", "random_color_degeneration",
                                                 "random_contrast", "random_sharpness", "random_posterization",
                                                 "solarization", "auto_contrast", "equalization"]
    assert len(L.AugMix(all_ops=False)._ops) == 7
    assert L.RandAugment().get_config()["factor"] == (0, 0.5)


def test_pipeline_applies_in_order_and_round_trips(tmp_path):
    x, y = _data()
    pipe = L.Pipeline([L.RandomInvert((1.0, 1.0)), L.RandomBrightness((0.1, 0.1))])
    np.testing.assert_allclose(pipe(x, training=True).numpy(), np.clip(255 - x + 25.5, 0, 255), rtol=1e-6)
    np.testing.assert_array_equal(pipe(x, training=False).numpy(), x)
    np.testing.assert_allclose(pipe(x).numpy(), np.clip(255 - x + 25.5, 0, 255), rtol=1e-6)  # plain: applies
    again = L.Pipeline.from_config(pipe.get_config())
    assert [type(v).__name__ for v in again.layers] == ["RandomInvert", "RandomBrightness"]
    model = keras.Sequential([keras.Input((6, 7, 3)), L.Pipeline([L.RandomFlip(), L.RandAugment(num_ops=1)]),
                              L.MixUp(), L.CutMix(), L.AugMix(num_chains=1), L.Flatten(), L.Dense(8)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="not a Keras layer"):
        L.Pipeline([lambda v: v])


def test_max_num_bounding_boxes_pads_and_truncates():
    x, _ = _data(2)
    boxes = {"boxes": np.arange(24, dtype="float32").reshape(2, 3, 4), "labels": np.array([[1, 2, 3], [4, 5, 6]])}
    padded = L.MaxNumBoundingBoxes(5)({"images": x, "bounding_boxes": boxes})["bounding_boxes"]
    assert tuple(padded["boxes"].shape) == (2, 5, 4)
    np.testing.assert_array_equal(padded["labels"].numpy(), [[1, 2, 3, -1, -1], [4, 5, 6, -1, -1]])
    cut = L.MaxNumBoundingBoxes(2)({"images": x, "bounding_boxes": boxes})["bounding_boxes"]
    np.testing.assert_array_equal(cut["boxes"].numpy(), boxes["boxes"][:, :2])
    np.testing.assert_array_equal(L.MaxNumBoundingBoxes(2)(x, training=True).numpy(), x)
    assert L.MaxNumBoundingBoxes(3).get_config()["max_number"] == 3


def test_augmenting_a_trainable_layers_output_is_refused():
    model = keras.Sequential([keras.Input((4, 4, 3)), L.Conv2D(3, 1), L.RandomBrightness(0.1), L.Flatten(), L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(NotImplementedError, match="random_brightness.*before the trainable layers"):
        model.fit(np.zeros((2, 4, 4, 3), "float32"), np.zeros((2, 1), "float32"), verbose=0)
    assert model.predict(np.zeros((2, 4, 4, 3), "float32"), verbose=0).shape == (2, 1)  # inference: the identity
