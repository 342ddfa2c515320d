"""``keras.Input(tensor=...)`` / ``InputLayer(input_tensor=...)`` and ``clone_model(sequential, input_tensors=...)``
as Keras 3.15 behaves (this file passes under Keras with ``import minidl.keras as keras`` changed to
``import keras``, KERAS_BACKEND=jax)."""
import numpy as np
import pytest

import minidl.keras as keras


def test_input_adopts_an_existing_tensor():
    t = keras.Input((4,), name="a")
    u = keras.Input(tensor=t, name="b")
    assert u is t and u.name == "a"
    layer = keras.layers.InputLayer(input_tensor=t)
    assert layer.batch_shape == (None, 4) and layer.output is t
    with pytest.raises(ValueError, match="Argument `input_tensor` must be a KerasTensor"):
        keras.Input(tensor=3)
    with pytest.raises(ValueError, match="cannot provide an incompatible `batch_shape`"):
        keras.layers.InputLayer(batch_shape=(None, 5), input_tensor=t)


def test_clone_sequential_on_input_tensors():
    model = keras.Sequential([keras.Input((4,), name="inp"), keras.layers.Dense(3, name="d1"),
                              keras.layers.Dense(2, name="d2")], name="seq")
    new_input = keras.Input((4,), name="other")
    for given in (new_input, [new_input]):
        clone = keras.models.clone_model(model, input_tensors=given)
        assert type(clone).__name__ == "Sequential" and clone.name == "seq"
        assert [layer.name for layer in clone.layers] == ["d1", "d2"]
        assert tuple(clone.inputs[0].shape) == (None, 4) and len(clone.weights) == 4
        assert clone.layers[0] is not model.layers[0]
        assert tuple(clone(np.ones((2, 4), "float32")).shape) == (2, 2)
    unbuilt = keras.Sequential([keras.layers.Dense(3, name="e1")])
    clone = keras.models.clone_model(unbuilt, input_tensors=keras.Input((5,)))
    assert clone.built and [tuple(w.shape) for w in clone.weights] == [(5, 3), (3,)]


def test_clone_sequential_input_tensors_errors():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    t = keras.Input((4,))
    with pytest.raises(ValueError, match="must contain a single tensor"):
        keras.models.clone_model(model, input_tensors=[t, t])
    with pytest.raises(ValueError, match="must be a KerasTensor"):
        keras.models.clone_model(model, input_tensors=np.ones((1, 4)))
