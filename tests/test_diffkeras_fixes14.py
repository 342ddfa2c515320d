"""Fixes from session 14's differential sweep of minidl.keras against Keras 3 (keras 3.15, jax backend).

Expected values are either literals printed by Keras 3 for the same inputs and weights, or, where
the check is a layout identity, the channels-last result of the same layer moved to channels-first.
"""
import numpy as np
import pytest

import minidl.keras as keras


def _rs(*shape, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, size=shape).astype("float32")


def _same_weights(dst, src):
    dst.set_weights(src.get_weights())


# --------------------------------------------------------------- data_format="channels_first"
@pytest.mark.parametrize("make, shape", [
    (lambda f: keras.layers.Conv1D(3, 3, data_format=f), (2, 2, 7)),
    (lambda f: keras.layers.Conv2D(3, 3, strides=2, padding="same", data_format=f), (2, 2, 6, 5)),
    (lambda f: keras.layers.Conv3D(2, 2, data_format=f), (1, 2, 4, 4, 3)),
    (lambda f: keras.layers.Conv2DTranspose(2, 3, strides=2, data_format=f), (1, 3, 3, 4)),
    (lambda f: keras.layers.SeparableConv2D(3, 3, data_format=f), (1, 2, 5, 5)),
    (lambda f: keras.layers.DepthwiseConv2D(3, data_format=f), (1, 2, 5, 5)),
    (lambda f: keras.layers.MaxPooling2D(2, padding="same", data_format=f), (1, 2, 5, 5)),
    (lambda f: keras.layers.AveragePooling1D(2, data_format=f), (2, 3, 7)),
    (lambda f: keras.layers.GlobalMaxPooling2D(data_format=f, keepdims=True), (2, 3, 4, 5)),
    (lambda f: keras.layers.Cropping2D(1, data_format=f), (2, 3, 5, 6)),
    (lambda f: keras.layers.ZeroPadding2D(1, data_format=f), (1, 2, 3, 3)),
    (lambda f: keras.layers.UpSampling2D(2, data_format=f), (1, 2, 3, 3)),
    (lambda f: keras.layers.UpSampling3D(2, data_format=f), (1, 2, 2, 2, 2)),
])
def test_channels_first_is_channels_last_with_the_channel_axis_moved(make, shape):
    # Keras 3 takes data_format="channels_first" on these layers (minidl raised NotImplementedError)
    x = _rs(*shape)
    cf, cl = make("channels_first"), make("channels_last")
    x_last = np.moveaxis(x, 1, -1)
    cl(x_last)
    cf(x)
    assert [w.shape for w in cf.weights] == [w.shape for w in cl.weights]
    _same_weights(cf, cl)
    want = np.moveaxis(np.asarray(cl(x_last)), -1, 1)
    got = np.asarray(cf(x))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert cf.compute_output_shape(shape) == want.shape
    assert cf.get_config()["data_format"] == "channels_first"


def test_channels_first_conv2d_literal_and_model():
    # Keras 3: Conv2D(1, 2, data_format="channels_first", kernel all 1, bias 0) on arange(2*3*3)
    layer = keras.layers.Conv2D(1, 2, data_format="channels_first", kernel_initializer="ones")
    x = np.arange(18, dtype="float32").reshape(1, 2, 3, 3)
    np.testing.assert_allclose(np.asarray(layer(x)), [[[[52.0, 60.0], [76.0, 84.0]]]])
    inp = keras.Input((2, 6, 5))
    y = keras.layers.Conv2D(3, 3, data_format="channels_first")(inp)
    p = keras.layers.MaxPooling2D(2, data_format="channels_first")(y)
    f = keras.layers.Flatten(data_format="channels_first")(p)
    assert (tuple(y.shape), tuple(p.shape), tuple(f.shape)) == ((None, 3, 4, 3), (None, 3, 2, 1), (None, 6))
    model = keras.Model(inp, f)
    assert model.predict(_rs(2, 2, 6, 5), verbose=0).shape == (2, 6)


