"""``keras.ops.nn``'s convolution, pooling, normalisation, attention and CTC ops against Keras 3 itself.

The fixture ``tests/fixtures/keras_ops_nn.npz`` holds random inputs and the outputs of Keras 3.15 on
the JAX backend; ``tests/fixtures/make_keras_ops_nn.py`` wrote it. Gradients are checked in float64
by finite differences (``minidl.autograd.gradcheck``).
"""
from pathlib import Path

import numpy as np
import pytest

import minidl
from minidl.autograd import gradcheck
from minidl.keras import ops

FIXTURE = dict(np.load(Path(__file__).parent / "fixtures" / "keras_ops_nn.npz"))
X2, X1 = FIXTURE["x2"], FIXTURE["x1"]


def _cases():
    f = FIXTURE
    cases = {}
    for pad in ("valid", "same"):
        cases[f"conv_{pad}"] = lambda pad=pad: ops.conv(X2, f["k2"], strides=(2, 1), padding=pad)
        cases[f"conv_dil_{pad}"] = lambda pad=pad: ops.conv(X2, f["k2"], padding=pad, dilation_rate=(1, 2))
        cases[f"convg_{pad}"] = lambda pad=pad: ops.conv(X2, f["k2g"], strides=2, padding=pad)
        cases[f"conv1_{pad}"] = lambda pad=pad: ops.conv(X1, f["k1"], strides=2, padding=pad)
        cases[f"dw_{pad}"] = lambda pad=pad: ops.depthwise_conv(X2, f["kd"], strides=2, padding=pad)
        cases[f"sep_{pad}"] = lambda pad=pad: ops.separable_conv(X2, f["kd"], f["kp"], padding=pad)
        cases[f"maxp_{pad}"] = lambda pad=pad: ops.max_pool(X2, (2, 2), strides=(2, 2), padding=pad)
        cases[f"avgp_{pad}"] = lambda pad=pad: ops.average_pool(X2, (3, 2), strides=2, padding=pad)
        cases[f"avgp1_{pad}"] = lambda pad=pad: ops.average_pool(X1, (2,), strides=(2,), padding=pad)
        for s in (1, 2):
            cases[f"convt_{pad}_{s}"] = lambda pad=pad, s=s: ops.conv_transpose(X2, f["kt"], strides=s, padding=pad)
        cases[f"convt_op_{pad}"] = lambda pad=pad: ops.conv_transpose(X2, f["kt"], strides=2, padding=pad,
                                                                      output_padding=1)
    cases["ada_avg"] = lambda: ops.adaptive_average_pool(X2, (3, 4))
    cases["ada_max"] = lambda: ops.adaptive_max_pool(X2, (2, 4))
    cases["d2s"] = lambda: ops.depth_to_space(f["d2s_in"], 2)
    cases["s2d"] = lambda: ops.space_to_depth(X2[:, :4, :6], 2)
    cases["bn"] = lambda: ops.batch_normalization(X2, f["bn_mean"], f["bn_var"], axis=-1, offset=f["bn_off"],
                                                  scale=f["bn_scale"])
    cases["ln"] = lambda: ops.layer_normalization(X2, gamma=f["bn_scale"], beta=f["bn_off"])
    cases["ln_axes"] = lambda: ops.layer_normalization(X2, axis=(1, 2), epsilon=1e-5)
    cases["rms"] = lambda: ops.rms_normalization(X2, scale=f["bn_scale"])
    cases["attn"] = lambda: ops.dot_product_attention(f["q"], f["k"], f["v"])
    cases["attn_masked"] = lambda: ops.dot_product_attention(f["q"], f["k"], f["v"], bias=f["attn_bias"],
                                                             mask=f["attn_mask"], scale=0.7)
    cases["attn_causal"] = lambda: ops.dot_product_attention(f["q"], f["k"], f["v"], is_causal=True)
    cases["ctc"] = lambda: ops.ctc_loss(f["ctc_target"], f["ctc_logits"], f["ctc_tlen"], f["ctc_olen"])
    cases["ctc_greedy"] = lambda: ops.ctc_decode(f["ctc_logits"], f["ctc_olen"], strategy="greedy")[0][0]
    for top in (1, 3):
        for i, kind in enumerate(("paths", "scores")):
            cases[f"ctc_beam_{kind}_{top}"] = lambda top=top, i=i: ops.ctc_decode(
                f["ctc_logits"], f["ctc_olen"], strategy="beam_search", beam_width=4, top_paths=top)[i]
    for i, kind in enumerate(("paths", "scores")):
        cases[f"ctc_beam_{kind}_m3"] = lambda i=i: ops.ctc_decode(f["ctc_logits"], f["ctc_olen"],
                                                                  strategy="beam_search", beam_width=3, top_paths=2,
                                                                  mask_index=3)[i]
    return cases


CASES = _cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras(name):
    out = CASES[name]()
    assert isinstance(out, minidl.Tensor)
    got = ops.convert_to_numpy(out)
    assert got.shape == FIXTURE[name].shape
    np.testing.assert_allclose(got, FIXTURE[name], rtol=1e-4, atol=1e-4)


