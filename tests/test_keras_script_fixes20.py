"""The minidl.keras fixes the session-20 keras.io scripts needed, checked directly. Differential: the
file passes unchanged under Keras 3 (``import keras`` for the import line below, KERAS_BACKEND=jax)."""
import json
import warnings

import pytest

import minidl.keras as keras


@pytest.mark.parametrize("make", [lambda: keras.layers.Dense(2, input_shape=(4,)),
                                  lambda: keras.layers.Dense(2, input_dim=4),
                                  lambda: keras.layers.LSTM(3, input_shape=(5, 2)),
                                  lambda: keras.layers.Conv2D(2, 3, input_shape=(8, 8, 1))])
def test_input_shape_argument_warns(make):
    with pytest.warns(UserWarning, match=r"Do not pass an `input_shape`/`input_dim` argument to a layer"):
        make()


@pytest.mark.parametrize("make", [lambda: keras.layers.Dense(2), lambda: keras.layers.Embedding(10, 3),
                                  lambda: keras.Input((4,))])
def test_no_warning_without_input_shape(make):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make()


class Holder(keras.layers.Layer):
    def __init__(self, inner=None, reg=None, **kwargs):
        super().__init__(**kwargs)
        self.inner, self.reg = inner, reg

    def get_config(self):
        return {**super().get_config(), "inner": self.inner, "reg": self.reg}

    def call(self, x):
        return x


def test_layer_in_config_serializes_to_nested_dict():
    inner = keras.layers.Dense(3, name="inner_dense")
    config = keras.layers.serialize(Holder(inner=inner, reg=keras.regularizers.L1(0.5), name="holder"))
    nested = config["config"]["inner"]
    assert isinstance(nested, dict) and nested["class_name"] == "Dense"
    assert nested["module"] == "keras.layers" and nested["config"]["units"] == 3
    assert nested["config"]["name"] == "inner_dense"
    assert config["config"]["reg"] == {"module": "keras.regularizers", "class_name": "L1",
                                       "config": {"l1": 0.5}, "registered_name": None}
    assert isinstance(keras.layers.deserialize(nested), keras.layers.Dense)
    json.dumps(config)  # JSON-able through and through


def test_functional_config_nests_held_layer():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, Holder(inner=keras.layers.Dense(2), name="holder")(inputs))
    entry = [layer for layer in model.get_config()["layers"] if layer["class_name"] == "Holder"][0]
    assert entry["config"]["inner"]["class_name"] == "Dense"
    assert entry["config"]["inner"]["config"]["units"] == 2


def test_summary_lists_a_multi_output_layer_shapes():
    inputs = keras.Input((None, 8))
    output, state_h, state_c = keras.layers.LSTM(4, return_state=True, name="enc")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(output))
    lines = []
    model.summary(line_length=120, print_fn=lambda line, **kwargs: lines.append(line))
    text = "\n".join(lines)
    # (the table is cut at the console's width, as Keras' rich table is without a terminal)
    assert "│ enc (LSTM)                                          │ [(None, 4), (None, 4), (" in text


# the element-wise losses broadcast y_true against y_pred as Keras 3's ops do (the cross-entropies alone
# insist on equal shapes); minidl's values matched Keras 3.15 (JAX) to float32 rounding on these inputs
BROADCAST_CASES = [("mean_squared_error", (8, 10), (8, 1)), ("mean_absolute_error", (8, 1), (8, 5)),
                   ("huber", (2, 3, 4), (2, 3, 1)), ("log_cosh", (1, 6), (5, 6)),
                   ("mean_squared_logarithmic_error", (8, 10), (8, 1)), ("poisson", (8, 1), (8, 5)),
                   ("hinge", (8, 10), (8, 1)), ("kl_divergence", (8, 10), (8, 1))]


@pytest.mark.parametrize("name,s_true,s_pred", BROADCAST_CASES)
def test_regression_losses_broadcast_like_keras(name, s_true, s_pred):
    # the keras.io customizing_saving guide fits a Dense(1) on (8, 10) targets with "mean_squared_error"
    import numpy as np
    rng = np.random.default_rng(0)
    t = rng.random(s_true).astype("float32")
    p = rng.random(s_pred).astype("float32") + 0.1
    out = keras.ops.convert_to_numpy(getattr(keras.losses, name)(t, p))
    assert out.shape == np.broadcast_shapes(s_true, s_pred)[:-1]
    fn = {"mean_squared_error": lambda d: d ** 2, "mean_absolute_error": np.abs,
          "log_cosh": lambda d: np.log(np.cosh(d)),
          "huber": lambda d: np.where(np.abs(d) <= 1, 0.5 * d ** 2, np.abs(d) - 0.5)}.get(name)
    if fn is not None:  # the reference formula on the broadcast difference
        np.testing.assert_allclose(out, fn(p - t).mean(-1), rtol=1e-5)


