"""The Keras 3 activations added to ``minidl.keras.activations``: values (Keras 3.15's formulas, the
expected numbers below printed by ``keras.activations`` on the JAX backend), gradients, use by name in
layers, and serialization."""
import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.autograd import gradcheck
from minidl.keras import activations

X = np.linspace(-3, 3, 7).astype(np.float32)

# keras.activations.<name>(np.linspace(-3, 3, 7).astype("float32")), rounded to 5 places (Keras 3.15, JAX)
EXPECTED = {
    "celu": [-0.95021, -0.86466, -0.63212, 0.0, 1.0, 2.0, 3.0],
    "gelu": [-0.00405, -0.0455, -0.15866, 0.0, 0.84134, 1.9545, 2.99595],
    "hard_shrink": [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0],
    "hard_silu": [-0.0, -0.33333, -0.33333, 0.0, 0.66667, 1.66667, 3.0],
    "hard_tanh": [-1.0, -1.0, -1.0, 0.0, 1.0, 1.0, 1.0],
    "log_sigmoid": [-3.04859, -2.12693, -1.31326, -0.69315, -0.31326, -0.12693, -0.04859],
    "mish": [-0.14565, -0.2525, -0.3034, 0.0, 0.8651, 1.94396, 2.98654],
    "soft_shrink": [-2.5, -1.5, -0.5, 0.0, 0.5, 1.5, 2.5],
    "sparse_plus": [0.0, 0.0, 0.0, 0.25, 1.0, 2.0, 3.0],
    "sparse_sigmoid": [0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0],
    "sparsemax": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
    "squareplus": [0.30278, 0.41421, 0.61803, 1.0, 1.61803, 2.41421, 3.30278],
    "tanh_shrink": [-2.00495, -1.03597, -0.23841, 0.0, 0.23841, 1.03597, 2.00495],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_values(name):
    out = getattr(activations, name)(X)
    np.testing.assert_allclose(out.numpy(), EXPECTED[name], rtol=1e-4, atol=1e-5)


def test_options_and_two_argument_activations():
    np.testing.assert_allclose(activations.glu(X[:6]).numpy(), X[:3] / (1 + np.exp(-X[3:6])), rtol=1e-6)
    np.testing.assert_array_equal(activations.threshold(X, 0.5, -1.0).numpy(), np.where(X > 0.5, X, -1.0))
    # Keras: relu(x, negative_slope=0.1, max_value=2., threshold=1.)
    np.testing.assert_allclose(activations.relu(X, negative_slope=0.1, max_value=2.0, threshold=1.0).numpy(),
                               [-0.4, -0.3, -0.2, -0.1, 0.0, 2.0, 2.0], atol=1e-6)
    np.testing.assert_array_equal(activations.relu(X, threshold=1.0).numpy(), [0, 0, 0, 0, 0, 2, 3])
    assert activations.hard_swish is activations.hard_silu
    assert abs(float(activations.sparsemax(np.array([0.3, 0.1, 0.2], np.float32)).sum()) - 1) < 1e-6


@pytest.mark.parametrize("name", ["celu", "mish", "log_sigmoid", "squareplus", "sparse_plus", "sparsemax",
                                  "hard_silu", "tanh_shrink", "soft_shrink", "glu", "gelu"])
def test_gradients(name):
    x = minidl.tensor(np.random.default_rng(1).uniform(-2.5, 2.5, (3, 4)), dtype=minidl.float64,
                      requires_grad=True)
    assert gradcheck(getattr(activations, name), (x,))


@pytest.mark.parametrize("name", ["celu", "gelu", "hard_shrink", "hard_silu", "hard_swish", "hard_tanh",
                                  "log_sigmoid", "mish", "soft_shrink", "sparse_plus", "sparse_sigmoid", "sparsemax",
                                  "squareplus", "tanh_shrink"])
def test_by_name_in_layers_and_saved_models(name, tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation=name)])
    config = model.layers[0].get_config()["activation"]
    assert config == ("hard_silu" if name == "hard_swish" else name)
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    path = str(tmp_path / "m.keras")
    model.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))
    assert activations.get(name) is activations.deserialize(activations.serialize(activations.get(name)))


def test_sparsemax_over_channels_of_a_conv_layer():
    model = keras.Sequential([keras.Input((5, 5, 4)), keras.layers.Conv2D(4, 3, activation="sparsemax")])
    out = model.predict(np.random.default_rng(0).random((1, 5, 5, 4)).astype(np.float32), verbose=0)
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-5)


def test_deserialize_forms_and_errors():
    assert activations.deserialize({"class_name": "function", "config": "mish", "module": "keras.activations",
                                    "registered_name": "mish"}) is activations.mish
    custom = lambda x: x  # noqa: E731
    assert activations.deserialize("mine", custom_objects={"mine": custom}) is custom
    with pytest.raises(ValueError, match="identifier"):
        activations.get("no_such_activation")
