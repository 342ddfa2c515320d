"""A user subclass of a built-in Keras layer that overrides ``call`` (Keras 3 runs the override, its
``super().call`` is the built-in computation, and the layer's variables train through it), and a layer
call's first argument given by name (``layer(inputs=x)``, ``endpoint(logits=..., targets=...)``).

Expected values are the built-in layers' own outputs (Keras 3 gives the same, checked with
``KERAS_BACKEND=jax`` Keras 3.15: e.g. a BatchNormalization subclass whose ``call(inputs)`` calls
``super().call(inputs)`` runs in inference mode, its moving mean stays 0 through ``fit``)."""
import numpy as np
import pytest

import minidl.keras as keras

RNG = np.random.default_rng(0)


def arr(*shape):
    return RNG.random(shape).astype("float32")


class DoubledDense(keras.layers.Dense):
    def call(self, inputs):
        return super().call(inputs) * 2


class ManualDense(keras.layers.Dense):
    def call(self, inputs):  # ignores the parent: its own use of the variables
        return keras.ops.matmul(inputs, self.kernel) + self.bias + 1.0


class HalfKernelConv(keras.layers.Conv2D):
    def call(self, inputs):
        return keras.ops.conv(inputs, self.kernel * 0.5, padding="valid") + self.bias


class ShiftedEmbedding(keras.layers.Embedding):
    def call(self, inputs):
        return super().call(inputs) + 1.0


class ScaledBatchNorm(keras.layers.BatchNormalization):
    def call(self, inputs, training=None):
        return super().call(inputs, training=training) * 3.0


class PlainBatchNorm(keras.layers.BatchNormalization):
    def call(self, inputs):
        return super().call(inputs) + 1.0


class ShiftedDropout(keras.layers.Dropout):
    def call(self, inputs, training=None):
        return super().call(inputs, training=training) + 5.0


class DoubledLSTM(keras.layers.LSTM):
    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, training=training) * 2


class ShiftedLayerNorm(keras.layers.LayerNormalization):
    def call(self, inputs):
        return super().call(inputs) - 1.0


def _twin(layer, base, x):
    """``base`` built on ``x`` with ``layer``'s weights."""
    base(x)
    base.set_weights(layer.get_weights())
    return np.asarray(base(x))


@pytest.mark.parametrize("make, base, x, expect", [
    (lambda: DoubledDense(3), lambda: keras.layers.Dense(3), arr(4, 5), lambda ref: 2 * ref),
    (lambda: ShiftedEmbedding(10, 3), lambda: keras.layers.Embedding(10, 3), np.array([[1, 2, 9]]),
     lambda ref: ref + 1),
    (lambda: ScaledBatchNorm(), lambda: keras.layers.BatchNormalization(), arr(4, 5), lambda ref: 3 * ref),
    (lambda: ShiftedDropout(0.5), lambda: keras.layers.Dropout(0.5), arr(4, 5), lambda ref: ref + 5),
    (lambda: DoubledLSTM(2), lambda: keras.layers.LSTM(2), arr(2, 3, 4), lambda ref: 2 * ref),
    (lambda: ShiftedLayerNorm(), lambda: keras.layers.LayerNormalization(), arr(4, 5), lambda ref: ref - 1),
])
def test_override_runs_and_super_call_is_the_builtin(make, base, x, expect):
    layer = make()
    out = np.asarray(layer(x))
    np.testing.assert_allclose(out, expect(_twin(layer, base(), x)), rtol=1e-5, atol=1e-6)


def test_override_ignoring_the_parent_sees_keras_layout_variables():
    x = arr(4, 5)
    dense = ManualDense(3)
    np.testing.assert_allclose(np.asarray(dense(x)), x @ dense.kernel.numpy() + dense.bias.numpy() + 1, rtol=1e-5)
    conv, images = HalfKernelConv(2, 3), arr(2, 6, 6, 3)
    out = np.asarray(conv(images))
    weights = conv.get_weights()
    ref = _twin(conv, keras.layers.Conv2D(2, 3), images) - weights[1]
    np.testing.assert_allclose(out, 0.5 * ref + weights[1], rtol=1e-4, atol=1e-5)
    assert type(conv.kernel).__name__ == "VariableView" and conv.kernel.shape == (3, 3, 3, 2)  # restored after


