"""Keras 3's serialization surface, compared with what Keras 3.15 (JAX) writes: every layer's
``get_config()`` (keys, order, values, tuples), the ``to_json()`` of Sequential and Functional models
(nested ones included), loading Keras-written JSON, round trips through ``model_from_json`` /
``Model.from_config`` / ``serialize_keras_object``, and ``summary(expand_nested=..., show_trainable=...,
line_length=..., positions=..., layer_range=...)`` text.

The Keras side is tests/fixtures/keras_config14.json.gz, written by tests/fixtures/make_keras_config14.py
from the cases in tests/fixtures/keras_config14_cases.py (shared with this file). The other direction,
minidl's JSON loaded by Keras, was checked once with the reference venv: ``keras.models.model_from_json``
of minidl's ``to_json()`` of each model in ``make_models`` gave models whose ``to_json()`` equals minidl's
(see ``test_minidl_json_is_what_keras_writes``, which holds the same JSON to Keras' own)."""
import gzip
import json
import os
import sys

import numpy as np
import pytest

from minidl import keras

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "fixtures"))
import keras_config14_cases as cases  # noqa: E402

with gzip.open(os.path.join(HERE, "fixtures", "keras_config14.json.gz"), "rt") as _f:
    KERAS = json.load(_f)


@pytest.fixture(autouse=True)
def _fresh_names():
    """Automatic names (a nested Sequential's ``input_layer``) count from zero, as in the fixture's process."""
    keras.backend.clear_session()


@pytest.mark.parametrize("key", sorted(cases.LAYERS))
def test_layer_config_is_keras(key):
    layer = cases.make_layer(keras, key)
    config = layer.get_config()
    assert cases.tag(config) == KERAS["layers"][key]
    assert list(config) == list(KERAS["layers"][key])
    clone = type(layer).from_config(config)
    assert cases.tag(clone.get_config()) == cases.tag(config)


def test_initializer_regularizer_constraint_objects_are_keras_dicts():
    dense = keras.layers.Dense(2, kernel_initializer=keras.initializers.HeNormal(seed=3),
                               kernel_regularizer=keras.regularizers.L1(0.1), kernel_constraint="max_norm")
    config = dense.get_config()
    assert config["kernel_initializer"] == {"module": "keras.initializers", "class_name": "HeNormal",
                                            "config": {"seed": 3, "input_axes": None, "output_axes": None},
                                            "registered_name": None}
    assert config["kernel_regularizer"]["config"] == {"l1": 0.10000000149011612}  # Keras keeps l1 in float32
    assert config["kernel_constraint"] == {"module": "keras.constraints", "class_name": "MaxNorm",
                                           "config": {"max_value": 2, "axis": 0}, "registered_name": None}
    assert keras.initializers.Identity(gain=2.0).get_config() == {}  # (Keras 3 writes no gain)
    scaled = keras.initializers.VarianceScaling(2.0, "fan_in", "uniform", input_axes=[0], output_axes=[1])
    w = scaled((6, 4))
    assert np.abs(w).max() <= np.sqrt(3 * 2.0 / 6) and scaled.get_config()["input_axes"] == [0]


def test_user_subclass_of_a_builtin_layer_gets_keras_keys_then_its_own():
    class Scaled(keras.layers.Dense):
        def __init__(self, units, factor=2.0, **kwargs):
            super().__init__(units, **kwargs)
            self.factor = factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    config = Scaled(3, name="scaled").get_config()
    assert list(config) == list(KERAS["layers"]["Dense"]) + ["factor"]
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"

    class Plain(keras.layers.Layer):  # Keras' automatic config: the arguments as given
        def __init__(self, init="he_normal", **kwargs):
            super().__init__(**kwargs)
            self.init = init

    assert Plain(name="p").get_config()["init"] == "he_normal"


@pytest.mark.parametrize("name", sorted(KERAS["models"]))
def test_model_json_is_keras(name):
    model = cases.make_models(keras)[name]
    assert json.loads(model.to_json()) == KERAS["models"][name]
    assert json.dumps(json.loads(model.to_json())) == json.dumps(KERAS["models"][name])  # key order too
    assert json.loads(json.dumps(model.get_config())) == KERAS["models"][name]["config"]
    serialized = json.loads(json.dumps(keras.saving.serialize_keras_object(model)))
    assert serialized == KERAS["models"][name]


@pytest.mark.parametrize("name", sorted(KERAS["models"]))
def test_keras_written_json_loads_and_round_trips(name):
    text = json.dumps(KERAS["models"][name])
    model = keras.models.model_from_json(text)
    assert json.loads(model.to_json()) == KERAS["models"][name]
    original = cases.make_models(keras)[name]
    assert [layer.name for layer in model.layers] == [layer.name for layer in original.layers]
    if original.built:
        model.set_weights(original.get_weights())
        rng = np.random.default_rng(0)
        inputs = [rng.random((2,) + tuple(t.shape[1:])).astype("float32") for t in original.inputs]
        if inputs:
            inputs = inputs[0] if len(inputs) == 1 else inputs
            want, got = original.predict(inputs, verbose=0), model.predict(inputs, verbose=0)
            for a, b in zip(want if isinstance(want, list) else [want], got if isinstance(got, list) else [got]):
                np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("name", ["seq", "seq_nested", "func", "func_shared"])
def test_minidl_round_trips(name):
    model = cases.make_models(keras)[name]
    expected = json.loads(model.to_json())
    cls = keras.Sequential if isinstance(model, keras.Sequential) else keras.Model
    for clone in (keras.models.model_from_json(model.to_json()), cls.from_config(model.get_config()),
                  keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))):
        assert json.loads(clone.to_json()) == expected


def test_compiled_model_json_has_keras_compile_config():
    model = cases.make_models(keras)["seq"]
    model.compile("adam", "mse", metrics=["mae"])
    compile_config = json.loads(model.to_json())["compile_config"]
    assert list(compile_config) == ["optimizer", "loss", "loss_weights", "metrics", "weighted_metrics",
                                    "run_eagerly", "steps_per_execution", "jit_compile"]
    assert list(compile_config["optimizer"]["config"])[:6] == ["name", "learning_rate", "weight_decay", "clipnorm",
                                                               "global_clipnorm", "clipvalue"]
    again = keras.models.model_from_json(model.to_json())
    assert again.to_json() == keras.models.model_from_json(again.to_json()).to_json()


@pytest.mark.parametrize("key", sorted(KERAS["summaries"]))
def test_summary_text_is_keras(key, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # (the Keras text was printed in a 200-column terminal)
    name, case = key.split()
    kwargs = dict(cases.SUMMARIES[name])[case]
    model = cases.make_models(keras)[name]
    assert cases.summary_text(model, kwargs) == KERAS["summaries"][key]


def test_summary_layer_range_errors_are_keras():
    model = cases.make_models(keras)["seq"]
    with pytest.raises(ValueError, match="layer_range must be a list or tuple of length 2"):
        model.summary(layer_range=["d1"])
    with pytest.raises(ValueError, match="do not match the layer names"):
        model.summary(layer_range=["nope", "d2"])