def test_flatten_channels_first_moves_channels_last_first():
    x = np.arange(24, dtype="float32").reshape(1, 2, 3, 4)
    got = np.asarray(keras.layers.Flatten(data_format="channels_first")(x))
    np.testing.assert_array_equal(got, np.moveaxis(x, 1, -1).reshape(1, -1))


def test_data_format_validation():
    with pytest.raises(ValueError, match="data_format"):
        keras.layers.Conv2D(3, 3, data_format="nchw")
    assert keras.layers.Conv2D(3, 3).get_config()["data_format"] == "channels_last"


# --------------------------------------------------------------- keras.ops.pad
@pytest.mark.parametrize("mode", ["edge", "wrap", "reflect", "symmetric"])
def test_ops_pad_numpy_modes_on_any_axes(mode):
    # Keras 3 pads every axis of any rank as NumPy does (minidl refused reflect on a 2-D input and
    # passed edge/wrap/symmetric to a pad that does not know them)
    a = _rs(3, 4)
    got = keras.ops.convert_to_numpy(keras.ops.pad(a, 1, mode=mode))
    np.testing.assert_array_equal(got, np.pad(a, 1, mode=mode))
    b = _rs(2, 3, 4, seed=1)
    widths = ((0, 0), (2, 1), (1, 3))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(keras.ops.pad(b, widths, mode=mode)),
                                  np.pad(b, widths, mode=mode))


def test_ops_pad_reflect_literal_and_errors():
    # keras.ops.pad(np.arange(4.), (2, 1), mode="reflect") in Keras 3
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(keras.ops.pad(np.arange(4.0), (2, 1), mode="reflect")),
                                  [2.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0])
    with pytest.raises(ValueError, match="constant_values"):
        keras.ops.pad(_rs(3, 4), 1, mode="symmetric", constant_values=2.0)


# --------------------------------------------------------------- SparseCategoricalCrossentropy(ignore_class=)
def _scce_data():
    y_true = np.array([0, 2, 1, 2])
    y_pred = _rs(4, 3, seed=1) * 0.45 + 0.5  # uniform in [0.05, 0.95]
    logits = _rs(4, 3, seed=3) * 3
    return y_true, y_pred, logits


def test_scce_ignore_class_matches_keras():
    # literals: Keras 3.15 (jax) on the same inputs (minidl raised NotImplementedError)
    y_true, y_pred, logits = _scce_data()
    sw = np.array([1.0, 0.5, 0.0, 2.0], "float32")
    loss = keras.losses.SparseCategoricalCrossentropy
    np.testing.assert_allclose(float(loss(ignore_class=2)(y_true, y_pred)), 1.0097895, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(loss(from_logits=True, ignore_class=0, reduction="none")(y_true, logits)),
                               [0.0, 0.73193884, 0.69583434, 0.68587416], rtol=1e-5, atol=1e-7)
    for reduction, want in [("sum", 3.584784), ("mean_with_sample_weight", 1.024224),
                            ("sum_over_batch_size", 1.1949282)]:
        got = float(loss(ignore_class=1, reduction=reduction)(y_true, y_pred, sample_weight=sw))
        np.testing.assert_allclose(got, want, rtol=1e-5)
    fn = keras.losses.sparse_categorical_crossentropy(y_true, y_pred, ignore_class=2)
    assert np.asarray(fn)[1] == 0.0 and np.asarray(fn)[3] == 0.0 and np.asarray(fn)[0] > 0


def test_scce_ignore_class_in_fit():
    y_true, _, _ = _scce_data()
    x = _rs(4, 3, seed=0) * 0.5 + 0.5
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    dense = model.layers[0]
    dense.set_weights([np.random.RandomState(123 + i).uniform(-0.5, 0.5, w.shape).astype("float32")
                       for i, w in enumerate(dense.get_weights())])
    model.compile(optimizer=keras.optimizers.SGD(0.1),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2))
    history = model.fit(x, y_true, epochs=2, batch_size=4, verbose=0, shuffle=False)
    np.testing.assert_allclose(history.history["loss"], [0.9939297, 0.9708245], rtol=1e-5)