def test_dropout_override_drops_only_in_training():
    layer = ShiftedDropout(0.5)
    x = np.ones((8, 16), "float32")
    np.testing.assert_allclose(np.asarray(layer(x)), x + 5)
    trained = np.asarray(layer(x, training=True))
    assert set(np.unique(trained).round(4)) <= {5.0, 7.0} and (trained == 5).any()


def test_batchnorm_override_without_training_runs_inference_in_fit():
    model = keras.Sequential([keras.Input((3,)), PlainBatchNorm()])
    model.compile("sgd", "mse")
    model.fit(arr(8, 3) + 4, arr(8, 3), epochs=1, verbose=0)
    np.testing.assert_allclose(model.layers[0].moving_mean.numpy(), 0)  # as Keras: super().call(inputs)
    model = keras.Sequential([keras.Input((3,)), ScaledBatchNorm()])
    model.compile("sgd", "mse")
    model.fit(arr(8, 3) + 4, arr(8, 3), epochs=1, verbose=0)
    assert (model.layers[0].moving_mean.numpy() > 0.01).all()  # training=True reached the built-in


def test_fit_trains_the_variables_through_the_overrides():
    model = keras.Sequential([keras.Input((6, 6, 3)), HalfKernelConv(2, 3), keras.layers.Flatten(),
                              ScaledBatchNorm(), ManualDense(4), DoubledDense(1)])
    model.compile(keras.optimizers.SGD(0.01), "mse")
    before = model.get_weights()
    model.fit(arr(8, 6, 6, 3), arr(8, 1), epochs=1, verbose=0)
    after = model.get_weights()
    trainable = [w.numpy() for w in model.trainable_weights]
    assert len(trainable) == 8
    changed = [not np.allclose(a, b) for a, b in zip(before, after)]
    assert all(changed)  # conv, batch-norm (gamma, beta and, with training=True, its moving statistics), dense


def test_symbolic_summary_and_save_load_keep_the_override(tmp_path):
    keras.saving.register_keras_serializable("test_call_override")(DoubledDense)
    keras.saving.register_keras_serializable("test_call_override")(HalfKernelConv)
    inputs = keras.Input((6, 6, 3))
    hidden = keras.layers.Flatten()(HalfKernelConv(2, 3)(inputs))
    model = keras.Model(inputs, DoubledDense(2)(hidden))
    assert model.output_shape == (None, 2)
    model.summary(print_fn=lambda *a, **k: None)
    x = arr(3, 6, 6, 3)
    expected = model.predict(x, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.layers[-1]) is DoubledDense
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5)
    plain = keras.Model(inputs, keras.layers.Dense(2)(hidden))
    plain.set_weights(model.get_weights())
    assert not np.allclose(plain.predict(x, verbose=0), expected)


def test_builtin_call_directly():
    dense = keras.layers.Dense(2)
    x = arr(3, 4)
    np.testing.assert_allclose(np.asarray(dense.call(x)), np.asarray(dense(x)), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="does not implement call"):
        keras.layers.Layer().call(x)


class Endpoint(keras.layers.Layer):
    def call(self, logits, targets=None, sample_weight=None, scale=1.0):
        if targets is not None:
            self.add_loss(keras.ops.mean((logits - targets) ** 2))
        return logits * scale


def test_first_argument_by_keyword_eager():
    x = arr(4, 3)
    dense = keras.layers.Dense(2)
    np.testing.assert_allclose(np.asarray(dense(inputs=x)), np.asarray(dense(x)))
    endpoint = Endpoint()
    np.testing.assert_allclose(np.asarray(endpoint(logits=x, targets=x + 1, scale=2.0)), 2 * x, rtol=1e-6)
    assert len(endpoint.losses) == 1 and abs(float(endpoint.losses[0]) - 1) < 1e-5
    np.testing.assert_allclose(np.asarray(endpoint(x, scale=3.0)), 3 * x, rtol=1e-6)  # not dropped
    with pytest.raises(TypeError, match="without its first argument 'inputs'"):
        dense()


