"""The minidl.keras fixes that the keras.io scripts of tests/test_keras_io_scripts.py needed, checked
directly: metric objects through save/load, top-k accuracies' argument order, (batch, 1) sample weights,
subclassed models on dicts, MultiHeadAttention's sublayer names, Conv2D's convolution_op/call overrides,
Model.compute_loss, and keras.initializers.serialize. Expected values are Keras 3.15's where noted."""
import numpy as np
import pytest


def test_metric_objects_survive_save_and_load(tmp_path):
    """A model compiled with metric objects (antirectifier's SparseCategoricalAccuracy(), the image
    classifier's BinaryAccuracy(name="acc")) loads back with the same metrics and names (it failed on
    "Could not interpret metric identifier: 'sparsecategoricalaccuracy'")."""
    from minidl import keras
    from minidl.keras import layers
    rng = np.random.default_rng(0)
    x = rng.random((8, 4)).astype("float32")
    for metric, y in ((keras.metrics.SparseCategoricalAccuracy(), rng.integers(0, 3, 8)),
                      (keras.metrics.BinaryAccuracy(name="acc"), (rng.random((8, 3)) > 0.5).astype("float32")),
                      (keras.metrics.SparseTopKCategoricalAccuracy(k=2), rng.integers(0, 3, 8))):
        model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
        model.compile("adam", "mse" if y.ndim == 2 else "sparse_categorical_crossentropy", metrics=[metric])
        model.fit(x, y, verbose=0)
        model.save(tmp_path / "m.keras")
        loaded = keras.models.load_model(tmp_path / "m.keras")
        assert loaded.evaluate(x, y, verbose=0, return_dict=True) == model.evaluate(x, y, verbose=0, return_dict=True)


def test_multi_head_attention_takes_keras_sublayer_names():
    """Keras' MultiHeadAttention builds a Softmax and a Dropout: the next auto-named ones are _1 (Keras 3.15)."""
    from minidl import keras
    from minidl.keras import layers
    keras.backend.clear_session()
    attention = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    assert layers.Dropout(0.1).name == "dropout" and layers.Softmax().name == "softmax"
    x = np.zeros((1, 3, 4), dtype="float32")
    attention(x, x)
    assert layers.Dropout(0.1).name == "dropout_2" and layers.Softmax().name == "softmax_2"


def test_subclassed_model_takes_a_dict_of_inputs():
    """A subclassed model whose call() reads ``inputs["a"]`` is called, fitted, evaluated and predicted
    on a dict of arrays, as in Keras (endpoint_layer_pattern's LogReg)."""
    from minidl import keras

    class Gated(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, inputs):
            return self.dense(inputs["a"]) * inputs["b"]

    rng = np.random.default_rng(0)
    x = {"a": rng.random((16, 3)).astype("float32"), "b": rng.random((16, 1)).astype("float32")}
    y = rng.random((16, 1)).astype("float32")
    model = Gated()
    out = model(x)
    kernel, bias = (np.asarray(w) for w in model.dense.get_weights())
    np.testing.assert_allclose(np.asarray(out), (x["a"] @ kernel + bias) * x["b"], rtol=1e-6)
    model.compile("adam", "mse")
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 2
    np.testing.assert_allclose(model.predict(x, verbose=0), np.asarray(model(x)), rtol=1e-6)
    assert np.isfinite(model.evaluate(x, y, verbose=0))


def test_mean_metrics_take_trailing_unit_sample_weights():
    """(batch, 1) sample weights on the (batch,) values of an accuracy, as Keras 3.15 (its values)."""
    from minidl import keras
    metric = keras.metrics.BinaryAccuracy()
    y_true, y_pred = np.array([[1.0], [0.0], [1.0]]), np.array([[0.9], [0.8], [0.2]])
    metric.update_state(y_true, y_pred, np.array([[1.0], [2.0], [3.0]]))
    assert metric.result() == pytest.approx(1 / 6)
    mean = keras.metrics.Mean()
    mean.update_state(np.array([[1.0, 2.0], [2.0, 2.0], [3.0, 3.0]]), np.array([[1.0], [1.0], [2.0]]))
    assert mean.result() == pytest.approx(2.375)
    with pytest.raises(ValueError, match=r"Mean \(mean\): sample_weight of shape \(2,\)"):
        keras.metrics.Mean().update_state(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0]))


def test_top_k_accuracies_take_k_first():
    """Keras' ``SparseTopKCategoricalAccuracy(5, name="top-5-accuracy")`` (the ViT example): k comes first."""
    from minidl import keras
    metric = keras.metrics.SparseTopKCategoricalAccuracy(1, name="top-1")
    metric.update_state(np.array([1, 0]), np.array([[0.1, 0.9], [0.2, 0.8]]))
    assert metric.name == "top-1" and metric.result() == 0.5
    assert metric.get_config() == {"name": "top-1", "dtype": "float32", "k": 1}
    one_hot = keras.metrics.TopKCategoricalAccuracy(1)
    one_hot.update_state(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[0.1, 0.9], [0.2, 0.8]]))
    assert one_hot.result() == 0.5 and one_hot.get_config()["k"] == 1


