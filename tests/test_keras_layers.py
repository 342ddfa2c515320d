"""minidl.keras layers against hand-computed values and Keras' documented behaviour.

Weight layouts, shapes (``padding="same"`` as TensorFlow/Keras computes it),
channels-last Flatten order, BatchNormalization's Keras update rule, names,
``count_params`` and ``summary`` text (the expected table was printed by real
Keras 3.15 with ``model.summary(line_length=60, print_fn=...)`` once and
pasted here; Keras is not imported by the tests).
"""
import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()
    yield


def conv2d_nhwc(x, kernel, bias, stride=1, pad=((0, 0), (0, 0))):
    """Direct cross-correlation on NHWC with a Keras (kh, kw, in, out) kernel."""
    x = np.pad(x, ((0, 0), pad[0], pad[1], (0, 0)))
    kh, kw, _, out = kernel.shape
    oh = (x.shape[1] - kh) // stride + 1
    ow = (x.shape[2] - kw) // stride + 1
    y = np.zeros((x.shape[0], oh, ow, out))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            y[:, i, j, :] = np.tensordot(patch, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return y + bias


def test_auto_names_follow_keras():
    a, b = layers.Conv2D(2, 3), layers.Conv2D(2, 3)
    pool, bn, gap = layers.MaxPooling2D(), layers.BatchNormalization(), layers.GlobalAveragePooling2D()
    assert (a.name, b.name) == ("conv2d", "conv2d_1")
    assert (pool.name, bn.name, gap.name) == ("max_pooling2d", "batch_normalization",
                                              "global_average_pooling2d")
    assert layers.ReLU().name == "re_lu"
    assert keras.Sequential().name == "sequential"
    assert layers.Dense(1, name="head").name == "head"


def test_unknown_keyword_is_an_error():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Dense"):
        layers.Dense(3, foo=1)


def test_dense_kernel_layout_and_output(rng):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, activation="relu")])
    kernel, bias = model.layers[0].get_weights()
    assert kernel.shape == (3, 2) and bias.shape == (2,)
    assert np.all(bias == 0)
    limit = np.sqrt(6 / (3 + 2))  # glorot_uniform
    assert np.abs(kernel).max() <= limit
    w = rng.normal(size=(3, 2)).astype(np.float32)
    b = np.array([0.5, -0.5], np.float32)
    model.set_weights([w, b])
    x = rng.normal(size=(4, 3)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), np.maximum(x @ w + b, 0), rtol=1e-5, atol=1e-6)
    assert model.layers[0].kernel.shape == (3, 2)
    assert [v.name for v in model.weights] == ["kernel", "bias"]
    assert model.weights[0].path == f"{model.name}/dense/kernel"  # built in the Sequential's scope, as Keras


def test_conv2d_kernel_layout_matches_direct_convolution(rng):
    x = rng.normal(size=(2, 7, 6, 3)).astype(np.float32)
    conv = layers.Conv2D(4, (3, 2), strides=2, padding="valid")
    y = conv(x).numpy()
    kernel, bias = conv.get_weights()
    assert kernel.shape == (3, 2, 3, 4)
    kernel = rng.normal(size=kernel.shape).astype(np.float32)
    bias = rng.normal(size=(4,)).astype(np.float32)
    conv.set_weights([kernel, bias])
    y = conv(x).numpy()
    np.testing.assert_allclose(y, conv2d_nhwc(x, kernel, bias, stride=2), rtol=1e-4, atol=1e-5)
    assert y.shape == (2, 3, 3, 4)


@pytest.mark.parametrize("size,k,s,expected_out,expected_pad", [
    (7, 3, 2, 4, (1, 1)),   # total pad (4-1)*2+3-7 = 2
    (6, 3, 2, 3, (0, 1)),   # total 1: the odd pixel goes to the bottom/right
    (5, 2, 1, 5, (0, 1)),
    (8, 1, 3, 3, (0, 0)),
])
def test_same_padding_arithmetic(size, k, s, expected_out, expected_pad):
    from minidl.keras.layers.conv import conv_output_length, same_padding
    assert conv_output_length(size, k, "same", s) == expected_out
    assert same_padding(size, k, s) == expected_pad


