"""tf.keras 2.x's ImageDataGenerator in minidl.keras.preprocessing.image: flow / flow_from_directory
batching, splits, seeding, the transforms' geometry, standardisation statistics, and model.fit."""
import numpy as np
import pytest
from PIL import Image

from minidl import keras
from minidl.keras import layers as L
from minidl.keras.preprocessing.image import ImageDataGenerator, apply_affine_transform


def _indexed(n=10, size=5):
    """Images whose every pixel holds the sample's index (so batches can be traced back)."""
    x = np.repeat(np.arange(n, dtype="float32"), size * size * 3).reshape(n, size, size, 3)
    return x, np.arange(n)


def test_flow_batches_keep_pairs_and_cover_every_sample():
    x, y = _indexed()
    it = ImageDataGenerator().flow(x, y, batch_size=4, seed=1)
    assert len(it) == 3
    seen = []
    for i in range(len(it)):
        bx, by = it[i]
        np.testing.assert_array_equal(bx[:, 0, 0, 0], by)
        seen += by.tolist()
    assert sorted(seen) == list(range(10)) and seen != list(range(10))  # shuffled
    first_pass = [next(it)[1].tolist() for _ in range(3)]
    second_pass = [next(it)[1].tolist() for _ in range(3)]
    assert sorted(sum(first_pass, [])) == sorted(sum(second_pass, [])) == list(range(10))
    assert first_pass != second_pass  # reshuffled at each pass
    a, b = (ImageDataGenerator(rotation_range=40).flow(x, y, batch_size=4, seed=1) for _ in range(2))
    for i in range(3):  # same seed, same batches and transforms
        np.testing.assert_array_equal(a[i][0], b[i][0])
    plain = ImageDataGenerator().flow(x, None, batch_size=4, shuffle=False)
    np.testing.assert_array_equal(plain[1][:, 0, 0, 0], [4, 5, 6, 7])
    weighted = ImageDataGenerator().flow(x, y, sample_weight=np.arange(10) * 2.0, batch_size=5, shuffle=False)
    np.testing.assert_array_equal(weighted[1][2], [10, 12, 14, 16, 18])


def test_flow_subsets_take_the_first_fraction_for_validation():
    x, _ = _indexed(10)
    y = np.arange(10) % 2
    generator = ImageDataGenerator(validation_split=0.3)
    val = generator.flow(x, y, batch_size=10, shuffle=False, subset="validation")
    train = generator.flow(x, y, batch_size=10, shuffle=False, subset="training")
    assert val[0][0][:, 0, 0, 0].tolist() == [0, 1, 2] and train[0][0][:, 0, 0, 0].tolist() == list(range(3, 10))
    with pytest.raises(ValueError, match="different number of classes"):
        generator.flow(x, np.array([0] * 3 + [1] * 7), subset="training")
    with pytest.raises(ValueError, match="rank 4"):
        generator.flow(np.zeros((3, 4, 4)))


def test_geometry_of_the_transforms():
    square = np.arange(25, dtype="float32").reshape(5, 5, 1)
    turned = apply_affine_transform(square, theta=90)
    assert any(np.allclose(turned[..., 0], np.rot90(square[..., 0], k)) for k in (1, 3))
    shifted = apply_affine_transform(square, tx=1, fill_mode="constant", cval=-1)
    np.testing.assert_allclose(shifted[:4, :, 0], square[1:, :, 0], atol=1e-5)  # a height shift moves rows
    np.testing.assert_array_equal(shifted[4], -1)
    sideways = apply_affine_transform(square, ty=2, fill_mode="nearest")
    np.testing.assert_allclose(sideways[:, :3, 0], square[:, 2:, 0], atol=1e-5)
    zoomed = apply_affine_transform(square, zx=0.5, zy=0.5, order=0)
    assert zoomed[2, 2, 0] == square[2, 2, 0] and zoomed[0, 0, 0] == square[1, 1, 0]
    np.testing.assert_array_equal(apply_affine_transform(square), square)
    flips = ImageDataGenerator(horizontal_flip=True)
    outs = {tuple(flips.random_transform(square, seed=s)[0, :, 0]) for s in range(10)}
    assert outs == {tuple(square[0, :, 0]), tuple(square[0, ::-1, 0])}


def test_random_parameters_follow_the_ranges():
    generator = ImageDataGenerator(rotation_range=30, width_shift_range=0.2, height_shift_range=3, shear_range=10,
                                   zoom_range=0.25, channel_shift_range=5.0, brightness_range=(0.5, 1.5))
    draws = [generator.get_random_transform((20, 10, 3), seed=s) for s in range(300)]
    theta = np.array([d["theta"] for d in draws])
    assert -30 <= theta.min() and theta.max() <= 30 and theta.std() > 12
    ty = np.array([d["ty"] for d in draws])
    assert np.abs(ty).max() <= 2.0 + 1e-9  # 0.2 of a width of 10
    tx = {d["tx"] for d in draws}
    assert tx <= {-2.0, -1.0, -0.0, 0.0, 1.0, 2.0} and len(tx) >= 4  # an int range: whole pixels in range(3)
    zooms = np.array([[d["zx"], d["zy"]] for d in draws])
    assert 0.75 <= zooms.min() and zooms.max() <= 1.25 and not np.allclose(zooms[:, 0], zooms[:, 1])
    assert all(0.5 <= d["brightness"] <= 1.5 for d in draws)
    image = np.random.default_rng(0).uniform(0, 255, (20, 10, 3)).astype("float32")
    out = generator.random_transform(image, seed=3)
    assert out.shape == image.shape and np.isfinite(out).all()