def _standardized_conv_reference(x, kernel, bias):
    """NumPy 'valid' stride-1 convolution of NHWC ``x`` with the standardized (kh, kw, in, out) kernel."""
    standardized = (kernel - kernel.mean((0, 1, 2), keepdims=True)) / np.sqrt(kernel.var((0, 1, 2), keepdims=True)
                                                                             + 1e-10)
    kh, kw = kernel.shape[:2]
    out_h, out_w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.zeros((x.shape[0], out_h, out_w, kernel.shape[-1]))
    for i in range(out_h):
        for j in range(out_w):
            out[:, i, j] = np.einsum("nhwc,hwco->no", x[:, i:i + kh, j:j + kw], standardized)
    return out + bias


def test_conv2d_subclass_overrides_convolution_op_or_call():
    """Keras' Conv2D runs a subclass's convolution_op() (then bias and activation) or its own call();
    minidl's ran the plain convolution for both (subclassing_conv_layers)."""
    from minidl import keras
    from minidl.keras import layers, ops

    class WithOverride(layers.Conv2D):
        def convolution_op(self, inputs, kernel):
            mean, var = ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
            return ops.conv(inputs, (kernel - mean) / ops.sqrt(var + 1e-10), padding="valid")

    class WithCall(layers.Conv2D):
        def call(self, inputs):
            mean, var = ops.moments(self.kernel, axes=[0, 1, 2], keepdims=True)
            return ops.conv(inputs, (self.kernel - mean) / ops.sqrt(var + 1e-10), padding="valid") + self.bias

    x = np.random.default_rng(0).random((2, 7, 6, 3)).astype("float32")
    override, own_call = WithOverride(4, 3, activation="relu"), WithCall(4, 3)
    out = np.asarray(override(x))
    expected = _standardized_conv_reference(x, np.asarray(override.kernel), np.asarray(override.bias))
    np.testing.assert_allclose(out, np.maximum(expected, 0), rtol=1e-4, atol=1e-5)
    out = np.asarray(own_call(x))
    np.testing.assert_allclose(out, _standardized_conv_reference(x, np.asarray(own_call.kernel),
                                                                 np.asarray(own_call.bias)), rtol=1e-4, atol=1e-5)
    # both train: gradients reach the kernel through convolution_op and through self.kernel in call()
    for cls in (WithOverride, WithCall):
        model = keras.Sequential([keras.Input((7, 6, 3)), cls(2, 3), layers.Flatten(), layers.Dense(1)])
        model.compile("adam", "mse")
        before = np.asarray(model.layers[0].kernel).copy()
        model.fit(x, np.ones((2, 1)), epochs=1, verbose=0)
        assert not np.allclose(before, np.asarray(model.layers[0].kernel)), cls.__name__
        assert type(model.layers[0].kernel).__name__ == "VariableView"  # the view is back after the call


def test_compute_loss_override_drives_fit_and_evaluate():
    """Keras 3's ``Model.compute_loss(x, y, y_pred, sample_weight)``: the default is the compiled loss;
    an override is what fit minimises and evaluate reports (knowledge_distillation's Distiller)."""
    from minidl import keras
    calls = []

    class Scaled(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            calls.append(training)
            return 3.0 * keras.ops.mean(keras.ops.square(y_pred - y))

    rng = np.random.default_rng(0)
    x, y = rng.random((8, 2)).astype("float32"), rng.random((8, 1)).astype("float32")
    model = Scaled()
    model.compile(optimizer="sgd")
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert calls == [True, True] and history.history["loss"][1] < history.history["loss"][0]
    mse = float(np.mean((np.asarray(model.predict(x, verbose=0)) - y) ** 2))
    assert model.evaluate(x, y, verbose=0) == pytest.approx(3 * mse, rel=1e-5) and calls[-1] is False
    plain = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    plain.compile(optimizer="sgd", loss="mse")
    prediction = plain.predict(x, verbose=0)
    assert float(plain.compute_loss(x, y, prediction)) == pytest.approx(float(np.mean((prediction - y) ** 2)), rel=1e-5)


def test_initializers_serialize_as_keras():
    from minidl import keras
    config = keras.initializers.serialize(keras.initializers.HeNormal(seed=3))
    assert config == {"module": "keras.initializers", "class_name": "HeNormal",  # (Keras 3.15's config)
                      "config": {"seed": 3, "input_axes": None, "output_axes": None}, "registered_name": None}
    again = keras.initializers.deserialize(config)
    assert isinstance(again, keras.initializers.HeNormal) and again.seed == 3
    np.testing.assert_array_equal(again((3, 4)), keras.initializers.HeNormal(seed=3)((3, 4)))
    assert isinstance(keras.initializers.deserialize("zeros"), keras.initializers.Zeros)