def test_strided_same_conv_pads_bottom_right(rng):
    x = rng.normal(size=(1, 6, 6, 2)).astype(np.float32)
    conv = layers.Conv2D(3, 3, strides=2, padding="same")
    conv(x)
    kernel = rng.normal(size=(3, 3, 2, 3)).astype(np.float32)
    conv.set_weights([kernel, np.zeros(3, np.float32)])
    expected = conv2d_nhwc(x, kernel, 0.0, stride=2, pad=((0, 1), (0, 1)))
    np.testing.assert_allclose(conv(x).numpy(), expected, rtol=1e-4, atol=1e-5)


def test_pooling_same_padding_by_hand():
    x = np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3, 1) - 20  # all negative
    mp = layers.MaxPooling2D(2, padding="same")(x).numpy()[0, :, :, 0]
    # windows [0:2, 0:2], [0:2, 2:3], [2:3, 0:2], [2:3, 2:3]; padding never wins (-inf)
    np.testing.assert_array_equal(mp, [[-15, -14], [-12, -11]])
    ap = layers.AveragePooling2D(2, padding="same")(x).numpy()[0, :, :, 0]
    # averages over the real values only: Keras/TF excludes the padding
    np.testing.assert_allclose(ap, [[np.mean([-19, -18, -16, -15]), np.mean([-17, -14])],
                                    [np.mean([-13, -12]), -11]])
    assert layers.MaxPooling2D()(np.zeros((1, 5, 5, 2), np.float32)).shape == (1, 2, 2, 2)


def test_flatten_is_channels_last():
    x = np.arange(2 * 2 * 3, dtype=np.float32).reshape(1, 2, 2, 3)
    model = keras.Sequential([keras.Input((2, 2, 3)), layers.Flatten()])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x.reshape(1, -1))