def test_standardisation_and_fit_statistics():
    rng = np.random.default_rng(0)
    x = rng.normal(50, 10, (40, 4, 4, 3)).astype("float32") + np.array([0, 20, 40], "float32")
    generator = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    generator.fit(x)
    assert generator.mean.shape == (1, 1, 3)
    np.testing.assert_allclose(generator.mean.ravel(), x.mean(axis=(0, 1, 2)), rtol=1e-5)
    out = generator.flow(x, batch_size=40, shuffle=False)[0]
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-3)
    scaled = ImageDataGenerator(rescale=1 / 255.0, samplewise_center=True).standardize(x[0].copy())
    np.testing.assert_allclose(scaled.mean(), 0, atol=1e-6)
    zca = ImageDataGenerator(featurewise_center=True, zca_whitening=True, zca_epsilon=1e-8)
    small = rng.normal(0, 1, (200, 2, 2, 1)).astype("float64") @ np.ones((1, 1))
    small[..., 0] += small[:, :1, :1, 0] * 2  # correlated pixels
    zca.fit(small)
    white = zca.flow(small, batch_size=200, shuffle=False)[0].reshape(200, -1)
    np.testing.assert_allclose(white.T @ white / 200, np.eye(4), atol=2e-2)
    with pytest.warns(UserWarning, match="hasn't been fit"):
        ImageDataGenerator(featurewise_center=True).standardize(x[0].copy())


def _folders(root, counts, size=(7, 9)):
    rng = np.random.default_rng(0)
    for name, n in counts.items():
        (root / name).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 256, size + (3,), dtype=np.uint8)).save(root / name / f"{i}.png")
    return root


def test_flow_from_directory(tmp_path, capsys):
    root = _folders(tmp_path / "d", {"cats": 4, "dogs": 6})
    generator = ImageDataGenerator(rescale=1 / 255.0, validation_split=0.5)
    train = generator.flow_from_directory(root, target_size=(5, 6), batch_size=3, seed=0, subset="training")
    assert capsys.readouterr().out == "Found 5 images belonging to 2 classes.\n"
    assert train.class_indices == {"cats": 0, "dogs": 1} and train.samples == 5 and len(train) == 2
    assert train.filenames == ["cats/2.png", "cats/3.png", "dogs/3.png", "dogs/4.png", "dogs/5.png"]
    assert train.classes.tolist() == [0, 0, 1, 1, 1]
    x, y = train[0]
    assert x.shape == (3, 5, 6, 3) and y.shape == (3, 2) and x.max() <= 1.0
    val = generator.flow_from_directory(root, target_size=(5, 6), class_mode="binary", subset="validation",
                                        shuffle=False)
    assert val.filenames == ["cats/0.png", "cats/1.png", "dogs/0.png", "dogs/1.png", "dogs/2.png"]
    np.testing.assert_array_equal(val[0][1], [0, 0, 1, 1, 1])
    sparse = ImageDataGenerator().flow_from_directory(root, target_size=(7, 9), class_mode="sparse",
                                                      shuffle=False, color_mode="grayscale", classes=["dogs"])
    x, y = sparse[0]
    assert x.shape == (6, 7, 9, 1) and y.tolist() == [0] * 6
    auto = ImageDataGenerator().flow_from_directory(root, target_size=(7, 9), class_mode="input", batch_size=2)
    np.testing.assert_array_equal(*auto[0])
    images = ImageDataGenerator().flow_from_directory(root, target_size=(7, 9), class_mode=None, shuffle=False)
    np.testing.assert_array_equal(images[0][0], np.asarray(Image.open(root / "cats" / "0.png"), dtype="float32"))
    with pytest.raises(ValueError, match="class_mode"):
        ImageDataGenerator().flow_from_directory(root, class_mode="multi")


def test_model_fit_with_generators(tmp_path):
    root = _folders(tmp_path / "d", {"a": 5, "b": 5}, size=(8, 8))
    generator = ImageDataGenerator(rotation_range=15, width_shift_range=0.1, height_shift_range=0.1, zoom_range=0.1,
                                   shear_range=5, horizontal_flip=True, rescale=1 / 255.0, fill_mode="reflect")
    model = keras.Sequential([keras.Input((8, 8, 3)), L.Flatten(), L.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(generator.flow_from_directory(root, target_size=(8, 8), batch_size=4, seed=1), epochs=2,
                        verbose=0)
    assert len(history.history["loss"]) == 2
    x = np.random.default_rng(0).uniform(0, 255, (12, 8, 8, 3)).astype("float32")
    y = keras.utils.to_categorical(np.arange(12) % 2, 2)
    model.fit(generator.flow(x, y, batch_size=4), steps_per_epoch=2, epochs=1, verbose=0)
    model.fit(generator.flow(x, y, batch_size=5), epochs=1, verbose=0)  # len(iterator) steps
    assert model.evaluate(generator.flow(x, y, batch_size=6, shuffle=False), verbose=0)[0] > 0
