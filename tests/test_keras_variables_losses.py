"""keras.Variable standalone (Keras' signature), assign_add/assign_sub, and Layer.add_loss (the
custom-layer guide's ComputeSum and ActivityRegularizationLayer)."""
import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers, ops


def test_standalone_variable():
    v = keras.Variable(np.ones((2,)), name="v")
    assert v.name == "v" and v.path == "v" and v.trainable
    assert v.assign_add(np.ones(2)) is v
    np.testing.assert_array_equal(ops.convert_to_numpy(v), [2.0, 2.0])
    v.assign_sub(ops.ones((2,)) * 0.5)
    np.testing.assert_array_equal(v.numpy(), [1.5, 1.5])
    z = keras.Variable(initializer="zeros", shape=(2, 3), dtype="float32", trainable=False)
    assert tuple(z.shape) == (2, 3) and not z.trainable and z.path == "variable"
    np.testing.assert_array_equal(ops.convert_to_numpy(z * 2), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="not compatible"):
        v.assign(np.ones(3))


def test_non_trainable_weight_accumulates():
    class ComputeSum(layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    my_sum = ComputeSum(2)
    my_sum(ops.ones((2, 2)))
    y = my_sum(ops.ones((2, 2)))
    np.testing.assert_array_equal(ops.convert_to_numpy(y), [4.0, 4.0])
    assert len(my_sum.weights) == 1 and len(my_sum.non_trainable_weights) == 1


class ActivityRegularization(layers.Layer):
    def __init__(self, rate):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.sum(ops.square(inputs)))
        return inputs


def test_add_loss_per_call_and_nested():
    class Outer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.reg = ActivityRegularization(1e-2)

        def call(self, inputs):
            return self.reg(inputs)

    layer = Outer()
    layer(ops.ones((1, 3)))
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(ops.convert_to_numpy(layer.losses[0])), 0.03, rtol=1e-6)
    layer(ops.ones((1, 3)))
    assert len(layer.losses) == 1  # replaced, not accumulated across calls


def test_add_loss_enters_training_loss():
    x = np.random.default_rng(0).random((16, 4)).astype("float32")
    y = np.zeros((16, 1), "float32")

    def fit(rate):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((4,)), layers.Dense(1, kernel_initializer="ones"),
                                  ActivityRegularization(rate)])
        model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
        return model.fit(x, y, epochs=1, batch_size=16, verbose=0).history["loss"][0]

    base, penalised = fit(0.0), fit(1.0)
    out = x.sum(1, keepdims=True)
    np.testing.assert_allclose(base, np.mean(out ** 2), rtol=1e-5)
    np.testing.assert_allclose(penalised, np.mean(out ** 2) + np.sum(out ** 2), rtol=1e-5)
