"""model.save / keras.models.load_model / save_weights / load_weights in Keras 3's formats."""
import os
import stat
import zipfile

import h5py
import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()
    yield


def small_cnn():
    return keras.Sequential([
        keras.Input((6, 6, 2)),
        layers.Conv2D(3, 3, padding="same", activation="relu",
                      kernel_regularizer=keras.regularizers.l2(1e-3)),
        layers.BatchNormalization(),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dropout(0.25),
        layers.Dense(4, activation="softmax"),
    ])


def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(12, 6, 6, 2)).astype(np.float32), keras.utils.to_categorical(np.arange(12) % 4, 4)


def test_save_and_load_model_round_trip(tmp_path):
    x, y = data()
    model = small_cnn()
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    assert sorted(zipfile.ZipFile(path).namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]
    assert isinstance(loaded.optimizer, keras.optimizers.Adam)
    assert loaded.optimizer.learning_rate == pytest.approx(2e-3)
    assert loaded.optimizer.iterations == model.optimizer.iterations == 6
    assert loaded.loss == "categorical_crossentropy"
    # training continues from the restored optimiser state exactly as the original would
    keras.utils.set_random_seed(3)  # the same dropout masks for both
    model.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    keras.utils.set_random_seed(3)
    loaded.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_functional_model_round_trip(tmp_path):
    inp = keras.Input((5,))
    a = layers.Dense(4, activation="relu")(inp)
    b = layers.Dense(4)(inp)
    out = layers.Dense(2, activation="sigmoid")(layers.Concatenate()([layers.Add()([a, b]), a]))
    model = keras.Model(inp, out)
    path = tmp_path / "f.keras"
    model.save(path)
    loaded = keras.models.load_model(path, compile=False)
    x = np.random.default_rng(1).normal(size=(3, 5)).astype(np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    clone = keras.models.clone_model(model)
    assert clone.count_params() == model.count_params()


def test_weights_file_has_keras_layout(tmp_path):
    model = small_cnn()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with h5py.File(path) as f:
        assert f["layers/conv2d/vars/0"].shape == (3, 3, 2, 3)  # Keras' (kh, kw, in, out)
        assert f["layers/dense/vars/0"].shape == (27, 4)
        assert f["layers/batch_normalization/vars/3"].shape == (3,)
        assert "layers/flatten/vars" in f
    other = small_cnn()  # new names (conv2d_1, ...): matched by position
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        model.save(tmp_path / "m.pt")
    wrong = keras.Sequential([keras.Input((6, 6, 2)), layers.Conv2D(5, 3), layers.Flatten(),
                              layers.Dense(4)])
    with pytest.raises(ValueError, match=r"layer 'conv2d_\d+' expects 2 weight\(s\) of shapes \[\(3, 3, 2, 5\)"):
        wrong.load_weights(path)  # matched by Keras' class keys (conv2d, flatten, dense): the shapes differ


def test_saved_files_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        model = small_cnn()
        model.save(tmp_path / "m.keras")
        model.save_weights(tmp_path / "m.weights.h5")
    finally:
        os.umask(old)
    for name in ("m.keras", "m.weights.h5"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["m.keras", "m.weights.h5"]  # no temporary left over


def test_get_set_weights_errors():
    model = small_cnn()
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3, 3, 2, 3), (3,), (3,), (3,), (3,), (3,), (27, 4), (4,)]
    with pytest.raises(ValueError, match="expecting"):
        model.set_weights(weights[:-1])
    weights[0] = np.zeros((3, 3, 3, 2), np.float32)
    with pytest.raises(ValueError, match="not compatible"):
        model.set_weights(weights)
