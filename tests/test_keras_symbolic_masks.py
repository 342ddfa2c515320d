"""Symbolic masks in functional graphs, as Keras 3 has them: a KerasTensor carries ``_keras_mask`` (a
bool KerasTensor; the attribute is absent when there is no mask), layers that pass a mask on hand on
the same tensor, ``mask=`` takes a symbolic mask, and merge layers combine masks.

Expected values were read from Keras 3.15 (JAX) in the reference venv: which layers' outputs carry a
mask, and Add/Concatenate's combined masks for ids [[1,2,0,0],[0,3,4,0]] and [[1,0,3,0],[5,3,0,0]].
"""
import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers, ops

IDS = np.array([[1, 2, 0, 0], [0, 3, 4, 0]])
IDS2 = np.array([[1, 0, 3, 0], [5, 3, 0, 0]])


def _mask(t):
    return getattr(t, "_keras_mask", None)


def test_embedding_output_carries_a_symbolic_mask_that_passing_layers_keep():
    inputs = keras.Input((None,), dtype="int32")
    assert _mask(inputs) is None and not hasattr(inputs, "_keras_mask")
    x = layers.Embedding(6, 2, mask_zero=True)(inputs)
    mask = x._keras_mask
    assert isinstance(mask, layers.KerasTensor) and mask.shape == (None, None) and mask.dtype == "bool"
    assert "dtype=bool" in repr(mask)
    for layer in (layers.Dense(3), layers.Dropout(0.1), layers.Activation("relu"), layers.Softmax(),
                  layers.BatchNormalization(), layers.LSTM(2, return_sequences=True),
                  layers.Bidirectional(layers.GRU(2, return_sequences=True))):
        assert _mask(layer(x)) is mask, type(layer).__name__
    for layer in (layers.GlobalAveragePooling1D(), layers.LSTM(2), layers.Bidirectional(layers.LSTM(2))):
        assert not hasattr(layer(x), "_keras_mask"), type(layer).__name__
    with pytest.warns(UserWarning, match="does not support masking"):
        assert _mask(layers.Flatten()(x)) is None
    assert _mask(layers.Embedding(6, 2)(inputs)) is None
    masked = layers.Masking()(layers.Dense(2)(layers.Embedding(6, 2)(inputs)))
    assert masked._keras_mask.shape == (None, None)


def test_explicit_symbolic_mask_argument_is_fed_when_the_model_runs():
    inputs = keras.Input((4,), dtype="int32")
    plain = layers.Embedding(6, 3)
    values = plain(inputs)  # no mask of its own
    mask = layers.Embedding(6, 1, mask_zero=True)(inputs)._keras_mask
    lstm = layers.LSTM(2)
    model = keras.Model(inputs, lstm(values, mask=mask))
    got = model.predict(IDS, verbose=0)
    want = lstm(plain(IDS), mask=IDS != 0).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6)
    unmasked = lstm(plain(IDS)).numpy()
    assert not np.allclose(got, unmasked)  # the mask changed the result
    with pytest.raises(TypeError, match="symbolic"):
        layers.LSTM(2)(values, mask=IDS != 0)


def test_user_layer_masks_in_a_functional_model_as_the_masking_guide():
    """keras.io/guides/understanding_masking_and_padding: a supports_masking activation passes the
    mask to the LSTM; a mask-consuming layer gets it in call(mask=)."""
    class MyActivation(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs):
            return ops.relu(inputs)

    class TemporalSoftmax(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            assert mask is not None
            weights = ops.expand_dims(ops.cast(mask, "float32"), -1)
            exp = ops.exp(inputs) * weights
            return exp / ops.sum(exp, axis=1, keepdims=True)

    inputs = keras.Input(shape=(None,), dtype="int32")
    emb = layers.Embedding(input_dim=10, output_dim=4, mask_zero=True)
    act = MyActivation()(emb(inputs))
    assert act._keras_mask is not None
    lstm = layers.LSTM(3)
    model = keras.Model(inputs, [lstm(act), TemporalSoftmax()(layers.Dense(1)(act))])
    last, probs = model.predict(IDS, verbose=0)
    np.testing.assert_allclose(last, lstm(ops.relu(emb(IDS)), mask=IDS != 0).numpy(), rtol=1e-6)
    assert np.all(probs[IDS == 0] == 0)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)


def test_merge_layers_combine_masks_as_keras():
    e1, e2, e3 = layers.Embedding(6, 2, mask_zero=True), layers.Embedding(6, 2, mask_zero=True), layers.Embedding(6, 2)
    a, b, c = e1(IDS), e2(IDS2), e3(IDS2)
    either = [[True, True, True, False], [True, True, True, False]]
    for make in (layers.Add, layers.Multiply, layers.Average, layers.Maximum, layers.Subtract, layers.Concatenate):
        assert make()([a, b])._keras_mask.numpy().tolist() == either
    assert _mask(layers.Add()([a, c])) is None
    assert layers.Concatenate()([a, c])._keras_mask.numpy().all()
    along_steps = layers.Concatenate(axis=1)([a, c])._keras_mask.numpy().tolist()
    assert along_steps == [[True, True, False, False, True, True, True, True],
                           [False, True, True, False, True, True, True, True]]
    # the same in a functional graph: the Add's mask reaches the LSTM
    i1, i2 = keras.Input((4,), dtype="int32"), keras.Input((4,), dtype="int32")
    summed = layers.Add()([e1(i1), e2(i2)])
    assert summed._keras_mask.shape == (None, 4)
    lstm = layers.LSTM(2)
    model = keras.Model([i1, i2], lstm(summed))
    want = lstm(a + b, mask=np.array(either)).numpy()
    np.testing.assert_allclose(model.predict([IDS, IDS2], verbose=0), want, rtol=1e-6)


def test_symbolic_masks_survive_save_and_load(tmp_path):
    inputs = keras.Input((4,), dtype="int32")
    x = layers.Embedding(6, 3, mask_zero=True)(inputs)
    x = layers.Dense(3)(x)
    out = layers.GlobalAveragePooling1D()(layers.LSTM(2, return_sequences=True)(x))
    model = keras.Model(inputs, out)
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(IDS, verbose=0), model.predict(IDS, verbose=0), rtol=1e-6)
    assert again.layers[2].output._keras_mask.shape == (None, 4)
