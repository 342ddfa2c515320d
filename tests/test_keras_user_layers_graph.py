"""User layers in functional graphs as Keras 3 runs them: output shapes traced from ``call`` (no
``compute_output_shape`` needed), several positional tensor arguments (``layer(a, b)``), several
outputs unpacked from one call, state left alone by the tracing, and such graphs saved and loaded."""
import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers, ops


class Linear(layers.Layer):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")

    def call(self, inputs):
        return ops.matmul(inputs, self.w)

    def get_config(self):
        return dict(super().get_config(), units=self.units)


class SumAndProduct(layers.Layer):
    def call(self, a, b):
        return a + b, a * b


class Total(layers.Layer):
    def build(self, input_shape):
        self.total = self.add_weight(shape=(input_shape[-1],), initializer="zeros", trainable=False)

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return inputs * 1.0


def test_traced_output_shapes_feed_the_next_layers():
    inputs = keras.Input((None, 4))
    x = Linear(3)(inputs)
    assert x.shape == (None, None, 3)  # Keras traces call: the unknown steps stay unknown
    out = layers.Dense(2)(x)
    model = keras.Model(inputs, out)
    assert model.predict(np.ones((2, 5, 4), np.float32), verbose=0).shape == (2, 5, 2)
    assert model.layers[1].output_shape == (None, None, 3)


def test_positional_tensors_and_several_outputs():
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    total, product = SumAndProduct(name="sp")(a, b)
    assert total.shape == product.shape == (None, 3)
    model = keras.Model([a, b], [layers.Dense(1, name="t")(total), product])
    x, y = np.full((2, 3), 2.0, np.float32), np.full((2, 3), 3.0, np.float32)
    _, prod = model.predict([x, y], verbose=0)
    np.testing.assert_allclose(prod, x * y)
    eager_sum, eager_product = SumAndProduct()(x, y)
    np.testing.assert_allclose(eager_sum.numpy(), x + y)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "sp (SumAndProduct)" in text and "[(None, 3)," in text and "(None, 3)]" in text  # (the cell wraps)


def test_tracing_leaves_the_layer_state_alone():
    layer = Total()
    out = layer(keras.Input((2,)))
    assert out.shape == (None, 2)
    np.testing.assert_array_equal(layer.total.numpy(), [0.0, 0.0])
    keras.Model(layer.input, out).predict(np.ones((3, 2), np.float32), verbose=0)
    np.testing.assert_array_equal(layer.total.numpy(), [3.0, 3.0])


def test_positional_call_graph_saves_and_loads(tmp_path):
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    total, _ = SumAndProduct(name="sp")(Linear(3, name="lin")(a), b)
    model = keras.Model([a, b], total)
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras",
                                    custom_objects={"SumAndProduct": SumAndProduct, "Linear": Linear})
    x, y = np.ones((2, 3), np.float32), np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(again.predict([x, y], verbose=0), model.predict([x, y], verbose=0), rtol=1e-6)
    with pytest.raises(TypeError, match="mixing symbolic"):
        SumAndProduct()(a, np.ones((1, 3)))
