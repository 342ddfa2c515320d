"""``keras.ops`` and ``keras.random`` on minidl Tensors: values against NumPy (Keras' semantics:
``axis``/``keepdims``, values-only ``max``, population ``var``), gradients through the composites."""
import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.autograd import gradcheck, gradgradcheck
from minidl.keras import ops

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4, 5)).astype(np.float32)


@pytest.mark.parametrize("name, ref", [
    ("sum", np.sum), ("mean", np.mean), ("max", np.max), ("min", np.min), ("var", np.var), ("std", np.std),
    ("prod", np.prod),
])
@pytest.mark.parametrize("axis", [None, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(name, ref, axis, keepdims):
    out = getattr(ops, name)(X, axis=axis, keepdims=keepdims)
    assert isinstance(out, minidl.Tensor)
    np.testing.assert_allclose(ops.convert_to_numpy(out), ref(X, axis=axis, keepdims=keepdims), rtol=1e-5, atol=1e-6)


def test_elementwise_shape_and_creation():
    np.testing.assert_allclose(ops.convert_to_numpy(ops.add(X, 1.0)), X + 1)
    np.testing.assert_allclose(ops.convert_to_numpy(ops.matmul(X, X.swapaxes(1, 2))), X @ X.swapaxes(1, 2), rtol=1e-5)
    assert ops.shape(X) == (3, 4, 5) and ops.ndim(X) == 3 and ops.size(X) == 60
    assert ops.convert_to_tensor(np.ones(2)).dtype == minidl.float32  # floatx
    assert ops.dtype(ops.cast(X, "int32")) == "int32"
    assert ops.shape(ops.expand_dims(X, 1)) == (3, 1, 4, 5)
    assert ops.shape(ops.transpose(X)) == (5, 4, 3)
    assert ops.shape(ops.reshape(X, (-1, 5))) == (12, 5)
    assert [ops.shape(p) for p in ops.split(X, 2, axis=1)] == [(3, 2, 5)] * 2
    assert ops.shape(ops.concatenate([X, X], axis=-1)) == (3, 4, 10)
    assert len(ops.unstack(X, axis=1)) == 4
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.arange(5)), np.arange(5))
    assert ops.dtype(ops.arange(5)) == "int32" and ops.dtype(ops.ones((2, 2))) == "float32"
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.argmax(X, axis=-1)), X.argmax(-1))
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.take(X, [2, 0], axis=1)), np.take(X, [2, 0], axis=1))
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.where(X > 0, X, 0.0)), np.where(X > 0, X, 0))
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.one_hot([1, -1, 2], 3)),
                                  [[0, 1, 0], [0, 0, 0], [0, 0, 1]])
    values, indices = ops.top_k(X, 2)
    np.testing.assert_array_equal(ops.convert_to_numpy(indices), np.argsort(-X, -1)[..., :2])
    np.testing.assert_allclose(ops.convert_to_numpy(ops.pad(X, ((0, 0), (1, 0), (0, 2)))),
                               np.pad(X, ((0, 0), (1, 0), (0, 2))))
    np.testing.assert_allclose(ops.convert_to_numpy(ops.logsumexp(X, axis=1)),
                               np.log(np.exp(X).sum(1)), rtol=1e-5)


def test_losses_match_formulas():
    logits = RNG.standard_normal((4, 3)).astype(np.float32)
    labels = np.array([0, 2, 1, 2])
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    expected = -np.log(p[np.arange(4), labels])
    np.testing.assert_allclose(ops.convert_to_numpy(
        ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)), expected, rtol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(
        ops.categorical_crossentropy(np.eye(3)[labels], p)), expected, rtol=1e-5)
    mean, variance = ops.moments(X, axes=[0, 1])
    np.testing.assert_allclose(ops.convert_to_numpy(mean), X.mean((0, 1)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(variance), X.var((0, 1)), rtol=1e-5)


@pytest.mark.parametrize("fn", [
    lambda t: ops.std(t, axis=1),
    lambda t: ops.logsumexp(t, axis=(0, 1)),
    lambda t: ops.take(t, [1, 1, 0], axis=0),
    lambda t: ops.dot(t, ops.transpose(t)),
    lambda t: ops.categorical_crossentropy(ops.softmax(t * 0.5), ops.softmax(t)),
    lambda t: ops.binary_crossentropy(ops.sigmoid(t * 0.3), ops.sigmoid(t)),
    lambda t: ops.moments(t, axes=[0])[1],
    lambda t: keras.random.dropout(t, 0.5, seed=3),
])
def test_composites_are_differentiable(fn):
    t = minidl.tensor(RNG.standard_normal((3, 4)), dtype=minidl.float64, requires_grad=True)
    assert gradcheck(fn, (t,))
    assert gradgradcheck(fn, (t,))


def test_random_seeding():
    a = keras.random.normal((2, 3), seed=7)
    assert ops.dtype(a) == "float32" and ops.shape(a) == (2, 3)
    np.testing.assert_array_equal(ops.convert_to_numpy(a), ops.convert_to_numpy(keras.random.normal((2, 3), seed=7)))
    gen = keras.random.SeedGenerator(1337)
    b, c = keras.random.uniform((4,), seed=gen), keras.random.uniform((4,), seed=gen)
    assert not np.array_equal(ops.convert_to_numpy(b), ops.convert_to_numpy(c))
    gen2 = keras.random.SeedGenerator(1337)
    np.testing.assert_array_equal(ops.convert_to_numpy(keras.random.uniform((4,), seed=gen2)), ops.convert_to_numpy(b))
    minidl.manual_seed(0)
    d = ops.convert_to_numpy(keras.random.normal((3,)))
    minidl.manual_seed(0)
    np.testing.assert_array_equal(ops.convert_to_numpy(keras.random.normal((3,))), d)
    r = ops.convert_to_numpy(keras.random.randint((100,), 2, 5, seed=1))
    assert r.dtype == np.int32 and r.min() >= 2 and r.max() < 5
    kept = ops.convert_to_numpy(keras.random.dropout(np.ones((1000,), np.float32), 0.25, seed=1))
    assert set(np.unique(kept)) <= {0.0, np.float32(1 / 0.75)}
    with pytest.raises(ValueError, match="seed"):
        keras.random.normal((2,), seed="x")


def test_ops_inside_a_custom_layer_trains():
    class Linear(keras.layers.Layer):
        def __init__(self, units):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros")

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    layer = Linear(3)
    y = layer(ops.ones((2, 4)))
    assert ops.shape(y) == (2, 3) and len(layer.trainable_weights) == 2
    model = keras.Sequential([keras.Input((4,)), Linear(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(RNG.random((16, 4)), RNG.random((16, 1)), epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