def test_channels_first_matches_channels_last():
    x = np.moveaxis(X2, -1, 1)
    for fn, args in [(ops.conv, (FIXTURE["k2"],)), (ops.max_pool, ((2, 2),)), (ops.depthwise_conv, (FIXTURE["kd"],))]:
        first = ops.convert_to_numpy(fn(x, *args, padding="same", data_format="channels_first"))
        last = ops.convert_to_numpy(fn(X2, *args, padding="same"))
        np.testing.assert_allclose(np.moveaxis(first, 1, -1), last, rtol=1e-5, atol=1e-6)


RNG = np.random.default_rng(3)


def _p(*shape):
    return minidl.tensor(RNG.standard_normal(shape), dtype=minidl.float64, requires_grad=True)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_family_gradients(padding):
    x = _p(1, 5, 4, 2)
    assert gradcheck(lambda a, k: ops.conv(a, k, strides=2, padding=padding), (x, _p(3, 2, 2, 3)))
    assert gradcheck(lambda a, k: ops.depthwise_conv(a, k, padding=padding), (x, _p(2, 2, 2, 2)))
    assert gradcheck(lambda a, k: ops.conv_transpose(a, k, strides=2, padding=padding), (x, _p(3, 2, 3, 2)))
    assert gradcheck(lambda a: ops.average_pool(a, (2, 3), strides=2, padding=padding), (x,))
    assert gradcheck(lambda a: ops.max_pool(a, 2, padding=padding), (x,))


def test_normalization_attention_ctc_gradients():
    x = _p(2, 3, 4)
    assert gradcheck(lambda a, g, b: ops.layer_normalization(a, g, b, axis=-1), (x, _p(4), _p(4)))
    assert gradcheck(lambda a, s: ops.rms_normalization(a, s), (x, _p(4)))
    assert gradcheck(lambda a, m, s: ops.batch_normalization(a, m, minidl.exp(s), axis=1), (x, _p(3), _p(3)))
    mask = minidl.tensor(RNG.random((2, 1, 3, 4)) > 0.3)
    assert gradcheck(lambda q, k, v: ops.dot_product_attention(q, k, v, mask=mask, is_causal=True),
                     (_p(2, 3, 4, 2), _p(2, 4, 2, 2), _p(2, 4, 2, 2)))
    target = np.array([[1, 2, 0], [2, 2, 1]])
    assert gradcheck(lambda logits: ops.ctc_loss(target, logits, np.array([2, 3]), np.array([5, 6])),
                     (_p(2, 6, 3),))


def test_space_depth_roundtrip_and_fold():
    x = RNG.standard_normal((2, 4, 6, 3)).astype(np.float32)
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.depth_to_space(ops.space_to_depth(x, 2), 2)), x)
    img = RNG.standard_normal((1, 2, 5, 5)).astype(np.float32)
    cols = ops.unfold(img, 3, padding=1)
    assert ops.shape(cols) == (1, 18, 25)
    ones = ops.fold(ops.unfold(np.ones_like(img), 3, padding=1), (5, 5), 3, padding=1)
    np.testing.assert_allclose(ops.convert_to_numpy(ops.fold(cols, (5, 5), 3, padding=1)),
                               img * ops.convert_to_numpy(ones), rtol=1e-5)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="padding"):
        ops.conv(X2, FIXTURE["k2"], padding="full")
    with pytest.raises(ValueError, match="kernel of shape"):
        ops.conv(X2, np.ones((3, 3, 2, 4), np.float32))
    with pytest.raises(ValueError, match="rank 3, 4 or 5"):
        ops.max_pool(np.ones((3, 3), np.float32), 2)
    with pytest.raises(ValueError, match="heads"):
        ops.dot_product_attention(np.ones((1, 2, 3, 4)), np.ones((1, 2, 2, 4)), np.ones((1, 2, 2, 4)))
    with pytest.raises(ValueError, match="strategy"):
        ops.ctc_decode(FIXTURE["ctc_logits"], FIXTURE["ctc_olen"], strategy="prefix")
    with pytest.raises(ValueError, match="top_paths"):
        ops.ctc_decode(FIXTURE["ctc_logits"], FIXTURE["ctc_olen"], strategy="beam_search", beam_width=2, top_paths=3)
    with pytest.raises(ValueError, match="divisible"):
        ops.depth_to_space(np.ones((1, 2, 2, 3), np.float32), 2)


def test_custom_layer_built_on_ops_trains_with_fit():
    from minidl import keras
    from minidl.keras import layers

    class ConvNormPool(layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(3, 3, input_shape[-1], 4), initializer="glorot_uniform",
                                          name="kernel")
            self.gamma = self.add_weight(shape=(4,), initializer="ones", name="gamma")

        def call(self, x):
            y = ops.nn.conv(x, self.kernel, padding="same")
            y = ops.nn.layer_normalization(y, gamma=self.gamma)
            return keras.activations.mish(ops.nn.max_pool(y, 2))

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 3)), ConvNormPool(), layers.Flatten(),
                              layers.Dense(2, activation="squareplus")])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).random((16, 8, 8, 3)).astype(np.float32)
    y = np.random.default_rng(1).random((16, 2)).astype(np.float32)
    kernel_before = model.layers[0].get_weights()[0].copy()
    history = model.fit(x, y, epochs=3, verbose=0).history["loss"]
    assert history[-1] < history[0]
    assert not np.allclose(model.layers[0].get_weights()[0], kernel_before)