def test_first_argument_by_keyword_symbolic_and_saved(tmp_path):
    keras.saving.register_keras_serializable("test_call_override")(Endpoint)
    a, t = keras.Input((3,)), keras.Input((3,))
    out = Endpoint()(logits=keras.layers.Dense(3)(inputs=a), targets=t, scale=2.0)
    model = keras.Model([a, t], out)
    x = arr(4, 3)
    model.compile("adam")
    history = model.fit([x, x + 1], epochs=1, verbose=0)
    assert history.history["loss"][0] > 0  # the targets reached call() as a graph input
    expected = model.predict([x, x], verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict([x, x], verbose=0), expected, rtol=1e-5)
    dense_out = model.layers[2](x) if isinstance(model.layers[2], keras.layers.Dense) else None
    if dense_out is not None:
        np.testing.assert_allclose(expected, 2 * np.asarray(dense_out), rtol=1e-5)


class DoubledKernel3D(keras.layers.Conv3D):
    def convolution_op(self, inputs, kernel):  # Keras 3's Conv3D.call goes through convolution_op
        return super().convolution_op(inputs, kernel * 2.0)


class ManualConv1D(keras.layers.Conv1D):
    def call(self, inputs):  # the kernel in Keras' layout (k, in, filters), differentiable
        return keras.ops.conv(inputs, self.kernel, padding="same") + self.bias


class HalvedConvTranspose(keras.layers.Conv2DTranspose):
    def call(self, inputs):
        return super().call(inputs) / 2


def test_conv3d_convolution_op_override_and_training():
    x = arr(2, 5, 5, 5, 3)
    layer = DoubledKernel3D(2, 3, padding="same", strides=2)
    out = np.asarray(layer(x))
    kernel, bias = layer.get_weights()
    base = keras.layers.Conv3D(2, 3, padding="same", strides=2)
    base(x)
    base.set_weights([2 * kernel, bias])
    np.testing.assert_allclose(out, np.asarray(base(x)), rtol=1e-4, atol=1e-5)
    model = keras.Sequential([keras.Input((5, 5, 5, 3)), DoubledKernel3D(2, 3), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    before = model.get_weights()
    model.fit(x, np.ones((2, 1)), verbose=0)
    assert all(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))


def test_conv1d_and_conv_transpose_call_overrides():
    x = arr(2, 7, 3)
    layer = ManualConv1D(4, 3, padding="same")
    np.testing.assert_allclose(np.asarray(layer(x)), _twin(layer, keras.layers.Conv1D(4, 3, padding="same"), x),
                               rtol=1e-4, atol=1e-5)
    images = arr(2, 4, 4, 3)
    up = HalvedConvTranspose(2, 3, strides=2)
    np.testing.assert_allclose(np.asarray(up(images)),
                               _twin(up, keras.layers.Conv2DTranspose(2, 3, strides=2), images) / 2, rtol=1e-5)
    model = keras.Sequential([keras.Input((7, 3)), ManualConv1D(4, 3, padding="same"), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    before = model.get_weights()
    model.fit(x, np.ones((2, 1)), verbose=0)
    assert all(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))


class Repeat(keras.layers.Layer):
    def call(self, inputs, times=1):
        return keras.ops.concatenate([inputs] * times, axis=-1)


def test_keyword_options_shape_the_symbolic_output_and_survive_saving(tmp_path):
    keras.saving.register_keras_serializable("test_call_override")(Repeat)
    inputs = keras.Input((2,))
    out = Repeat()(inputs, times=3)
    assert out.shape == (None, 6)  # the trace ran with times=3
    model = keras.Model(inputs, out)
    x = arr(4, 2)
    np.testing.assert_allclose(model.predict(x, verbose=0), np.concatenate([x] * 3, -1))
    model.save(tmp_path / "r.keras")
    loaded = keras.models.load_model(tmp_path / "r.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), np.concatenate([x] * 3, -1))
    np.testing.assert_allclose(np.asarray(Repeat()(x, times=2)), np.concatenate([x] * 2, -1))
