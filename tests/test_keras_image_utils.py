"""keras.utils image helpers, image_dataset_from_directory and its Dataset, keras.preprocessing.image.

Keras-made fixtures (tests/fixtures/make_keras_image_dataset.py, reference venv): the file order and
validation split Keras 3's ``index_directory`` picks for a small class tree (keras_image_dataset.json)
and ``smart_resize`` values (keras_image_resize.npz). Image trees are generated in tmp_path.
"""
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from minidl import keras
from minidl.keras import layers as L
from minidl.keras import utils
from minidl.keras.dataset import Dataset
from minidl.keras.preprocessing import image as kimage

FIXTURES = Path(__file__).parent / "fixtures"
ORDER = json.loads((FIXTURES / "keras_image_dataset.json").read_text())
RESIZE = dict(np.load(FIXTURES / "keras_image_resize.npz"))


def _tree(root, tree=None, size=(9, 11)):
    """The fixture's class tree with real (random) images of ``size``, each image's pixels unique."""
    rng = np.random.default_rng(0)
    for folder, names in (tree or ORDER["tree"]).items():
        for name in names:
            path = root / folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if name.endswith(".txt"):
                path.write_text("not an image")
                continue
            pixels = rng.integers(0, 256, size + (3,), dtype=np.uint8)
            fmt = {".jpg": "JPEG", ".bmp": "BMP", ".gif": "GIF", ".png": "PNG"}[path.suffix]
            Image.fromarray(pixels).save(path, format=fmt)
    return root


def _rel(paths, root):
    return [os.path.relpath(p, root) for p in paths]


def test_load_img_modes_sizes_and_round_trip(tmp_path):
    pixels = np.random.default_rng(1).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    path = tmp_path / "a.png"
    utils.save_img(path, pixels.astype("float32"), scale=False)
    img = utils.load_img(path)
    assert img.mode == "RGB" and img.size == (8, 6)
    array = utils.img_to_array(img)
    assert array.dtype == np.float32 and array.shape == (6, 8, 3)
    np.testing.assert_array_equal(array, pixels)
    assert utils.img_to_array(utils.load_img(path, color_mode="grayscale")).shape == (6, 8, 1)
    assert utils.img_to_array(utils.load_img(str(path), color_mode="rgba")).shape == (6, 8, 4)
    assert utils.load_img(path, target_size=(3, 4)).size == (4, 3)
    assert utils.img_to_array(img, data_format="channels_first").shape == (3, 6, 8)
    cropped = utils.load_img(path, target_size=(6, 6), keep_aspect_ratio=True, interpolation="nearest")
    np.testing.assert_array_equal(np.asarray(cropped), pixels[:, 1:7])  # the centred 6x6 box
    with pytest.raises(ValueError, match="color_mode"):
        utils.load_img(path, color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation"):
        utils.load_img(path, target_size=(2, 2), interpolation="cubic")


def test_array_to_img_scales_and_save_img_respects_umask(tmp_path):
    x = np.linspace(-1, 1, 12, dtype="float32").reshape(2, 2, 3)
    img = utils.array_to_img(x)
    assert np.asarray(img).min() == 0 and np.asarray(img).max() == 255  # min..max stretched to 0..255
    assert utils.array_to_img(x[..., :1]).mode == "L"
    assert utils.array_to_img(np.zeros((2, 2, 4))).mode == "RGBA"
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(np.zeros((2, 2)))
    old = os.umask(0o027)
    try:
        utils.save_img(tmp_path / "b.jpg", np.full((4, 4, 3), 200.0), scale=False)
    finally:
        os.umask(old)
    assert (os.stat(tmp_path / "b.jpg").st_mode & 0o777) == 0o640
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]  # no temp file left
    assert Image.open(tmp_path / "b.jpg").format == "JPEG"


