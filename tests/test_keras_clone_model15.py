"""``keras.models.clone_model`` with ``clone_function``, ``call_function``, ``input_tensors`` and ``recursive``,
as Keras 3 (the cases of Keras' docstring; checked against Keras 3.15, where these tests pass unchanged)."""
import numpy as np
import pytest

import minidl.keras as keras


def _sequential():
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu", name="d1"),
                             keras.layers.Dropout(0.5, seed=1), keras.layers.Dense(2, name="d2")])


def _functional():
    inp = keras.Input((4,), name="in")
    out = keras.layers.Dense(2, name="o")(keras.layers.Dense(3, name="h")(inp))
    return keras.Model(inp, out)


def test_default_clone_has_new_layers_of_the_same_architecture():
    seq = _sequential()
    clone = keras.models.clone_model(seq)
    names = [layer.name for layer in clone.layers]
    assert names[0] == "d1" and names[2] == "d2" and names[1].startswith("dropout")
    assert all(a is not b for a, b in zip(clone.layers, seq.layers))


def test_clone_function_changes_configs_or_replaces_layers():
    def seeded(layer):
        config = layer.get_config()
        if "seed" in config:
            config["seed"] = 1337
        return layer.__class__.from_config(config)
    seq = _sequential()
    assert [layer.get_config().get("seed") for layer in keras.models.clone_model(seq, clone_function=seeded).layers] \
        == [None, 1337, None]
    swapped = keras.models.clone_model(seq, clone_function=lambda layer: keras.layers.Dense(5) if isinstance(
        layer, keras.layers.Dropout) else layer.__class__.from_config(layer.get_config()))
    assert [type(layer).__name__ for layer in swapped.layers] == ["Dense", "Dense", "Dense"]


def test_shared_layers_and_call_function_on_a_functional_model():
    fun = _functional()
    shared = keras.models.clone_model(fun, clone_function=lambda layer: layer)
    assert [a is b for a, b in zip(shared.layers, fun.layers)] == [False, True, True]
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(shared.predict(x, verbose=0), fun.predict(x, verbose=0))

    def call_function(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        return keras.layers.Dropout(0.5)(out) if isinstance(layer, keras.layers.Dense) else out
    wrapped = keras.models.clone_model(fun, clone_function=lambda layer: layer, call_function=call_function)
    assert [type(layer).__name__ for layer in wrapped.layers] == ["InputLayer", "Dense", "Dropout", "Dense",
                                                                  "Dropout"]


def test_input_tensors_and_recursive():
    new_input = keras.Input((4,), name="new")
    clone = keras.models.clone_model(_functional(), input_tensors=new_input)
    assert clone.inputs[0].name == "new" and [layer.name for layer in clone.layers][1:] == ["h", "o"]
    outer = keras.Sequential([keras.Input((4,)), _sequential(), keras.layers.Dense(1)])
    assert [type(layer).__name__ for layer in keras.models.clone_model(outer, recursive=True).layers] == \
        ["Sequential", "Dense"]


def test_bad_arguments():
    def call_function(layer, *args, **kwargs):
        return layer(*args, **kwargs)
    with pytest.raises(ValueError, match="`call_function` argument is not supported with Sequential models"):
        keras.models.clone_model(_sequential(), call_function=call_function)
    with pytest.raises(ValueError, match=r"Unexpected keyword argument\(s\): \('foo',\)"):
        keras.models.clone_model(_sequential(), foo=1)
