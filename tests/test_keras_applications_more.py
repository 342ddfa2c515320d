"""The keras.applications added in session 12 (MobileNetV3, EfficientNetV2, ConvNeXt, InceptionResNetV2,
NASNet) against Keras 3.15: parameter counts of every variant, layer / weight counts, layer classes,
the names of the layers holding weights, weight kinds and shapes, and forward values with the same
pseudo-random weights in both (tests/fixtures/make_keras_applications_more.py wrote the Keras side into
keras_applications_more.json.gz); plus their own layers (LayerScale, StochasticDepth,
CustomScaleLayer) saving and loading, and weight files whose weightless layers Keras numbers
differently."""
import gzip
import importlib.util
import json
import pathlib

import numpy as np
import pytest

from minidl import keras
from minidl.keras import applications

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
_spec = importlib.util.spec_from_file_location("make_keras_applications_more",
                                               FIXTURES / "make_keras_applications_more.py")
maker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(maker)
REFERENCE = json.loads(gzip.open(FIXTURES / "keras_applications_more.json.gz", "rt").read())
LARGE = {"EfficientNetV2L", "ConvNeXtLarge", "ConvNeXtXLarge", "NASNetLarge"}  # 88M-350M parameters


def _builder(name):
    return getattr(applications, name)


def _variants():
    return [pytest.param(name, marks=pytest.mark.slow) if name in LARGE else name
            for name in REFERENCE["params"] if hasattr(applications, name)]


@pytest.mark.parametrize("name", _variants())
def test_parameter_counts_match_keras(name):
    ref = REFERENCE["params"][name]
    top = _builder(name)(weights=None)
    assert top.count_params() == ref["top"] and top.name == ref["name"]
    assert top.output_shape == (None, 1000)
    del top
    assert _builder(name)(weights=None, include_top=False).count_params() == ref["notop"]


def _expected_structure(key, model):
    """Keras' layer count and classes, adjusted for the documented differences of minidl's graphs:
    MobileNetV3's squeeze-excite gate is one Activation("hard_sigmoid") where Keras has a ReLU between
    two tensor operations; ConvNeXt's residual sums are Add layers where Keras has tensor operations."""
    ref = REFERENCE["models"][key]
    classes, layers = dict(ref["classes"]), ref["layers"]
    gates = classes.get("Multiply", 0) if key.startswith("MobileNetV3") else 0
    if gates:
        classes["ReLU"] -= gates
        classes["Activation"] = classes.get("Activation", 0) + gates
    if key.startswith("ConvNeXt"):
        blocks = classes["LayerScale"]
        classes["Add"] = blocks
        layers += blocks
    return layers, classes


@pytest.mark.parametrize("key", [key for key, spec in maker.MODELS.items() if hasattr(applications, spec[0])])
def test_structure_and_values_match_keras(key):
    builder, kwargs, size, gain = maker.MODELS[key]
    ref = REFERENCE["models"][key]
    model = _builder(builder)(weights=None, include_top=False, input_shape=(size, size, 3), pooling="avg", **kwargs)
    described = maker.describe(model)
    layers, classes = _expected_structure(key, model)
    assert (described["name"], described["params"], described["weights"]) == (ref["name"], ref["params"],
                                                                              ref["weights"])
    assert described["layers"] == layers and described["classes"] == classes
    assert described["weighted_names_sha1"] == ref["weighted_names_sha1"]
    assert described["kinds_shapes_sha1"] == ref["kinds_shapes_sha1"]
    model.set_weights(maker.mixed_weights(maker.weight_kinds(model), [list(w.shape) for w in model.weights], gain))
    x = maker.model_input(size, preprocessing=key in maker.PREPROCESSING)
    digest = maker.output_digest(model.predict(x, verbose=0))
    expected = np.asarray(ref["output_every16"])
    scale = np.abs(expected).max()
    assert np.abs(expected[0] - expected[1]).max() > 1e-3 * scale  # (the two images give different outputs)
    np.testing.assert_allclose(digest["output_every16"], ref["output_every16"], rtol=1e-3, atol=1e-4 * scale)
    np.testing.assert_allclose(digest["output_sum"], ref["output_sum"], rtol=1e-3, atol=1e-3)


