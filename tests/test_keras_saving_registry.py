"""keras.saving's registry and (de)serialization: register_keras_serializable, custom_object_scope,
get_registered_name/object, serialize/deserialize_keras_object, and save/load of custom layers,
subclassed models, custom losses and metrics without custom_objects (Keras 3 semantics)."""
import gzip
import json
import pathlib
import shutil
import zipfile

import numpy as np
import pytest

from minidl import keras

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


@keras.saving.register_keras_serializable()
class ScaledDense(keras.layers.Layer):
    """The custom layer of tests/fixtures/make_keras_custom_objects.py."""

    def __init__(self, units=4, scale=2.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.scale = units, scale

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="w")

    def call(self, x):
        return self.scale * keras.ops.matmul(x, self.w)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "scale": self.scale}


@keras.saving.register_keras_serializable(package="fixture")
class TwoLayer(keras.Model):
    """The subclassed model of the fixture script."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.body = ScaledDense(units, scale=0.5)
        self.head = keras.layers.Dense(2, activation="tanh")

    def call(self, x):
        return self.head(self.body(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="tests")
def half_mse(y_true, y_pred):
    """A registered loss function."""
    return 0.5 * keras.ops.mean((y_true - y_pred) ** 2, axis=-1)


def _data():
    rng = np.random.default_rng(1)
    return rng.normal(size=(8, 5)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")


def test_registered_names_and_lookup():
    assert keras.saving.get_registered_name(ScaledDense) == "Custom>ScaledDense"
    assert keras.saving.get_registered_name(TwoLayer) == "fixture>TwoLayer"
    assert keras.utils.get_registered_name(half_mse) == "tests>half_mse"
    assert keras.saving.get_registered_object("Custom>ScaledDense") is ScaledDense
    assert keras.saving.get_custom_objects()["fixture>TwoLayer"] is TwoLayer
    assert keras.saving.get_registered_object("nope") is None
    assert keras.saving.get_registered_object("nope", module_objects={"nope": 3}) == 3
    assert keras.saving.get_registered_name(np.mean) == "mean"  # unregistered: its __name__


def test_register_rejects_class_without_get_config():
    with pytest.raises(ValueError, match="get_config"):
        keras.saving.register_keras_serializable()(type("NoConfig", (), {}))


def test_custom_object_scope_is_scoped():
    marker = object()
    with keras.saving.custom_object_scope({"marker": marker}):
        assert keras.saving.get_registered_object("marker") is marker
        with keras.utils.CustomObjectScope({"other": 1}):  # a scope replaces the enclosing one, as Keras
            assert keras.saving.get_registered_object("marker") is None
        assert keras.saving.get_registered_object("marker") is marker
    assert keras.saving.get_registered_object("marker") is None


def test_serialize_formats_match_keras():
    s = keras.saving.serialize_keras_object
    assert s(ScaledDense(3, name="sd")) == {
        "module": None, "class_name": "ScaledDense", "registered_name": "Custom>ScaledDense",
        "config": {"name": "sd", "trainable": True, "units": 3, "scale": 2.0,
                   "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                             "registered_name": None}}}
    assert s(half_mse) == {"module": "builtins", "class_name": "function", "config": "tests>half_mse",
                           "registered_name": "function"}
    assert s(np.arange(3)) == {"class_name": "__numpy__", "config": {"value": [0, 1, 2], "dtype": "int64"}}
    assert s(keras.losses.MeanSquaredError())["class_name"] == "MeanSquaredError"
    assert s(keras.layers.Dense(2))["module"] == "keras.layers"
    assert s((1, slice(1, 2))) == (1, {"class_name": "__slice__", "config": {"start": 1, "stop": 2, "step": None}})


def test_deserialize_round_trips():
    d, s = keras.saving.deserialize_keras_object, keras.saving.serialize_keras_object
    layer = d(s(ScaledDense(3, scale=4.0)))
    assert isinstance(layer, ScaledDense) and layer.units == 3 and layer.scale == 4.0
    assert d(s(half_mse)) is half_mse
    dense = d(s(keras.layers.Dense(7, activation="relu")))
    assert isinstance(dense, keras.layers.Dense) and dense.units == 7
    np.testing.assert_array_equal(d(s(np.arange(3.0))), np.arange(3.0))
    assert d("relu") == "relu" and d([1, {"a": None}]) == [1, {"a": None}]
    assert isinstance(d(s(keras.optimizers.Adam(0.5))), keras.optimizers.Adam)
    with pytest.raises(TypeError, match="Could not locate class 'Foo'"):
        d({"module": None, "class_name": "Foo", "config": {}, "registered_name": "Custom>Foo"})


def test_deserialize_uses_custom_objects_and_scope():
    class Local(keras.layers.Layer):
        def get_config(self):
            return super().get_config()
    entry = {"module": "tests", "class_name": "Local", "config": {"name": "loc"}, "registered_name": "Local"}
    assert isinstance(keras.saving.deserialize_keras_object(entry, custom_objects={"Local": Local}), Local)
    with keras.saving.custom_object_scope({"Local": Local}):
        assert keras.saving.deserialize_keras_object(entry).name == "loc"


def test_custom_layer_in_sequential_saves_and_loads(tmp_path):
    x, y = _data()
    model = keras.Sequential([keras.Input((5,)), ScaledDense(3), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss=half_mse)
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("config.json"))
    entry = config["config"]["layers"][1]
    assert entry["registered_name"] == "Custom>ScaledDense" and entry["module"] is None
    assert config["compile_config"]["loss"] == "tests>half_mse"
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.layers[0], ScaledDense) and loaded.layers[0].scale == 2.0
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert loaded.optimizer.iterations == model.optimizer.iterations  # compiled, optimiser state kept
    loaded.fit(x, y, epochs=1, verbose=0)


def test_custom_layer_in_functional_model(tmp_path):
    x, _ = _data()
    inputs = keras.Input((5,))
    model = keras.Model(inputs, keras.layers.Dense(2)(ScaledDense(4, scale=3.0)(inputs)))
    model.save(tmp_path / "f.keras")
    loaded = keras.models.load_model(tmp_path / "f.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_subclassed_model_saves_and_loads(tmp_path):
    x, y = _data()
    model = TwoLayer(units=4)
    model(x)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    keras.saving.save_model(model, tmp_path / "s.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "s.keras").read("config.json"))
    assert config["registered_name"] == "fixture>TwoLayer" and config["config"]["units"] == 4
    assert config["build_config"] == {"input_shape": [8, 5]}
    loaded = keras.models.load_model(tmp_path / "s.keras")
    assert type(loaded) is TwoLayer and loaded.units == 4
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    model.save_weights(tmp_path / "s.weights.h5")
    fresh = TwoLayer(units=4)
    fresh(x)
    keras.saving.load_weights(fresh, tmp_path / "s.weights.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_unregistered_custom_layer_needs_custom_objects(tmp_path):
    class Plain(keras.layers.Layer):
        def call(self, x):
            return x * 2.0

    model = keras.Sequential([keras.Input((3,)), Plain()])
    model.save(tmp_path / "p.keras")
    with pytest.raises(ValueError, match="Plain"):
        keras.models.load_model(tmp_path / "p.keras")
    loaded = keras.models.load_model(tmp_path / "p.keras", custom_objects={"Plain": Plain})
    np.testing.assert_allclose(loaded.predict(np.ones((1, 3)), verbose=0), 2.0)
    with keras.utils.custom_object_scope({"Plain": Plain}):
        assert isinstance(keras.models.load_model(tmp_path / "p.keras").layers[0], Plain)


def test_registered_metric_and_loss_by_name():
    @keras.saving.register_keras_serializable(package="tests")
    class DoubleMAE(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return 2.0 * keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)

    assert isinstance(keras.losses.get("tests>DoubleMAE"), DoubleMAE)
    x, y = _data()
    value = float(np.mean(keras.ops.convert_to_numpy(keras.losses.get("tests>half_mse")(y, np.zeros_like(y)))))
    np.testing.assert_allclose(value, 0.5 * np.mean(y ** 2), rtol=1e-6)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="tests>DoubleMAE", metrics=["tests>half_mse"])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert len(logs) == 2


def test_loads_keras_saved_subclassed_model(tmp_path):
    """A .keras file Keras 3 wrote for TwoLayer (made by tests/fixtures/make_keras_custom_objects.py)."""
    path = tmp_path / "k.keras"
    with gzip.open(FIXTURES / "keras_custom_subclassed.keras.gz", "rb") as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    ref = np.load(FIXTURES / "keras_custom_subclassed_out.npz")
    model = keras.saving.load_model(path)
    assert type(model) is TwoLayer and isinstance(model.body, ScaledDense) and model.body.scale == 0.5
    np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["y"], rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "again.keras")  # and minidl writes Keras' subclassed-model weights layout back
    with zipfile.ZipFile(tmp_path / "again.keras") as z, zipfile.ZipFile(path) as k:
        import io

        import h5py
        mine, theirs = (h5py.File(io.BytesIO(a.read("model.weights.h5")), "r") for a in (z, k))
        assert sorted(mine) == sorted(theirs)
        np.testing.assert_allclose(mine["body/vars/0"][()], theirs["body/vars/0"][()])


@keras.saving.register_keras_serializable(package="tests")
class AutoScale(keras.layers.Layer):
    """A layer without get_config: Keras' automatic config records its constructor arguments."""

    def __init__(self, factor=2.0, units=3, **kwargs):
        super().__init__(**kwargs)
        self.factor, self.units = factor, units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units))

    def call(self, x):
        return self.factor * keras.ops.matmul(x, self.w)


