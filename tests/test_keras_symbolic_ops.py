"""``keras.ops`` and operators on symbolic tensors (Keras 3's Operation nodes), as
timeseries_classification_transformer's ``res = x + inputs`` needs; before, ``KerasTensor + KerasTensor``
was a TypeError and ``keras.ops.sum(keras.Input(...))`` an IndexError. Also the channels_first
``GlobalAveragePooling1D`` of that example. Summaries and values are Keras 3.15's."""
import numpy as np
import pytest

from minidl import keras

KERAS_ROWS = [
    "│ x (InputLayer)           │ (None, 4)            │            0 │ -                     │",
    "│ d (Dense)                │ (None, 3)            │           15 │ x[0][0]               │",
    "│ get_item (GetItem)       │ (None, 1)            │            0 │ x[0][0]               │",
    "│ sum (Sum)                │ (None, 1)            │            0 │ d[0][0]               │",
    "│ multiply (Multiply)      │ (None, 1)            │            0 │ get_item[0][0]        │",
    "│ add (Add)                │ (None, 1)            │            0 │ sum[0][0],            │",
    "│ negative (Negative)      │ (None, 1)            │            0 │ add[0][0]             │",
    "│ out (Dense)              │ (None, 1)            │            2 │ negative[0][0]        │",
]


def _model():
    keras.backend.clear_session()   # auto names (get_item, multiply, ...) count from zero, as in a fresh Keras session
    ops = keras.ops
    inputs = keras.Input((4,), name="x")
    hidden = keras.layers.Dense(3, name="d", kernel_initializer="ones")(inputs)
    mixed = ops.sum(hidden, axis=1, keepdims=True) + inputs[:, :1] * 2.0
    return keras.Model(inputs, keras.layers.Dense(1, name="out", kernel_initializer="ones")(-mixed))


def test_ops_and_operators_record_graph_nodes(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")   # Keras' table is cut at the console's width (80 without a terminal)
    model = _model()
    lines = []
    model.summary(line_length=90, print_fn=lambda line, *args, **kwargs: lines.append(line))
    text = "\n".join(lines)
    for row in KERAS_ROWS:
        assert row in text
    x = np.arange(8, dtype="float32").reshape(2, 4) / 8
    expected = -(3 * x.sum(axis=1, keepdims=True) + 2 * x[:, :1])
    np.testing.assert_allclose(np.asarray(model(x)), expected, rtol=1e-5)
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((2, 1)), verbose=0)
    model.save(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert [layer.name for layer in restored.layers][2:7] == ["get_item", "sum", "multiply", "add", "negative"]


def test_symbolic_shapes_and_eager_values_are_unchanged():
    ops = keras.ops
    inputs = keras.Input((3, 5))
    assert ops.shape(inputs) == (None, 3, 5)
    assert ops.expand_dims(inputs, -1).shape == (None, 3, 5, 1)
    assert (inputs @ ops.ones((5, 2))).shape == (None, 3, 2)
    first, second = ops.split(inputs, 2, axis=-1) if False else (inputs[..., :2], inputs[..., 2:])
    assert first.shape == (None, 3, 2) and second.shape == (None, 3, 3)
    np.testing.assert_allclose(np.asarray(ops.sum(np.ones((2, 3)), axis=1)), [3.0, 3.0])


@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling_1d_channels_first(keepdims):
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    average = keras.layers.GlobalAveragePooling1D(data_format="channels_first", keepdims=keepdims)
    maximum = keras.layers.GlobalMaxPooling1D(data_format="channels_first", keepdims=keepdims)
    np.testing.assert_allclose(np.asarray(average(x)), x.mean(axis=2, keepdims=keepdims))
    np.testing.assert_allclose(np.asarray(maximum(x)), x.max(axis=2, keepdims=keepdims))
    assert average.compute_output_shape((None, 3, 4)) == ((None, 3, 1) if keepdims else (None, 3))
    assert average.get_config()["data_format"] == "channels_first"


def test_structure_ops_on_symbolic_tensors():
    """``convert_to_tensor`` of a symbolic tensor is that tensor (as Keras); lists of symbolic tensors
    (``stack``, ``concatenate``) and several outputs (``split``) record nodes."""
    ops = keras.ops
    inputs = keras.Input((3,))
    assert ops.convert_to_tensor(inputs) is inputs
    assert ops.stack([inputs, inputs], axis=1).shape == (None, 2, 3)
    first, second = ops.split(inputs[:, :2], 2, axis=-1)
    assert first.shape == (None, 1) and second.shape == (None, 1)
    model = keras.Model(inputs, ops.concatenate([inputs, inputs * 2.0], axis=-1))
    np.testing.assert_allclose(np.asarray(model(np.ones((2, 3), "float32"))), [[1, 1, 1, 2, 2, 2]] * 2)


def test_symbolic_op_outputs_carry_keras_dtypes():
    """Keras 3.15's dtypes: ``ops.cast(x, "int32")`` int32, a comparison bool, ``argmax`` int32, int32 times
    a Python int stays int32."""
    ops = keras.ops
    inputs = keras.Input((3,))
    assert ops.cast(inputs, "int32").dtype == "int32" and (inputs > 0).dtype == "bool"
    assert ops.argmax(inputs, axis=-1).dtype == "int32" and (inputs + 1).dtype == "float32"
    assert (keras.Input((3,), dtype="int32") * 2).dtype == "int32"
