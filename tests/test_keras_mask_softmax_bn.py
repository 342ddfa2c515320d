"""``Softmax`` and ``BatchNormalization`` use a mask as Keras 3 does: Softmax puts -1e9 at masked
entries (zeros after), BatchNormalization leaves masked steps out of its training statistics.

Reference: tests/fixtures/keras_mask_softmax_bn.json, made once with Keras 3.15 (JAX) by
tests/fixtures/make_keras_mask_softmax_bn.py.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from minidl import keras
from minidl.autograd import gradcheck
from minidl.keras import layers
from minidl.tensor import Tensor

REF = json.loads((Path(__file__).parent / "fixtures" / "keras_mask_softmax_bn.json").read_text())
X = np.array(REF["x"], np.float32)
SEQ_MASK = np.array(REF["seq_mask"])


def test_softmax_with_a_mask_matches_keras():
    scores, key_mask = np.array(REF["scores"], np.float32), np.array(REF["key_mask"])
    got = layers.Softmax()(scores, mask=key_mask).numpy()
    np.testing.assert_allclose(got, REF["softmax_keys"], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(layers.Softmax(axis=(1, 2))(scores).numpy(), REF["softmax_axes"], rtol=1e-5)
    x = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]], np.float32)
    whole_row = layers.Softmax()(x, mask=np.array([[0, 0, 0], [0, 1, 1]], bool)).numpy()
    np.testing.assert_allclose(whole_row, [[0, 0, 0], [0, 0.5, 0.5]], rtol=1e-6)
    float_mask = layers.Softmax()(x, mask=np.array([[0.2, 0.7, 0.6], [0, 1, 1]], np.float32)).numpy()
    np.testing.assert_allclose(float_mask[0], [0, 0.26894143, 0.7310586], rtol=1e-5)  # keeps entries > 0.5
    with pytest.raises(ValueError, match="must be broadcastable"):
        layers.Softmax()(scores, mask=np.ones((2, 3), bool))


def test_softmax_with_a_symbolic_mask_in_a_functional_model():
    scores_in, mask_in = keras.Input((3, 4)), keras.Input((1, 4), dtype="bool")
    model = keras.Model([scores_in, mask_in], layers.Softmax()(scores_in, mask=mask_in))
    scores, key_mask = np.array(REF["scores"], np.float32), np.array(REF["key_mask"])
    np.testing.assert_allclose(model.predict([scores, key_mask], verbose=0), REF["softmax_keys"], rtol=1e-5, atol=1e-7)
    # a propagated (batch, steps) mask on (batch, steps, features) does not broadcast from the right:
    # Keras 3 raises this ValueError too
    inputs = keras.Input((4,), dtype="int32")
    probs = layers.Softmax()(layers.Dense(3)(layers.Embedding(6, 3, mask_zero=True)(inputs)))
    with pytest.raises(ValueError, match="must be broadcastable"):
        keras.Model(inputs, probs).predict(np.array([[1, 2, 0, 0]]), verbose=0)


def test_softmax_mask_gradient():
    mask = Tensor(np.array([[True, False, True], [True, True, False]]))
    layer = layers.Softmax()

    def f(x):
        return layer._forward_masked(x, mask)
    x = Tensor(np.random.default_rng(0).normal(size=(2, 3)), requires_grad=True)
    assert gradcheck(f, (x,))


def _bn():
    bn = layers.BatchNormalization(momentum=0.5)
    bn.build(X.shape)
    bn.gamma.assign(np.array([1.0, 2.0, 0.5], np.float32))
    bn.beta.assign(np.array([0.0, -1.0, 0.25], np.float32))
    return bn


def test_batch_normalization_masked_statistics_match_keras():
    bn = _bn()
    out = bn(X, training=True, mask=SEQ_MASK).numpy()
    np.testing.assert_allclose(out, REF["bn_train_masked"], rtol=1e-4, atol=1e-5)
    for var, want in zip((bn.moving_mean, bn.moving_variance), REF["bn_moving_masked"]):
        np.testing.assert_allclose(var.numpy(), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn(X, training=True).numpy(), REF["bn_train_unmasked"], rtol=1e-4, atol=1e-5)
    for var, want in zip((bn.moving_mean, bn.moving_variance), REF["bn_moving_after_both"]):
        np.testing.assert_allclose(var.numpy(), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn(X, training=False, mask=SEQ_MASK).numpy(), REF["bn_infer_masked"],
                               rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="one dimension less"):
        bn(X, training=True, mask=np.ones((2, 4, 3), bool))


def test_batch_normalization_masked_in_a_functional_model_and_gradient():
    inputs = keras.Input((4,), dtype="int32")
    emb = layers.Embedding(6, 3, mask_zero=True)
    bn = layers.BatchNormalization()
    model = keras.Model(inputs, layers.GlobalAveragePooling1D()(bn(emb(inputs))))
    model.compile("sgd", "mse")
    ids = np.array([[1, 2, 0, 0], [3, 4, 5, 0]])
    model.fit(ids, np.zeros((2, 3), np.float32), epochs=1, verbose=0)  # training statistics skip the pads
    vectors = emb(ids).numpy()
    valid = vectors[ids != 0]
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.01 * valid.mean(0), rtol=1e-4, atol=1e-6)
    mask = Tensor(SEQ_MASK)

    def f(x):
        return _bn()._forward_masked(x, mask, training=True)
    x = Tensor(X.astype(np.float64), requires_grad=True)
    assert gradcheck(f, (x,), atol=1e-4)
