"""Keras 3 preprocessing layers: output shapes of scalar and 1-D inputs, TextVectorization with
``split=None`` and Normalization's broadcast statistics, checked against Keras 3.15 (JAX, with
TensorFlow installed for the lookup layers) with the import switched (``import keras``; without
TensorFlow the lookup tests skip there)."""
import numpy as np
import pytest

import minidl.keras as keras


def _make(cls, *args, **kwargs):
    try:
        return cls(*args, **kwargs)
    except ImportError:  # (the reference Keras without TensorFlow)
        pytest.skip("this layer needs TensorFlow in the reference Keras")


def test_scalar_inputs_give_scalar_outputs():
    assert np.asarray(_make(keras.layers.StringLookup, vocabulary=["a", "b"])(np.array("b"))).shape == ()
    assert int(np.asarray(_make(keras.layers.IntegerLookup, vocabulary=[1, 2])(np.array(2)))) == 2
    assert np.asarray(_make(keras.layers.Hashing, 5)(np.array(3))).shape == ()
    multi = _make(keras.layers.StringLookup, vocabulary=["a", "b"], output_mode="multi_hot")
    assert np.asarray(multi(np.array("a"))).tolist() == [0, 1, 0]


def test_discretization_scalar():
    out = keras.layers.Discretization(bin_boundaries=[0.0, 1.0])(np.array(0.5))
    assert np.asarray(out).shape == () and int(np.asarray(out)) == 1


def test_text_vectorization_split_none_keeps_the_shape():
    vocab = ["a", "b", "c"]
    layer = _make(keras.layers.TextVectorization, vocabulary=vocab, split=None)
    assert np.asarray(layer(np.array(["a", "b c", "q"]))).tolist() == [2, 1, 1]
    assert np.asarray(layer(np.array([["a"], ["b c"]]))).tolist() == [[2], [1]]
    multi = _make(keras.layers.TextVectorization, vocabulary=vocab, split=None, output_mode="multi_hot")
    assert np.asarray(multi(np.array(["a", "b c", "q"]))).tolist() == [1, 1, 0, 0]  # one multi-hot row
    assert np.asarray(multi(np.array([["a"], ["q"]]))).tolist() == [[0, 1, 0, 0], [1, 0, 0, 0]]
    padded = _make(keras.layers.TextVectorization, vocabulary=vocab, split=None, output_sequence_length=3)
    assert np.asarray(padded(np.array([["a"], ["b c"]]))).tolist() == [[2, 0, 0], [1, 0, 0]]


def test_text_vectorization_scalar_string_gives_its_tokens():
    layer = _make(keras.layers.TextVectorization, vocabulary=["a", "b", "c"])
    assert np.asarray(layer(np.array("a b"))).tolist() == [2, 3]
    padded = _make(keras.layers.TextVectorization, vocabulary=["a", "b", "c"], output_sequence_length=4)
    assert np.asarray(padded(np.array("a b"))).tolist() == [2, 3, 0, 0]


def test_normalization_statistics_have_the_broadcast_shape():
    data = np.random.RandomState(5).randn(20, 3).astype("float32") * 3 + 1
    layer = keras.layers.Normalization()
    assert layer.mean is None
    layer.adapt(data)
    assert tuple(layer.mean.shape) == (1, 3) and tuple(layer.variance.shape) == (1, 3)
    np.testing.assert_allclose(np.asarray(layer.mean), data.mean(0, keepdims=True), rtol=1e-5)
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == [("mean", (3,)), ("variance", (3,)), ("count", ())]
    given = keras.layers.Normalization(mean=2.0, variance=4.0)
    given(data)
    assert tuple(given.mean.shape) == (1, 3) and given.weights == []
    images = np.random.RandomState(6).rand(4, 2, 2, 3).astype("float32")
    per_axis = keras.layers.Normalization(axis=(1, 3))
    per_axis.adapt(images)
    assert tuple(per_axis.mean.shape) == (1, 2, 1, 3)


def test_normalization_adapt_rejects_batches_without_shape():
    try:
        with pytest.raises(TypeError):
            keras.layers.Normalization().adapt([[1.0, 2.0], [3.0, 6.0]])
    except ImportError:  # (the reference Keras adapts iterables through TensorFlow)
        pytest.skip("needs TensorFlow in the reference Keras")