def test_keras_weight_file_with_differently_numbered_weightless_layers(tmp_path):
    """A Keras 3 weights file names each layer by its class and rank among that class; where Keras has
    ReLU layers that minidl's MobileNetV3 replaces by Activation("hard_sigmoid"), the weightless keys
    differ but every layer holding weights still finds its group."""
    import h5py
    source = applications.MobileNetV3Small(weights=None, include_top=False, input_shape=(32, 32, 3))
    source.save_weights(tmp_path / "m.weights.h5")
    with h5py.File(tmp_path / "m.weights.h5", "a") as f:  # rename the weightless keys as Keras numbers them
        layers = f["layers"]
        for key in [k for k in layers if k.startswith("activation") or k.startswith("re_lu")]:
            del layers[key]
        for prefix, count in (("re_lu", 23), ("activation", 18)):  # Keras' MobileNetV3Small without the top
            for i in range(count):
                layers.create_group(prefix if i == 0 else f"{prefix}_{i}")
    target = applications.MobileNetV3Small(weights=str(tmp_path / "m.weights.h5"), include_top=False,
                                           input_shape=(32, 32, 3))
    for a, b in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_mobilenet_v3_signature_and_input_rules():
    model = applications.MobileNetV3Small(weights=None)  # any input size, even with the top
    assert model.input_shape == (None, None, None, 3) and model.output_shape == (None, 1000)
    assert type(model.layers[1]).__name__ == "Rescaling" and model.layers[-1].name == "predictions"
    plain = applications.MobileNetV3Large(weights=None, include_preprocessing=False, include_top=False,
                                          input_shape=(64, 64, 3), pooling="max")
    assert plain.layers[1].name == "conv" and plain.output_shape == (None, 960)
    with pytest.raises(ValueError, match="at least 32x32"):
        applications.MobileNetV3Small(weights=None, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="alpha can be one of"):
        applications.MobileNetV3Small(weights="imagenet", alpha=0.5)
    x = np.arange(12, dtype="float32").reshape(1, 2, 2, 3)
    assert applications.mobilenet_v3.preprocess_input(x) is x
    assert applications.efficientnet_v2.preprocess_input(x) is x and applications.convnext.preprocess_input(x) is x
    np.testing.assert_allclose(applications.inception_resnet_v2.preprocess_input(x.copy()), x / 127.5 - 1, rtol=1e-6)


