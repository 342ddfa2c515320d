"""keras.applications against Keras 3.15: parameter counts, layer names, weight shapes and forward
values (the same pseudo-random weights in both; tests/fixtures/make_keras_applications.py wrote the Keras
side into keras_applications.json.gz), weight files (Keras 3 .weights.h5 layout and Keras 2 .h5
ImageNet layout, from $KERAS_HOME/models), preprocess_input and decode_predictions."""
import gzip
import importlib.util
import json
import os
import pathlib

import numpy as np
import pytest

from minidl import keras
from minidl.keras import applications

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
_spec = importlib.util.spec_from_file_location("make_keras_applications", FIXTURES / "make_keras_applications.py")
formulas = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(formulas)
REFERENCE = json.loads(gzip.open(FIXTURES / "keras_applications.json.gz", "rt").read())
BUILDERS = {"VGG16": applications.VGG16, "VGG19": applications.VGG19, "ResNet50": applications.ResNet50,
            "ResNet50V2": applications.ResNet50V2, "MobileNetV2": applications.MobileNetV2,
            "MobileNet": applications.MobileNet, "DenseNet121": applications.DenseNet121,
            "Xception": applications.Xception, "InceptionV3": applications.InceptionV3,
            "EfficientNetB0": applications.EfficientNetB0}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_architecture_and_values_match_keras(name):
    ref = REFERENCE[name]
    size = ref["size"]
    model = BUILDERS[name](weights=None, include_top=False, input_shape=(size, size, 3), pooling="avg")
    assert model.name == ref["name"] and model.count_params() == ref["params"]
    assert [formulas.strip_auto_counter(layer.name) for layer in model.layers] == ref["layers"]
    assert [list(w.shape) for w in model.get_weights()] == ref["shapes"]
    model.set_weights(formulas.mixed_weights(ref["kinds"], ref["shapes"], formulas.GAINS.get(name, 1.0)))
    y = model.predict(formulas.model_input(size, preprocessing=name == "EfficientNetB0"), verbose=0)
    digest = formulas.output_digest(y)
    expected = np.asarray(ref["output_every16"])
    scale = np.abs(expected).max()
    assert np.abs(expected[0] - expected[1]).max() > 1e-3 * scale  # (the two images give different outputs)
    np.testing.assert_allclose(digest["output_every16"], ref["output_every16"], rtol=1e-3, atol=1e-4 * scale)
    np.testing.assert_allclose(digest["output_sum"], ref["output_sum"], rtol=1e-3)


@pytest.mark.parametrize("name", ["ResNet50", "MobileNetV2", "MobileNet", "DenseNet121", "EfficientNetB0"])
def test_top_parameter_counts_and_names(name):
    ref = REFERENCE[name]
    model = BUILDERS[name](weights=None)
    assert model.count_params() == ref["params_top"] and model.name == ref["name_top"]
    assert model.output_shape == (None, 1000) and model.input_shape == (None, 224, 224, 3)
    assert model.layers[-1].name == "predictions"


def test_family_parameter_counts():
    # Keras 3.15's count_params() with the top (224x224x3, 1000 classes)
    assert applications.ResNet101(weights=None).count_params() == 44707176
    assert applications.ResNet152V2(weights=None, include_top=False).count_params() == 58331648
    assert applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(96, 96, 3)).count_params() == 1691208
    mobile = applications.MobileNetV2(weights=None, alpha=1.4, include_top=False, input_shape=(96, 96, 3))
    assert mobile.count_params() == 4363712


