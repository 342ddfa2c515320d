"""Keras masking: Embedding(mask_zero=True) and Masking make a mask that LSTM/GRU/SimpleRNN,
GlobalAveragePooling1D and the losses/metrics of fit/evaluate use, as Keras 3 does.

Reference values: tests/fixtures/keras_mask_reference.json, made once with Keras 3.15 (JAX) by
tests/fixtures/make_keras_mask_reference.py (fixed weights; masked steps carry the state over,
the output there repeats the previous one, pooling averages the unmasked steps, the loss and
accuracy of per-timestep outputs skip the masked steps).
"""
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.autograd import gradcheck
from minidl.keras import layers, ops

REF = json.loads((Path(__file__).parent / "fixtures" / "keras_mask_reference.json").read_text())
RNNS = {"rnn": lambda: layers.SimpleRNN(3, return_sequences=True),
        "lstm": lambda: layers.LSTM(3, return_sequences=True),
        "gru": lambda: layers.GRU(3, return_sequences=True), "gru_last": lambda: layers.GRU(3),
        "lstm_back": lambda: layers.LSTM(3, return_sequences=True, go_backwards=True)}


def _arrays(values):
    return [np.array(v, np.float32) for v in values]


@pytest.mark.parametrize("name", sorted(RNNS))
def test_masked_recurrent_layers_and_pooling_match_keras(name):
    ref = REF[name]
    inputs = keras.Input((4,), dtype="int32")
    emb, rnn = layers.Embedding(5, 2, mask_zero=True), RNNS[name]()
    seq = rnn(emb(inputs))
    outputs = [seq, layers.GlobalAveragePooling1D()(seq)] if rnn.return_sequences else seq
    model = keras.Model(inputs, outputs)
    emb.set_weights([np.array(ref["emb"], np.float32)])
    rnn.set_weights(_arrays(ref["w"]))
    pred = model.predict(np.array(REF["ids"]), verbose=0)
    for got, want in zip(pred if isinstance(pred, list) else [pred], ref["y"]):
        np.testing.assert_allclose(got, np.array(want), rtol=1e-4, atol=1e-5)


def test_masking_layer_matches_keras():
    ref = REF["masking"]
    x = np.array(ref["x"], np.float32)
    inputs = keras.Input((3, 2))
    masking, rnn = layers.Masking(mask_value=0.0), layers.SimpleRNN(2, return_sequences=True)
    seq = rnn(masking(inputs))
    model = keras.Model(inputs, [seq, layers.GlobalAveragePooling1D()(seq)])
    rnn.set_weights(_arrays(ref["w"]))
    for got, want in zip(model.predict(x, verbose=0), ref["y"]):
        np.testing.assert_allclose(got, np.array(want), rtol=1e-4, atol=1e-5)
    assert ops.convert_to_numpy(masking.compute_mask(x)).tolist() == [[True, False, True], [False, True, False]]
    assert masking.supports_masking