def test_fit_with_targets_broadcasting_against_outputs():
    import numpy as np
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mean_squared_error")
    history = model.fit(np.ones((8, 10)), np.zeros((8, 10)), verbose=0)
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"][0])


class Sub(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(4)

    def call(self, inputs):
        return self.dense(inputs)


def test_subclassed_model_built_by_fit_records_its_build_config():
    import numpy as np
    model = Sub()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 8)), np.ones((4, 4)), verbose=0)
    assert model.get_build_config() == {"input_shape": (4, 8)}
    called = Sub()
    called(np.ones((2, 8)))
    assert called.get_build_config() == {"input_shape": (2, 8)}
    built = Sub()
    built.build((None, 8))
    assert built.get_build_config() == {"input_shape": (None, 8)}


@keras.saving.register_keras_serializable(package="fixes20")
def fixes20_loss(y_true, y_pred):
    return keras.ops.mean(keras.ops.square(y_pred - y_true), axis=-1)


@keras.saving.register_keras_serializable(package="fixes20")
class OwnCompile(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(2)

    def call(self, inputs):
        return self.dense(inputs)

    def compile(self, optimizer, loss_fn):
        super().compile(optimizer=optimizer, loss=loss_fn)
        self.model_optimizer, self.loss_fn = optimizer, loss_fn

    def get_compile_config(self):
        return {"model_optimizer": self.model_optimizer, "loss_fn": self.loss_fn}

    def compile_from_config(self, config):
        self.compile(optimizer=keras.utils.deserialize_keras_object(config["model_optimizer"]),
                     loss_fn=keras.utils.deserialize_keras_object(config["loss_fn"]))


def test_own_get_compile_config_and_compile_from_config_round_trip(tmp_path):
    # keras.io customizing_saving_and_serialization: the saved compile_config is the user's dict with the
    # function serialized, and load_model calls the class's compile_from_config (not compile(loss=...))
    import zipfile

    import numpy as np
    model = OwnCompile()
    model.compile(optimizer="SGD", loss_fn=fixes20_loss)
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), verbose=0)
    path = str(tmp_path / "own_compile.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    assert config["compile_config"] == {
        "model_optimizer": "SGD",
        "loss_fn": {"module": "builtins", "class_name": "function", "config": "fixes20>fixes20_loss",
                    "registered_name": "function"}}
    assert config["build_config"] == {"input_shape": [4, 3]}
    restored = keras.models.load_model(path)
    assert restored.model_optimizer == "SGD" and restored.loss_fn is fixes20_loss
    np.testing.assert_allclose(restored.predict(np.ones((2, 3)), verbose=0), model.predict(np.ones((2, 3)), verbose=0),
                               rtol=1e-6)


class CountingLayer(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = keras.Variable([0.0, 0.0], name="seen", trainable=False)  # made before the kernel

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], 2), name="kernel")
        self.scale = self.add_weight(shape=(), initializer="ones", name="scale", trainable=False)
        self.bias = self.add_weight(shape=(2,), initializer="zeros", name="bias")

    def call(self, x):
        return keras.ops.matmul(x, self.kernel) * self.scale + self.bias


def test_own_weights_trainable_first_then_non_trainable():
    # Keras' Layer.weights: the variables made trainable, then the others (each in creation order);
    # get_weights() and the default save_own_variables follow the same order
    layer = CountingLayer()
    layer.build((None, 3))
    assert [w.name for w in layer.weights] == ["kernel", "bias", "seen", "scale"]
    assert [w.shape for w in layer.get_weights()] == [(3, 2), (2,), (2,), ()]
    store = {}
    layer.save_own_variables(store)
    assert [tuple(store[k].shape) for k in sorted(store)] == [(3, 2), (2,), (2,), ()]
    model = keras.Sequential([keras.Input((3,)), CountingLayer()])
    assert [w.name for w in model.weights] == ["kernel", "bias", "seen", "scale"]
