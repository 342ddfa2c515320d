"""Integer inputs of eager calls keep their ids exact where Keras does (values checked against Keras 3.15
on JAX: an Embedding of 2**24 + 2 rows looked up at id 2**24 + 1 returns row 2**24 + 1 through an
``Input(dtype="int32")`` model and a standalone call, and row 2**24 through a float ``Input``, whose
dtype Keras casts model inputs to)."""
import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers as L

BIG = 2 ** 24 + 1  # the first integer float32 cannot hold


def _embedding():
    return L.Embedding(BIG + 1, 1)


def _row(layer, i):
    return layer.embeddings.numpy()[i, 0]


def _lookup(out):
    return np.asarray(out).ravel()[0]


def test_standalone_embedding_keeps_ids_exact():
    layer = _embedding()
    assert _lookup(layer(np.array([[BIG]]))) == _row(layer, BIG)


@pytest.mark.parametrize("functional", [False, True])
def test_integer_input_model_keeps_ids_exact_in_call_and_predict(functional):
    if functional:
        inputs = keras.Input((1,), dtype="int32")
        model = keras.Model(inputs, _embedding()(inputs))
    else:
        model = keras.Sequential([keras.Input((1,), dtype="int32"), _embedding()])
    layer = model.layers[-1]
    ids = np.array([[BIG]])
    assert _lookup(model(ids)) == _row(layer, BIG)
    assert _lookup(model.predict(ids, verbose=0)) == _row(layer, BIG)
    assert _lookup(model(np.array([[1]]))) == _row(layer, 1)


def test_float_input_model_casts_ids_to_float32_as_keras():
    model = keras.Sequential([keras.Input((1,)), _embedding()])
    layer = model.layers[0]
    assert _lookup(model(np.array([[BIG]]))) == _row(layer, BIG - 1)  # float32(2**24 + 1) == 2**24


def test_integer_input_read_by_a_dense_layer_is_still_cast():
    inputs = keras.Input((3,), dtype="int32")
    model = keras.Model(inputs, L.Dense(2, kernel_initializer="ones")(inputs))
    np.testing.assert_allclose(model(np.array([[1, 2, 3]])).numpy(), [[6.0, 6.0]])
