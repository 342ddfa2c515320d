"""Keras' saving hooks on user layers (keras.io's "Customizing Saving and Serialization" guide):
``save_own_variables``/``load_own_variables``, ``save_assets``/``load_assets``,
``get_build_config``/``build_from_config``, and a ``keras.Variable`` assigned in ``__init__`` tracked as a
weight. Before, minidl never called the hooks (a custom variable came back with its initial value, an
asset never reached ``load_assets``, a ``build(input_shape, extra)`` signature failed to load)."""
import os

import numpy as np

from minidl import keras


@keras.saving.register_keras_serializable(package="hooks_test")
class ScaledDense(keras.layers.Dense):
    """A Dense layer times its own variable, saved under an extra key."""

    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)
        self.scale = keras.Variable(np.full((1,), 3.0), name="scale", dtype="float32")

    def save_own_variables(self, store):
        super().save_own_variables(store)
        store["scale"] = self.scale.numpy()

    def load_own_variables(self, store):
        self.scale.assign(store["scale"])
        for i, variable in enumerate(self.weights):
            variable.assign(store[f"{i}"])

    def call(self, inputs):
        return super().call(inputs) * self.scale


@keras.saving.register_keras_serializable(package="hooks_test")
class WithVocabulary(keras.layers.Dense):
    """Writes its text to an asset file, reads it back with a substitution."""

    def __init__(self, vocab=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.vocab = vocab

    def save_assets(self, inner_path):
        with open(os.path.join(inner_path, "vocabulary.txt"), "w") as f:
            f.write(self.vocab)

    def load_assets(self, inner_path):
        with open(os.path.join(inner_path, "vocabulary.txt")) as f:
            self.vocab = f.read().replace("<unk>", "little")


@keras.saving.register_keras_serializable(package="hooks_test")
class BuildWithInit(keras.layers.Layer):
    """``build`` takes an extra argument, restored through the build config."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def call(self, inputs):
        return keras.ops.matmul(inputs, self.w)

    def get_config(self):
        return dict(units=self.units, **super().get_config())

    def build(self, input_shape, layer_init="zeros"):
        super().build(input_shape)
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer=layer_init)
        self.layer_init = layer_init

    def get_build_config(self):
        config = super().get_build_config()
        config.update({"layer_init": self.layer_init})
        return config

    def build_from_config(self, config):
        self.build(config["input_shape"], config["layer_init"])


def test_own_variables_are_saved_and_loaded_through_the_hooks(tmp_path):
    layer = ScaledDense(1)
    model = keras.Sequential([keras.Input((3,)), layer])
    assert [w.name for w in layer.weights] == ["scale", "kernel", "bias"]
    layer.scale.assign(np.array([5.0], "float32"))
    x = np.ones((2, 3), "float32")
    model.save(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(restored.layers[0].scale.numpy(), [5.0])
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_assets_are_written_and_read_by_the_layer(tmp_path):
    model = keras.Sequential([keras.Input((2,)), WithVocabulary(vocab="Mary had a <unk> lamb.", units=3)])
    model.save(tmp_path / "m.keras")
    import zipfile
    names = zipfile.ZipFile(tmp_path / "m.keras").namelist()
    assert "assets/layers/with_vocabulary/vocabulary.txt" in names
    restored = keras.models.load_model(tmp_path / "m.keras")
    assert restored.layers[0].vocab == "Mary had a little lamb."


def test_build_config_hooks_rebuild_a_layer_with_an_extra_build_argument(tmp_path):
    layer = BuildWithInit(units=3)
    layer.build(input_shape=(None, 2), layer_init="ones")
    assert layer.get_build_config() == {"input_shape": (None, 2), "layer_init": "ones"}
    model = keras.Sequential([layer, keras.layers.Dense(1)])
    x = np.ones((4, 2), "float32")
    out = model.predict(x, verbose=0)
    model.save(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras")
    assert restored.layers[0].layer_init == "ones" and restored.built
    np.testing.assert_allclose(restored.predict(x, verbose=0), out, rtol=1e-6)