# --------------------------------------------------------------- metrics
def test_mean_metric_call_and_samplewise_reduction():
    # Keras 3: Mean()(values, sample_weight=...) (minidl's __call__ wanted y_true, y_pred)
    np.testing.assert_allclose(float(keras.metrics.Mean()(np.array([1.0, 2.0, 3.0]),
                                                          sample_weight=np.array([1.0, 0.0, 2.0]))), 7 / 3, rtol=1e-6)
    assert float(keras.metrics.Sum()(np.array([1.0, 2.0, 3.0]))) == 6.0
    # values are averaged per sample and each sample counts once: Keras gives 2.25 (minidl gave 2.0)
    m = keras.metrics.Mean()
    m.update_state([1.0, 2.0])
    m.update_state(5.0)
    assert float(m.result()) == pytest.approx(8 / 3)
    m.update_state(np.ones((2, 2)), sample_weight=[1.0, 0.0])
    assert float(m.result()) == pytest.approx(2.25)
    m.reset_state()
    m.update_state(np.array([[1.0, 3.0], [5.0, 7.0], [0.0, 0.0]]))  # 3 samples of row means 2, 6, 0
    m.update_state(np.array([10.0]))
    assert float(m.result()) == pytest.approx(18 / 4)


def test_array_results_are_float32_and_f1_reset_keeps_classes():
    y_true = (_rs(6, 3, seed=2) > 0).astype("float32")
    y_pred = _rs(6, 3, seed=1) * 0.45 + 0.5
    p = keras.metrics.Precision(thresholds=[0.3, 0.6])
    p.update_state(y_true[:3], y_pred[:3])
    assert np.asarray(p.result()).dtype == np.float32
    np.testing.assert_allclose(np.asarray(p.result()), [0.2, 0.0], atol=1e-7)
    f1 = keras.metrics.F1Score(threshold=0.5)
    f1.update_state(y_true[:3], y_pred[:3])
    f1.update_state(y_true[3:], y_pred[3:])
    got = np.asarray(f1.result())
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, [0.66666657, 0.33333328, 0.49999994], rtol=1e-5)
    f1.reset_state()
    np.testing.assert_array_equal(np.asarray(f1.result()), np.zeros(3, "float32"))  # Keras: per-class zeros


def test_binary_accuracy_function_is_elementwise_and_metric_configs():
    y_true = np.array([[1.0, 0.0], [0.0, 0.0]])
    y_pred = np.array([[0.7, 0.6], [0.2, 0.1]])
    np.testing.assert_array_equal(np.asarray(keras.metrics.binary_accuracy(y_true, y_pred)), [[1, 0], [1, 1]])
    assert float(keras.metrics.BinaryAccuracy()(y_true, y_pred)) == pytest.approx(0.75)
    assert type(keras.metrics.get("accuracy")).__name__ == "Accuracy"
    assert keras.metrics.BinaryCrossentropy().get_config() == {
        "name": "binary_crossentropy", "dtype": "float32", "from_logits": False, "label_smoothing": 0}
    assert keras.metrics.CategoricalCrossentropy().get_config() == {
        "name": "categorical_crossentropy", "dtype": "float32", "from_logits": False, "label_smoothing": 0,
        "axis": -1}
    assert keras.metrics.SparseCategoricalCrossentropy().get_config() == {
        "name": "sparse_categorical_crossentropy", "dtype": "float32", "from_logits": False, "ignore_class": None,
        "axis": -1}
    assert keras.metrics.RootMeanSquaredError().get_config() == {"name": "root_mean_squared_error",
                                                                 "dtype": "float32"}