def test_signature_checks_as_keras():
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.VGG16(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="The `weights` argument should be either"):
        applications.ResNet50(weights="no/such/file.h5")
    with pytest.raises(ValueError, match="at least 32x32"):
        applications.VGG16(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="static `input_shape`"):
        applications.ResNet50(weights=None, input_shape=(None, None, 3))
    model = applications.MobileNetV2(weights=None, include_top=False, input_shape=(64, 64, 3), pooling="max")
    assert model.output_shape == (None, 1280) and model.name == "mobilenetv2_1.00_64"
    tiny = applications.VGG16(weights=None, input_shape=(32, 32, 3), classes=7, classifier_activation=None)
    assert tiny.output_shape == (None, 7) and tiny.count_params() == 33625927  # Keras' count
    assert [layer.name for layer in tiny.layers][-4:] == ["flatten", "fc1", "fc2", "predictions"]


def test_transfer_learning_pattern_saves_and_loads(tmp_path):
    """Keras' transfer-learning guide: preprocess_input on the symbolic input, a frozen base called
    with training=False, a new head; then model.save / load_model (no unsafe deserialization needed)."""
    base = applications.MobileNetV2(input_shape=(32, 32, 3), include_top=False, weights=None, alpha=0.35)
    base.trainable = False
    inputs = keras.Input(shape=(32, 32, 3))
    x = applications.mobilenet_v2.preprocess_input(inputs)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(1)(keras.layers.Dropout(0.2)(x))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
    images = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    model.fit(images, np.array([0, 1, 0, 1], "float32"), epochs=1, verbose=0)
    model.save(tmp_path / "tl.keras")
    loaded = keras.models.load_model(tmp_path / "tl.keras")
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0), rtol=1e-5,
                               atol=1e-6)


def test_input_tensor_and_fine_tuning_head():
    inputs = keras.Input((32, 32, 3))
    base = applications.MobileNetV2(weights=None, include_top=False, input_tensor=inputs, alpha=0.35)
    assert base.inputs[0] is inputs
    base.trainable = False
    outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.GlobalAveragePooling2D()(base.output))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    before = [w.copy() for w in base.get_weights()]
    model.fit(applications.mobilenet_v2.preprocess_input(x), np.array([0, 1, 0, 1]), epochs=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, base.get_weights()))