def _sequence_classifier(sequential=False):
    ref = REF["seq_loss"]
    emb, lstm = layers.Embedding(5, 3, mask_zero=True), layers.LSTM(3, return_sequences=True)
    dense = layers.Dense(2, activation="softmax")
    if sequential:
        model = keras.Sequential([keras.Input((4,), dtype="int32"), emb, lstm, dense])
    else:
        inputs = keras.Input((4,), dtype="int32")
        model = keras.Model(inputs, dense(lstm(emb(inputs))))
    for layer, weights in zip([emb, lstm, dense], ref["init"]):
        layer.set_weights(_arrays(weights))
    model.compile(keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, dense


@pytest.mark.parametrize("sequential", [False, True])
def test_per_timestep_loss_and_accuracy_skip_masked_steps(sequential):
    ref = REF["seq_loss"]
    ids, y = np.array(ref["ids"]), np.array(ref["y"])
    model, dense = _sequence_classifier(sequential)
    logs = model.evaluate(ids, y, verbose=0, return_dict=True)
    assert logs == pytest.approx(ref["logs"], rel=1e-5)
    pred = model.predict(ids, verbose=0)
    per_step = -np.log(np.take_along_axis(pred, y[..., None], -1)[..., 0])
    assert logs["loss"] != pytest.approx(float(per_step.mean()), rel=1e-3)  # the unmasked mean differs
    model.fit(ids, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    for got, want in zip(dense.get_weights(), ref["dense_after"]):
        np.testing.assert_allclose(got, np.array(want), rtol=1e-4, atol=1e-5)


def test_eager_calls_carry_the_mask_and_accept_mask_argument():
    ids = np.array(REF["ids"])
    emb, rnn = layers.Embedding(5, 2, mask_zero=True), layers.SimpleRNN(3, return_sequences=True)
    vectors = emb(ids)
    np.testing.assert_array_equal(ops.convert_to_numpy(vectors._keras_mask), ids != 0)
    np.testing.assert_array_equal(ops.convert_to_numpy(emb.compute_mask(ids)), ids != 0)
    carried = ops.convert_to_numpy(rnn(vectors))
    explicit = ops.convert_to_numpy(rnn(ops.convert_to_numpy(vectors), mask=ids != 0))
    np.testing.assert_allclose(carried, explicit)
    unmasked = ops.convert_to_numpy(rnn(ops.convert_to_numpy(vectors)))
    all_true = ops.convert_to_numpy(rnn(ops.convert_to_numpy(vectors), mask=np.ones((2, 4), bool)))
    np.testing.assert_allclose(all_true, unmasked, rtol=1e-6)
    assert not np.allclose(carried, unmasked)
    np.testing.assert_allclose(carried[0, 2], carried[0, 1])  # a masked step repeats the previous output
    np.testing.assert_array_equal(carried[1, 0], 0.0)  # before the first unmasked step: zeros
    assert layers.Embedding(5, 2).compute_mask(ids) is None


def test_supports_masking_and_compute_mask_as_keras():
    assert layers.Dense(2).supports_masking and layers.Dropout(0.1).supports_masking
    assert layers.LSTM(2).supports_masking and layers.GlobalAveragePooling1D().supports_masking
    assert not layers.Flatten().supports_masking and not layers.GlobalMaxPooling1D().supports_masking
    assert layers.Embedding(3, 2, mask_zero=True).supports_masking
    assert not layers.Embedding(3, 2).supports_masking
    mask = minidl.tensor(np.array([[True, False, True]]))
    assert layers.Dense(2).compute_mask(np.zeros((1, 3, 4), np.float32), mask) is mask
    assert layers.LSTM(2).compute_mask(None, mask) is None
    assert layers.LSTM(2, return_sequences=True).compute_mask(None, mask) is mask
    assert layers.GlobalAveragePooling1D().compute_mask(None, mask) is None
    other = minidl.tensor(np.array([[False, False, True]]))
    x = np.zeros((1, 3, 2), np.float32)
    merged = layers.Add().compute_mask([x, x], [mask, other])
    assert ops.convert_to_numpy(merged).tolist() == [[True, False, True]]
    assert layers.Add().compute_mask([x, x], [mask, None]) is None
    joined = layers.Concatenate().compute_mask([x, x], [mask, other])
    assert ops.convert_to_numpy(joined).tolist() == [[True, False, True]]
    assert ops.convert_to_numpy(layers.Concatenate().compute_mask([x, x], [None, other])).tolist() == [[True] * 3]


def test_a_layer_without_masking_drops_the_mask_with_keras_warning():
    inputs = keras.Input((4,), dtype="int32")
    with pytest.warns(UserWarning, match="'flat' .* does not support masking"):  # on the symbolic call
        flat = layers.Flatten(name="flat")(layers.Embedding(5, 2, mask_zero=True)(inputs))
    assert not hasattr(flat, "_keras_mask")
    model = keras.Model(inputs, layers.Dense(1)(flat))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(np.array(REF["ids"]), verbose=0)  # warned once per layer


def test_user_layer_call_receives_the_mask():
    seen = []

    class MaskedSum(layers.Layer):
        def call(self, inputs, mask=None):
            seen.append(None if mask is None else ops.convert_to_numpy(mask))
            weights = ops.expand_dims(ops.cast(mask, "float32"), -1)
            return ops.sum(inputs * weights, axis=1)

    inputs = keras.Input((4,), dtype="int32")
    emb = layers.Embedding(5, 2, mask_zero=True)
    with pytest.warns(UserWarning, match="does not support masking"):  # no compute_mask: Keras warns too
        model = keras.Model(inputs, MaskedSum()(emb(inputs)))
    ids = np.array(REF["ids"])
    out = model.predict(ids, verbose=0)
    np.testing.assert_array_equal(seen[-1], ids != 0)
    vectors = ops.convert_to_numpy(emb(ids))
    np.testing.assert_allclose(out, (vectors * (ids != 0)[..., None]).sum(1), rtol=1e-6)


@pytest.mark.parametrize("make", [lambda: layers.LSTM(2, return_sequences=True), lambda: layers.GRU(2),
                                  lambda: layers.SimpleRNN(2, return_sequences=True, go_backwards=True)])
def test_gradients_through_masked_recurrence_and_pooling(make):
    rnn, pool = make(), layers.GlobalAveragePooling1D()
    rnn(np.zeros((1, 4, 3), np.float32))
    rnn.double()
    mask = minidl.tensor(np.array([[True, True, False, True], [False, True, True, False]]))

    def run(x):
        out = rnn._forward_masked(x, mask)
        return pool._forward_masked(out, mask) if rnn.return_sequences else out

    x = minidl.tensor(np.random.default_rng(3).standard_normal((2, 4, 3)), dtype=minidl.float64, requires_grad=True)
    assert gradcheck(run, (x,))
    run(x).sum().backward()
    np.testing.assert_array_equal(ops.convert_to_numpy(x.grad)[1, 0], 0.0)  # a masked step gets no gradient
