"""keras.layers.Normalization against Keras 3.15 (tests/fixtures/keras_normalization.json, made by
tests/fixtures/make_keras_normalization.py): axis int / tuple / None, invert, given statistics,
adapt on arrays and on iterables of batches, config and save/load."""
import json
import os
from pathlib import Path

import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers

REF = json.loads((Path(__file__).parent / "fixtures" / "keras_normalization.json").read_text())


def _kwargs(raw):
    return {k: tuple(v) if k == "axis" and isinstance(v, list) else v for k, v in raw.items()}


def test_normalization_matches_keras():
    x = np.array(REF["x"], dtype=np.float32)
    for case in REF["cases"]:
        layer = layers.Normalization(**_kwargs(case["kwargs"]))
        if "mean" not in case["kwargs"]:
            layer.adapt(x)
        np.testing.assert_allclose(layer(x).numpy(), case["y"], rtol=1e-5, atol=1e-5, err_msg=str(case["kwargs"]))
        got = [[w.name, list(w.shape), str(w.numpy().dtype)] for w in layer.weights]
        assert got == [w[:3] for w in case["weights"]], case["kwargs"]
        for w, (_, _, _, values) in zip(layer.weights, case["weights"]):
            np.testing.assert_allclose(w.numpy(), values, rtol=1e-5)
        cfg = layer.get_config()
        assert {k: list(cfg[k]) if k == "axis" else cfg[k] for k in ("axis", "invert", "mean", "variance")} == \
            case["config"]


def test_normalization_adapt_on_batches_pools_statistics():
    rng = np.random.RandomState(1)
    x = rng.normal(2, 3, size=(50, 3)).astype(np.float32)
    layer = layers.Normalization()
    layer.adapt([x[:20], x[20:35], x[35:]])
    np.testing.assert_allclose(layer.mean.numpy(), x.mean(0, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(layer.variance.numpy(), x.var(0, keepdims=True), rtol=1e-4)
    ds = keras.utils.timeseries_dataset_from_array(x, np.zeros(50), sequence_length=1, batch_size=7)
    by_dataset = layers.Normalization(axis=-1)
    by_dataset.adapt(ds)  # (x, y) batches of shape (7, 1, 3)
    np.testing.assert_allclose(by_dataset.mean.numpy().ravel(), x.mean(0), rtol=1e-5)
    with pytest.raises(ValueError, match="incompatible shape"):
        layer.adapt(np.zeros((4, 5), np.float32))
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=1.0)


def test_normalization_images_and_save_load(tmp_path):
    rng = np.random.RandomState(2)
    images = rng.rand(6, 5, 5, 3).astype(np.float32)
    norm = layers.Normalization()
    norm.adapt(images)
    model = keras.Sequential([keras.Input((5, 5, 3)), norm, layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(1)])
    want = (images - images.mean((0, 1, 2))) / images.std((0, 1, 2))
    np.testing.assert_allclose(model.layers[0](images).numpy(), want, atol=1e-5)
    before = model.predict(images, verbose=0)
    path = os.path.join(tmp_path, "norm.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(images, verbose=0), before, rtol=1e-5, atol=1e-6)
    denorm = layers.Normalization(axis=None, mean=3.0, variance=4.0, invert=True)
    assert denorm(np.array([[1.0]])).numpy().tolist() == [[5.0]]