@keras.saving.register_keras_serializable(package="tests")
class AutoNet(keras.Model):
    """A subclassed model without get_config."""

    def __init__(self, hidden=5, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.dense = keras.layers.Dense(hidden)
        self.scale = AutoScale(4.0, units=2)

    def call(self, x):
        return self.scale(self.dense(x))


def test_automatic_config_of_user_classes(tmp_path):
    config = AutoScale(3.0, units=7, name="s").get_config()
    assert config["factor"] == 3.0 and config["units"] == 7 and config["name"] == "s"
    x, _ = _data()
    model = AutoNet(hidden=6)
    model(x)
    assert model.get_config()["hidden"] == 6
    model.save(tmp_path / "auto.keras")
    loaded = keras.models.load_model(tmp_path / "auto.keras")
    assert type(loaded) is AutoNet and loaded.hidden == 6 and loaded.scale.factor == 4.0
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_automatic_config_refuses_unserializable_arguments():
    class Holder(keras.layers.Layer):
        def __init__(self, table, **kwargs):
            super().__init__(**kwargs)
            self.table = table

    with pytest.raises(NotImplementedError, match="must override `get_config\\(\\)`"):
        Holder(np.ones(3)).get_config()
    assert Holder([1, 2]).get_config()["table"] == [1, 2]


@keras.saving.register_keras_serializable(package="fixture")
class TransformerBlock(keras.layers.Layer):
    """keras.io's transformer block (as in tests/fixtures/make_keras_custom_objects.py)."""

    def __init__(self, embed_dim=8, num_heads=2, ff_dim=16, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.att = keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential([keras.layers.Dense(ff_dim, activation="relu"), keras.layers.Dense(embed_dim)])
        self.layernorm1 = keras.layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = keras.layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = keras.layers.Dropout(rate)
        self.dropout2 = keras.layers.Dropout(rate)

    def call(self, inputs):
        out1 = self.layernorm1(inputs + self.dropout1(self.att(inputs, inputs)))
        return self.layernorm2(out1 + self.dropout2(self.ffn(out1)))


@keras.saving.register_keras_serializable(package="fixture")
class TokenAndPositionEmbedding(keras.layers.Layer):
    """keras.io's token and position embedding."""

    def __init__(self, maxlen=5, vocab_size=20, embed_dim=8, **kwargs):
        super().__init__(**kwargs)
        self.token_emb = keras.layers.Embedding(vocab_size, embed_dim)
        self.pos_emb = keras.layers.Embedding(maxlen, embed_dim)

    def call(self, x):
        positions = keras.ops.arange(0, keras.ops.shape(x)[-1], 1)
        return self.token_emb(x) + self.pos_emb(positions)


def _h5_tree(path):
    import io

    import h5py
    with zipfile.ZipFile(path) as z:
        f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
        found = []  # the weight arrays (Keras also writes empty groups for weightless sublayers)
        f.visititems(lambda name, obj: found.append((name, obj.shape)) if hasattr(obj, "shape") else None)
        return sorted(found)


def test_custom_layers_of_sublayers_use_keras_file_layout(tmp_path):
    """A Keras-saved model of user layers made of sublayers (MultiHeadAttention, a Sequential, ...)
    loads with Keras' predictions, and minidl writes the same weight arrays at the same paths back."""
    path = tmp_path / "t.keras"
    with gzip.open(FIXTURES / "keras_custom_transformer.keras.gz", "rb") as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    ref = np.load(FIXTURES / "keras_custom_transformer_out.npz")
    model = keras.models.load_model(path)
    np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["y"], rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "again.keras")
    assert _h5_tree(tmp_path / "again.keras") == _h5_tree(path)
    again = keras.models.load_model(tmp_path / "again.keras")
    np.testing.assert_allclose(again.predict(ref["x"], verbose=0), ref["y"], rtol=1e-5, atol=1e-6)