def test_smart_resize_matches_keras():
    x = RESIZE["x"]
    np.testing.assert_allclose(kimage.smart_resize(x, (4, 4)), RESIZE["smart_4x4"], rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(kimage.smart_resize(x, (6, 3)), RESIZE["smart_6x3"], rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(kimage.smart_resize(x[None], (5, 9), interpolation="nearest"),
                               RESIZE["smart_nearest"], rtol=1e-6)
    assert set(kimage.__all__) >= {"load_img", "img_to_array", "array_to_img", "save_img", "smart_resize"}


@pytest.mark.parametrize("seed", [1, 7])
def test_file_order_and_split_match_keras(tmp_path, seed, capsys):
    root = _tree(tmp_path / "data")
    ds = utils.image_dataset_from_directory(root, image_size=(5, 5), seed=seed, batch_size=4)
    assert capsys.readouterr().out == "Found 12 files belonging to 3 classes.\n"
    expected = ORDER[f"seed_{seed}"]
    assert _rel(ds.file_paths, root) == expected["paths"] and ds.class_names == expected["class_names"]
    train, val = utils.image_dataset_from_directory(root, image_size=(5, 5), seed=seed, validation_split=0.3,
                                                    subset="both")
    assert "Using 9 files for training.\nUsing 3 files for validation." in capsys.readouterr().out
    assert _rel(train.file_paths, root) == expected["train"] and _rel(val.file_paths, root) == expected["val"]
    only = utils.image_dataset_from_directory(root, shuffle=False, class_names=["eel", "cat"], verbose=False)
    assert _rel(only.file_paths, root) == ORDER["no_shuffle_subset"]["paths"]
    labels = np.concatenate([y.numpy() for _, y in only])
    assert labels.tolist() == ORDER["no_shuffle_subset"]["labels"]


def test_dataset_batches_label_modes_and_pixels(tmp_path):
    root = _tree(tmp_path / "d", {"a": ["0.png", "1.png", "2.png"], "b": ["0.png", "1.png"]}, size=(6, 6))
    ds = utils.image_dataset_from_directory(root, image_size=(6, 6), batch_size=2, shuffle=False, verbose=False)
    batches = list(ds)
    assert len(ds) == 3 and [tuple(x.shape) for x, _ in batches] == [(2, 6, 6, 3)] * 2 + [(1, 6, 6, 3)]
    x, y = batches[0]
    assert str(x.dtype).endswith("float32") and str(y.dtype).endswith("int32")
    np.testing.assert_array_equal(x.numpy()[0], np.asarray(Image.open(root / "a" / "0.png"), dtype="float32"))
    assert np.concatenate([b[1].numpy() for b in batches]).tolist() == [0, 0, 0, 1, 1]
    cat = utils.image_dataset_from_directory(root, image_size=(3, 4), label_mode="categorical", shuffle=False,
                                             verbose=False, color_mode="grayscale")
    x, y = next(iter(cat))
    assert tuple(x.shape) == (5, 3, 4, 1) and y.numpy().tolist()[-1] == [0.0, 1.0]
    binary = utils.image_dataset_from_directory(root, label_mode="binary", image_size=(4, 4), verbose=False,
                                                seed=0)
    assert tuple(next(iter(binary))[1].shape) == (5, 1)
    images_only = utils.image_dataset_from_directory(root, labels=None, image_size=(4, 4), batch_size=None,
                                                     verbose=False, seed=0, color_mode="rgba")
    assert tuple(next(iter(images_only)).shape) == (4, 4, 4)
    padded = utils.image_dataset_from_directory(root, image_size=(6, 12), pad_to_aspect_ratio=True, shuffle=False,
                                                verbose=False)
    x = next(iter(padded))[0].numpy()
    assert np.all(x[:, :, :3] == 0) and np.all(x[:, :, 9:] == 0) and x[:, :, 3:9].max() > 0
    channels_first = utils.image_dataset_from_directory(root, image_size=(4, 5), data_format="channels_first",
                                                        verbose=False, seed=0)
    assert tuple(next(iter(channels_first))[0].shape) == (5, 3, 4, 5)


def test_shuffle_is_seeded_and_reshuffles_each_pass(tmp_path):
    root = _tree(tmp_path / "d", {"a": [f"{i}.png" for i in range(6)], "b": [f"{i}.png" for i in range(6)]})

    def passes(seed):
        ds = utils.image_dataset_from_directory(root, image_size=(2, 2), batch_size=3, seed=seed, verbose=False)
        return [np.concatenate([x.numpy().reshape(len(x), -1)[:, 0] for x, _ in ds]) for _ in range(2)]
    first, second = passes(3)
    assert not np.array_equal(first, second) and sorted(first) == sorted(second)
    np.testing.assert_array_equal(passes(3)[0], first)


def test_arguments_checked_like_keras(tmp_path):
    root = _tree(tmp_path / "d", {"a": ["0.png"], "b": ["0.png"], "c": ["0.png"]})
    with pytest.raises(ValueError, match="seed"):
        utils.image_dataset_from_directory(root, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="exactly 2"):
        utils.image_dataset_from_directory(root, label_mode="binary", verbose=False)
    with pytest.raises(ValueError, match="label_mode"):
        utils.image_dataset_from_directory(root, label_mode="sparse")
    with pytest.raises(ValueError, match="class_names"):
        utils.image_dataset_from_directory(root, class_names=["a", "zzz"])
    with pytest.raises(ValueError, match="No images"):
        utils.image_dataset_from_directory(_tree(tmp_path / "empty", {"x": ["n.txt"]}), verbose=False)
    with pytest.raises(NotImplementedError, match="interpolation"):
        utils.image_dataset_from_directory(root, interpolation="bicubic", verbose=False)


def test_dataset_methods():
    ds = Dataset.from_tensor_slices((np.arange(10, dtype="float32"), np.arange(10) % 2))
    assert len(ds) == 10 and len(ds.batch(3)) == 4 and len(ds.batch(3, drop_remainder=True)) == 3
    x, y = next(iter(ds.batch(4)))
    assert x.numpy().tolist() == [0, 1, 2, 3] and y.numpy().tolist() == [0, 1, 0, 1]
    assert [int(v) for v, _ in ds.skip(7)] == [7, 8, 9] and len(ds.take(3)) == 3
    doubled = ds.map(lambda a, b: (a * 2, b))
    assert [float(v) for v, _ in doubled.take(3)] == [0.0, 2.0, 4.0]
    odd = ds.filter(lambda a, b: b == 1)
    assert [int(v) for v, _ in odd] == [1, 3, 5, 7, 9] and odd.cardinality() == -2
    assert [int(v) for v, _ in ds.batch(4).unbatch()] == list(range(10))
    shuffled = [int(v) for v, _ in ds.shuffle(4, seed=0)]
    assert sorted(shuffled) == list(range(10)) and shuffled != list(range(10))
    assert shuffled[0] < 4  # a 4-element buffer: the first element is one of the first four
    calls = []
    cached = ds.map(lambda a, b: (calls.append(1) or a, b)).cache()
    assert [int(v) for v, _ in cached] == [int(v) for v, _ in cached] and len(calls) == 10
    assert [int(v) for v, _ in ds.prefetch(-1)] == list(range(10))
    assert ds.repeat().cardinality() == -1 and len(ds.repeat(2)) == 20
    assert [int(v) for v in Dataset.range(3).concatenate(Dataset.range(2))] == [0, 1, 2, 0, 1]
    assert list(Dataset.zip(Dataset.range(2), Dataset.range(5)).as_numpy_iterator()) == [(0, 0), (1, 1)]
    with pytest.raises(TypeError, match="infinite"):
        len(ds.repeat())


def test_model_fit_evaluate_predict_on_datasets(tmp_path):
    root = _tree(tmp_path / "d", {"a": [f"{i}.png" for i in range(6)], "b": [f"{i}.png" for i in range(6)]})
    train, val = utils.image_dataset_from_directory(root, image_size=(6, 6), batch_size=4, seed=2, verbose=False,
                                                    validation_split=0.25, subset="both")
    model = keras.Sequential([keras.Input((6, 6, 3)), L.Rescaling(1 / 255), L.RandomFlip(), L.RandomBrightness(0.1),
                              L.Flatten(), L.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    augmented = train.map(lambda x, y: (L.RandomContrast(0.1, seed=1)(x, training=True), y))
    history = model.fit(augmented.cache().shuffle(8, seed=0).prefetch(-1), validation_data=val, epochs=2,
                        verbose=0)
    assert len(history.history["loss"]) == 2 and "val_accuracy" in history.history
    assert model.predict(val, verbose=0).shape == (3, 2)
    model.fit(train.filter(lambda x, y: True), epochs=1, verbose=0)  # unknown length: runs to the end
    model.fit(train.repeat(), steps_per_epoch=2, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(train.repeat(), epochs=1, verbose=0)


def test_split_dataset_splits_keras_datasets():
    ds = Dataset.from_tensor_slices((np.arange(10, dtype="float32"), np.arange(10))).batch(3)
    left, right = utils.split_dataset(ds, left_size=0.8)
    assert [x.numpy().tolist() for x, _ in left] == [[0, 1, 2], [3, 4, 5], [6, 7]]
    assert [y.numpy().tolist() for _, y in right] == [[8, 9]]
    a, b = utils.split_dataset(ds, right_size=3, shuffle=True, seed=1)
    values = sorted(v for x, _ in list(a) + list(b) for v in x.numpy().tolist())
    assert values == list(range(10)) and len(list(b.unbatch())) == 3
    with pytest.raises(ValueError, match="left_size"):
        utils.split_dataset(ds, left_size=1.5)
    arrays = utils.split_dataset((np.arange(4), np.arange(4)), left_size=0.5)
    assert arrays[0][0].tolist() == [0, 1]