def test_keras3_weights_file_round_trip(tmp_path):
    model = applications.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    model.save_weights(tmp_path / "r.weights.h5")
    import h5py
    with h5py.File(tmp_path / "r.weights.h5", "r") as f:  # Keras 3's keys: class names numbered in layer order
        assert "conv2d_52" in f["layers"] and "batch_normalization_52" in f["layers"]
    again = applications.ResNet50(weights=str(tmp_path / "r.weights.h5"), include_top=False, input_shape=(32, 32, 3))
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_imagenet_weights_from_keras_home(tmp_path, monkeypatch):
    """weights="imagenet" reads Keras' (Keras 2 layout) file from $KERAS_HOME/models by its Keras name."""
    from minidl.keras.models.legacy_h5 import write_legacy_weights
    source = applications.MobileNetV2(weights=None, alpha=0.35, include_top=False, input_shape=(96, 96, 3))
    (tmp_path / "models").mkdir()
    path = tmp_path / "models" / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"
    write_legacy_weights(source, path)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    loaded = applications.MobileNetV2(alpha=0.35, include_top=False, input_shape=(96, 96, 3))
    for a, b in zip(source.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    other = applications.MobileNetV2(weights=None, alpha=0.5, include_top=False, input_shape=(96, 96, 3))
    with pytest.raises(ValueError, match="expects"):
        other.load_weights(path)


def test_imagenet_weights_offline_error(tmp_path, monkeypatch):
    import minidl.data.download as download

    def offline(urls, dest, **kwargs):
        raise download.DownloadError(f"could not download {os.path.basename(dest)}: offline")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(download, "download_url", offline)
    with pytest.raises(download.DownloadError, match="vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        applications.VGG16(include_top=False, input_shape=(32, 32, 3))


def test_preprocess_input_modes():
    rgb = np.arange(2 * 2 * 2 * 3, dtype="float32").reshape(2, 2, 2, 3) * 10
    x = rgb.copy()
    caffe = applications.vgg16.preprocess_input(x)
    np.testing.assert_allclose(caffe[..., 0], rgb[..., 2] - 103.939, rtol=1e-6)
    np.testing.assert_allclose(caffe[..., 2], rgb[..., 0] - 123.68, rtol=1e-6)
    np.testing.assert_allclose(applications.resnet_v2.preprocess_input(rgb.copy()), rgb / 127.5 - 1, rtol=1e-6)
    torch_mode = applications.imagenet_utils.preprocess_input(rgb.copy(), mode="torch")
    np.testing.assert_allclose(torch_mode[..., 1], (rgb[..., 1] / 255 - 0.456) / 0.224, rtol=1e-5)
    ints = applications.resnet50.preprocess_input(rgb.astype("uint8"))
    assert ints.dtype == np.float32
    tensor = applications.mobilenet_v2.preprocess_input(keras.ops.convert_to_tensor(rgb))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(tensor), rgb / 127.5 - 1, rtol=1e-6)
    inputs = keras.Input((2, 2, 3))
    model = keras.Model(inputs, applications.resnet.preprocess_input(inputs))
    np.testing.assert_allclose(model.predict(rgb, verbose=0), caffe, rtol=1e-5)
    with pytest.raises(ValueError, match="mode"):
        applications.imagenet_utils.preprocess_input(rgb, mode="keras")


def test_decode_predictions(tmp_path, monkeypatch):
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "imagenet_class_index.json").write_text(json.dumps(index))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(applications.imagenet_utils, "_CLASS_INDEX", None)
    preds = np.zeros((2, 1000), "float32")
    preds[0, [5, 7, 9]] = [0.2, 0.5, 0.3]
    preds[1, 999] = 1.0
    decoded = applications.resnet50.decode_predictions(preds, top=3)
    assert [(c, n) for c, n, _ in decoded[0]] == [("n00000007", "class_7"), ("n00000009", "class_9"),
                                                  ("n00000005", "class_5")]
    assert decoded[1][0][:2] == ("n00000999", "class_999") and len(decoded[1]) == 3
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        applications.vgg16.decode_predictions(np.zeros((2, 10)))


def test_dropout_noise_shape_drops_whole_samples():
    """EfficientNet's stochastic depth: Dropout(noise_shape=(None, 1, 1, 1)) keeps or drops each sample."""
    keras.utils.set_random_seed(3)
    layer = keras.layers.Dropout(0.5, noise_shape=(None, 1, 1, 1))
    y = keras.ops.convert_to_numpy(layer(np.ones((64, 3, 2, 4), "float32"), training=True)).reshape(64, -1)
    assert set(np.unique(y)) <= {0.0, 2.0} and np.all(y.min(axis=1) == y.max(axis=1))
    assert 10 < int((y[:, 0] == 0).sum()) < 54
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(np.ones((2, 3, 2, 4), "float32"))), 1.0)
    assert layer.get_config()["noise_shape"] == (None, 1, 1, 1)
    with pytest.raises(ValueError, match="noise_shape"):
        keras.layers.Dropout(0.5, noise_shape=(None, 2))(np.ones((2, 3), "float32"), training=True)


def test_merge_layers_broadcast_size_one_axes():
    """Keras' Multiply/Add broadcast (N, H, W, C) with (N, 1, 1, C) (EfficientNet's squeeze-excite)."""
    a, b = keras.Input((4, 4, 3)), keras.Input((1, 1, 3))
    product = keras.layers.multiply([a, b])
    assert product.shape == (None, 4, 4, 3)
    model = keras.Model([a, b], product)
    x, s = np.random.default_rng(0).normal(size=(2, 4, 4, 3)), np.random.default_rng(1).normal(size=(2, 1, 1, 3))
    np.testing.assert_allclose(model.predict([x, s], verbose=0), x * s, rtol=1e-5)
    with pytest.raises(ValueError, match="incompatible shapes"):
        keras.layers.Add()([keras.Input((4, 3)), keras.Input((2, 3))])