def test_batch_normalization_keras_update_rule(rng):
    x = rng.normal(2.0, 3.0, size=(8, 4, 4, 2)).astype(np.float32)
    bn = layers.BatchNormalization()
    assert (bn.momentum, bn.epsilon) == (0.99, 1e-3)
    y = bn(x, training=True).numpy()
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))  # biased variance
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
    gamma, beta, moving_mean, moving_var = bn.get_weights()
    np.testing.assert_allclose(moving_mean, 0.01 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(moving_var, 0.99 + 0.01 * var, rtol=1e-5)
    y_inf = bn(x).numpy()  # inference: moving statistics
    np.testing.assert_allclose(y_inf, (x - moving_mean) / np.sqrt(moving_var + 1e-3), rtol=1e-4, atol=1e-4)
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2


def test_frozen_batch_normalization_uses_moving_statistics(rng):
    x = rng.normal(size=(6, 3)).astype(np.float32)
    bn = layers.BatchNormalization()
    bn(x)
    bn.trainable = False
    before = bn.get_weights()
    np.testing.assert_allclose(bn(x, training=True).numpy(), x / np.sqrt(1 + 1e-3), rtol=1e-5)
    for a, b in zip(before, bn.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4


def test_dropout_rescaling_activation_layers(rng):
    x = rng.normal(size=(4, 5)).astype(np.float32)
    np.testing.assert_array_equal(layers.Dropout(0.5)(x).numpy(), x)  # inference: identity
    kept = layers.Dropout(0.5)(np.ones((200, 50), np.float32), training=True).numpy()
    assert set(np.unique(kept)) <= {0.0, 2.0} and 0.4 < kept.mean() / 2 < 0.6
    np.testing.assert_allclose(layers.Rescaling(1 / 255, offset=-1)(x).numpy(), x / 255 - 1, rtol=1e-6)
    sm = layers.Activation("softmax")(x).numpy()
    np.testing.assert_allclose(sm, np.exp(x) / np.exp(x).sum(-1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(layers.ReLU(max_value=0.5)(x).numpy(), np.clip(x, 0, 0.5))
    np.testing.assert_allclose(layers.LeakyReLU()(x).numpy(), np.where(x > 0, x, 0.3 * x), rtol=1e-6)
    img = rng.normal(size=(2, 3, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(layers.Softmax()(img).numpy().sum(-1), 1, rtol=1e-5)
    np.testing.assert_allclose(layers.GlobalAveragePooling2D()(img).numpy(), img.mean(axis=(1, 2)), rtol=1e-5)
    np.testing.assert_allclose(layers.GlobalMaxPooling2D()(img).numpy(), img.max(axis=(1, 2)))
    padded = layers.ZeroPadding2D(((1, 0), (0, 2)))(img).numpy()
    assert padded.shape == (2, 4, 5, 4) and np.all(padded[:, 0] == 0) and np.all(padded[:, :, 3:] == 0)


def test_input_shape_on_first_layer_and_lazy_build():
    model = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2)])
    assert model.built and model.count_params() == 3 * 4 + 4 + 4 * 2 + 2
    lazy = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not lazy.built
    with pytest.raises(ValueError, match="isn't built"):
        lazy.layers[0].count_params()
    out = lazy(np.zeros((5, 7), np.float32))
    assert out.shape == (5, 2) and lazy.count_params() == 7 * 4 + 4 + 4 * 2 + 2
    grown = keras.Sequential()
    grown.add(keras.Input((6,)))
    grown.add(layers.Dense(3))
    assert grown.output_shape == (None, 3)


def test_incompatible_input_is_a_clear_error():
    model = keras.Sequential([keras.Input((8,)), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 8"):
        model.predict(np.zeros((2, 5), np.float32), verbose=0)
    with pytest.raises(ValueError, match="unique names"):
        keras.Sequential([layers.Dense(2, name="d"), layers.Dense(2, name="d")])
    with pytest.raises(TypeError, match="Only instances of `keras.Layer`"):
        keras.Sequential([lambda x: x])
    with pytest.raises(ValueError, match="smaller than the kernel"):
        keras.Sequential([keras.Input((2, 2, 1)), layers.Conv2D(1, 3)])


def test_functional_dag_add_concatenate(rng):
    inp = keras.Input((5,))
    a = layers.Dense(4, activation="relu")(inp)
    b = layers.Dense(4)(inp)
    merged = layers.Concatenate()([layers.Add()([a, b]), a])
    out = layers.Dense(2)(merged)
    model = keras.Model(inp, out)
    assert model.name == "functional"
    assert [type(layer).__name__ for layer in model.layers] == [
        "InputLayer", "Dense", "Dense", "Add", "Concatenate", "Dense"]
    x = rng.normal(size=(3, 5)).astype(np.float32)
    wa, ba, wb, bb, wo, bo = model.get_weights()
    ha = np.maximum(x @ wa + ba, 0)
    expected = np.concatenate([ha + x @ wb + bb, ha], axis=1) @ wo + bo
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    sub = keras.Model(inputs=model.inputs, outputs=model.layers[1].output)  # feature extractor
    np.testing.assert_allclose(sub.predict(x, verbose=0), ha, rtol=1e-5, atol=1e-6)


def test_functional_two_inputs_image_concat(rng):
    left, right = keras.Input((4, 4, 1)), keras.Input((4, 4, 2))
    merged = layers.Concatenate(axis=-1)([left, right])
    model = keras.Model([left, right], layers.Flatten()(merged))
    a = rng.normal(size=(2, 4, 4, 1)).astype(np.float32)
    b = rng.normal(size=(2, 4, 4, 2)).astype(np.float32)
    np.testing.assert_array_equal(model.predict([a, b], verbose=0),
                                  np.concatenate([a, b], axis=-1).reshape(2, -1))


def test_subclassed_model_and_custom_layer(rng):
    class Scale(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, inputs):
            return inputs * self.w.tensor

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(3)
            self.scale = Scale()

        def call(self, inputs):
            return self.scale(self.dense(inputs))

    net = Net()
    assert net.name == "net"
    x = rng.normal(size=(4, 2)).astype(np.float32)
    out = net.predict(x, verbose=0)
    kernel, bias, w = net.get_weights()
    np.testing.assert_allclose(out, (x @ kernel + bias) * w, rtol=1e-5, atol=1e-6)
    net.compile(optimizer="sgd", loss="mse")
    net.fit(x, np.zeros((4, 3), np.float32), verbose=0)
    assert not np.allclose(net.get_weights()[2], 1.0)  # the custom weight trained


SUMMARY_KERAS_60 = """Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┓
┃ Layer (type)             ┃ Output Shape      ┃   Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━┩
│ conv2d (Conv2D)          │ (None, 26, 26,    │       320 │
│                          │ 32)               │           │
├──────────────────────────┼───────────────────┼───────────┤
│ batch_normalization      │ (None, 26, 26,    │       128 │
│ (BatchNormalization)     │ 32)               │           │
├──────────────────────────┼───────────────────┼───────────┤
│ max_pooling2d            │ (None, 13, 13,    │         0 │
│ (MaxPooling2D)           │ 32)               │           │
├──────────────────────────┼───────────────────┼───────────┤
│ flatten (Flatten)        │ (None, 5408)      │         0 │
├──────────────────────────┼───────────────────┼───────────┤
│ dense (Dense)            │ (None, 10)        │    54,090 │
└──────────────────────────┴───────────────────┴───────────┘
 Total params: 54,538 (213.04 KB)
 Trainable params: 54,474 (212.79 KB)
 Non-trainable params: 64 (256.00 B)
"""


def test_summary_matches_keras_table():
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Conv2D(32, 3, activation="relu"),
                              layers.BatchNormalization(), layers.MaxPooling2D(), layers.Flatten(),
                              layers.Dense(10, activation="softmax")])
    lines = []
    model.summary(line_length=60, print_fn=lines.append)
    assert lines[0] == SUMMARY_KERAS_60
    assert model.count_params() == 54538


def test_summary_of_unbuilt_model_and_optimizer_line(capsys):
    model = keras.Sequential([layers.Dense(2), layers.Dense(1)])
    model.summary(line_length=60)
    text = capsys.readouterr().out
    assert "(unbuilt)" in text and "│ ?" in text and "Total params: 0 (0.00 B)" in text
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.zeros((4, 3), np.float32), np.zeros((4, 2), np.float32), verbose=0)
    model.summary(line_length=60)
    # Adam: iterations + learning rate + two slots per weight value (8 weights) = 18
    assert " Optimizer params: 18 (72.00 B)" in capsys.readouterr().out


def test_normalization_adapt_and_random_flip(rng):
    x = rng.normal(3, 2, size=(10, 4, 4, 3)).astype(np.float32)
    norm = layers.Normalization()
    norm.adapt(x)
    assert [w.name for w in norm.weights] == ["mean", "variance", "count"]
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    np.testing.assert_allclose(norm(x).numpy(), (x - mean) / np.sqrt(var), atol=1e-5)
    assert float(layers.Normalization(mean=3.0, variance=4.0)(np.array([[5.0]])).numpy()[0, 0]) == 1.0
    images = rng.normal(size=(64, 3, 4, 2)).astype(np.float32)
    flip = layers.RandomFlip("horizontal")
    np.testing.assert_array_equal(flip(images, training=False).numpy(), images)  # inference: identity
    out = flip(images).numpy()  # a plain call flips, as Keras' call(..., training=True)
    flipped = [np.array_equal(b, a[:, ::-1]) for a, b in zip(images, out)]
    kept = [np.array_equal(b, a) for a, b in zip(images, out)]
    assert all(f or k for f, k in zip(flipped, kept)) and 10 < sum(flipped) < 54