def test_efficientnet_v2_preprocessing_layers():
    b0 = applications.EfficientNetV2B0(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert [type(layer).__name__ for layer in b0.layers[1:3]] == ["Rescaling", "Normalization"]
    s = applications.EfficientNetV2S(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert type(s.layers[1]).__name__ == "Rescaling" and s.layers[2].name == "stem_conv"
    plain = applications.EfficientNetV2B0(weights=None, include_top=False, input_shape=(32, 32, 3),
                                          include_preprocessing=False)
    assert plain.layers[1].name == "stem_conv"


def test_convnext_layers_save_and_load(tmp_path):
    """A ConvNeXt block with stochastic depth saves and loads (LayerScale / StochasticDepth under
    Keras' module name); StochasticDepth drops whole samples in training only."""
    inputs = keras.Input((4, 4, 8))
    block = applications.convnext.ConvNeXtBlock(8, drop_path_rate=0.5, layer_scale_init_value=0.5, name="blk")
    model = keras.Model(inputs, block(inputs))
    scale = model.get_layer("blk_layer_scale")
    assert scale.get_config()["projection_dim"] == 8 and scale.weights[0].path == "blk_layer_scale/variable"
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(scale.weights[0]), np.full(8, 0.5, "float32"))
    entries = json.loads(model.to_json())["config"]["layers"]
    assert {e["class_name"]: e["module"] for e in entries}["LayerScale"] == "keras.src.applications.convnext"
    model.save(tmp_path / "block.keras")
    loaded = keras.models.load_model(tmp_path / "block.keras")
    x = np.random.default_rng(0).normal(size=(3, 4, 4, 8)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    keras.utils.set_random_seed(1)
    drop = applications.convnext.StochasticDepth(0.5)
    y = keras.ops.convert_to_numpy(drop(np.ones((64, 2, 3), "float32"), training=True)).reshape(64, -1)
    assert set(np.unique(y)) <= {0.0, 2.0} and np.all(y.min(axis=1) == y.max(axis=1)) and 0 < y[:, 0].sum() < 128
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(drop(np.ones((2, 3), "float32"))), 1.0)


def test_convnext_imagenet_checks_and_top():
    with pytest.raises(ValueError, match="does not match weights variant"):
        applications.ConvNeXtTiny(weights="imagenet", name="mine")
    model = applications.convnext.ConvNeXt([1, 1, 1, 1], [8, 16, 24, 32], input_shape=(32, 32, 3), classes=5,
                                           classifier_activation=None, name="small_convnext")
    assert [layer.name for layer in model.layers][-3:] == ["small_convnext_head_gap", "small_convnext_head_layernorm",
                                                          "small_convnext_head_dense"]
    assert model.output_shape == (None, 5)


def test_custom_scale_layer():
    layer = applications.inception_resnet_v2.CustomScaleLayer(0.25)
    a, b = np.ones((2, 3), "float32"), np.full((2, 3), 4.0, "float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer([a, b])), 2.0)
    assert layer.get_config()["scale"] == 0.25
    x, y = keras.Input((3,)), keras.Input((3,))
    assert applications.inception_resnet_v2.CustomScaleLayer(0.5)([x, y]).shape == (None, 3)


def test_imagenet_weights_from_keras_home(tmp_path, monkeypatch):
    """weights="imagenet" reads Keras' Keras-2-layout file from $KERAS_HOME/models under Keras' name."""
    from minidl.keras.models.legacy_h5 import write_legacy_weights
    source = applications.MobileNetV3Small(weights=None, include_top=False, input_shape=(32, 32, 3))
    (tmp_path / "models").mkdir()
    write_legacy_weights(source, tmp_path / "models" / "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.warns(UserWarning, match="Weights for input shape"):  # (Keras warns for inputs other than 224)
        loaded = applications.MobileNetV3Small(include_top=False, input_shape=(32, 32, 3))
    for a, b in zip(source.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("build, kwargs, file_name", [
    ("EfficientNetV2B0", {}, "efficientnetv2-b0_notop.h5"),
    ("ConvNeXtTiny", {}, "convnext_tiny_notop.h5"),
    ("InceptionResNetV2", {"input_shape": (75, 75, 3)},
     "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("NASNetMobile", {}, "nasnet_mobile_no_top.h5"),
    ("MobileNetV3Large", {"input_shape": (224, 224, 3)}, "weights_mobilenet_v3_large_224_1.0_float_no_top_v2.h5"),
])
def test_imagenet_weight_file_names(tmp_path, monkeypatch, build, kwargs, file_name):
    import os

    import minidl.data.download as download

    def offline(urls, dest, **kw):
        raise download.DownloadError(f"could not download {os.path.basename(dest)} from {urls[0]}: offline")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(download, "download_url", offline)
    kwargs = {"input_shape": (32, 32, 3), **kwargs}
    with pytest.raises(download.DownloadError, match=file_name):
        _builder(build)(include_top=False, **kwargs)


def test_small_models_train_save_and_load(tmp_path):
    """A small ConvNeXt (stochastic depth on) trains (its LayerScale weights move); a MobileNetV3Small
    with its top saves and loads with the same predictions."""
    model = applications.convnext.ConvNeXt([1, 1, 1, 1], [8, 16, 24, 32], input_shape=(32, 32, 3), classes=3,
                                           name="tiny", drop_path_rate=0.1)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).uniform(0, 255, (8, 32, 32, 3)).astype("float32")
    gamma = model.get_layer("tiny_stage_0_block_0_layer_scale").get_weights()[0].copy()
    model.fit(x, np.arange(8) % 3, epochs=1, verbose=0)
    assert not np.allclose(model.get_layer("tiny_stage_0_block_0_layer_scale").get_weights()[0], gamma)
    assert type(model.get_layer("tiny_stage_3_block_0_stochastic_depth")).__name__ == "StochasticDepth"
    small = applications.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=4, minimalistic=True,
                                          alpha=0.75)
    small.save(tmp_path / "small.keras")
    loaded = keras.models.load_model(tmp_path / "small.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), small.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_keras_saved_model_with_application_layers(tmp_path):
    """A .keras file Keras wrote with convnext.LayerScale, convnext.StochasticDepth and
    inception_resnet_v2.CustomScaleLayer (tests/fixtures/make_keras_application_layers.py) loads and
    predicts as in Keras."""
    import shutil
    path = tmp_path / "model.keras"
    with gzip.open(FIXTURES / "keras_application_layers.keras.gz", "rb") as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    ref = np.load(FIXTURES / "keras_application_layers_out.npz")
    model = keras.models.load_model(path)
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense", "LayerScale",
                                                                "StochasticDepth", "CustomScaleLayer"]
    assert model.get_layer("scale").projection_dim == 6 and model.get_layer("residual").scale == 0.5
    np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["y"], rtol=1e-5, atol=1e-6)
