"""RMSNormalization, InputSpec, layers.serialize/deserialize, SpectralNormalization, GroupQueryAttention
and ReversibleEmbedding: configs, symbolic use, training, saving, errors and float64 gradients.
Values against Keras: tests/test_keras_layers_more_values.py."""
import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.autograd import gradcheck
from minidl.keras import layers

RNG = np.random.default_rng(11)


def _x(*shape):
    return RNG.standard_normal(shape).astype("f4")


def _to_float64(layer):
    for p in list(layer.parameters()) + list(layer.buffers()):
        p.array = RNG.standard_normal(p.array.shape) * 0.5 + (1.0 if p.ndim == 1 else 0.0)


# ---------------------------------------------------------------- RMSNormalization
def test_rms_normalization_values_config_and_gradients():
    x = _x(2, 3, 4, 5)
    layer = layers.RMSNormalization(axis=[1, 3], epsilon=1e-5)
    out = layer(x).numpy()
    np.testing.assert_allclose(out, x / np.sqrt((x ** 2).mean((1, 3), keepdims=True) + 1e-5), rtol=1e-5)
    assert tuple(layer.scale.shape) == (3, 5) and layer.get_config()["axis"] == [1, 3]
    again = layers.RMSNormalization.from_config(layer.get_config())
    assert again.epsilon == 1e-5
    dense = layers.RMSNormalization()
    dense(_x(2, 4))
    _to_float64(dense)
    t = minidl.tensor(RNG.standard_normal((2, 4)), requires_grad=True)
    assert gradcheck(lambda v: dense._forward(v), (t,))
    layer4 = layers.RMSNormalization(axis=[1, 3])
    layer4(x)
    _to_float64(layer4)
    t4 = minidl.tensor(RNG.standard_normal((2, 5, 3, 4)), requires_grad=True)  # internal NCHW of (2, 3, 4, 5)
    assert gradcheck(lambda v: layer4._forward(v), (t4,))
    with pytest.raises(ValueError, match="out of bounds"):
        layers.RMSNormalization(axis=3)(_x(2, 3))


def test_rms_normalization_in_a_model_fits_and_saves(tmp_path):
    model = keras.Sequential([keras.Input((6,)), layers.Dense(4), layers.RMSNormalization(), layers.Dense(1)])
    model.compile("adam", "mse")
    x, y = _x(8, 6), _x(8, 1)
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "rms.keras"
    model.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


# ---------------------------------------------------------------- InputSpec
class _Doubler(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = keras.InputSpec(ndim=4, axes={-1: 3})

    def call(self, x):
        return x * 2


def test_input_spec_checks_calls_with_keras_errors():
    assert keras.InputSpec is layers.InputSpec
    layer = _Doubler(name="dbl")
    assert layer(np.ones((1, 2, 2, 3), "f4")).shape == (1, 2, 2, 3)
    with pytest.raises(ValueError, match=r"Input 0 with name 'None' of layer 'dbl' is incompatible with the layer: "
                                         r"expected ndim=4, found ndim=3. Full shape received: \(1, 2, 3\)"):
        layer(np.ones((1, 2, 3), "f4"))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3, but received input with "
                                         r"shape \(None, 2, 2, 4\)"):
        layer(keras.Input((2, 2, 4)))
    spec = keras.InputSpec(shape=(None, 3), dtype="float32")
    assert spec.ndim == 2 and repr(spec) == "InputSpec(dtype=float32, shape=(None, 3), ndim=2)"
    assert keras.InputSpec.from_config(spec.get_config()).shape == (None, 3)
    with pytest.raises(ValueError, match="expected min_ndim=3"):
        from minidl.keras.layers.input_spec import assert_input_compatibility
        assert_input_compatibility(keras.InputSpec(min_ndim=3), np.zeros((2, 2)), "x")
    with pytest.raises(ValueError, match="expected dtype=int32, found dtype=float32"):
        assert_input_compatibility(keras.InputSpec(dtype="int32"), np.zeros((2, 2), "f4"), "x")
    with pytest.raises(ValueError, match="expected shape=\\(None, 3\\), found shape=\\(2, 4\\)"):
        assert_input_compatibility(spec, np.zeros((2, 4), "f4"), "x")
    with pytest.raises(ValueError, match="expects 2 input\\(s\\), but it received 1"):
        assert_input_compatibility([spec, spec], np.zeros((2, 3), "f4"), "x")
    with pytest.raises(TypeError, match="Argument `axes` must be a dict with integer keys"):
        keras.InputSpec(axes={"a": 1})


# ---------------------------------------------------------------- serialize / deserialize
def test_layers_serialize_deserialize():
    dense = layers.Dense(3, activation="relu", kernel_constraint="non_neg")
    dense(np.zeros((2, 4), "f4"))
    config = layers.serialize(dense)
    assert config["module"] == "keras.layers" and config["class_name"] == "Dense"
    assert config["build_config"] == {"input_shape": [2, 4]}
    back = layers.deserialize(config)
    assert isinstance(back, layers.Dense) and back.built and back.units == 3
    assert type(back.kernel_constraint).__name__ == "NonNeg"
    wrapped = layers.deserialize(layers.serialize(layers.SpectralNormalization(layers.Dense(2), power_iterations=2)))
    assert isinstance(wrapped.layer, layers.Dense) and wrapped.power_iterations == 2
    custom = layers.deserialize({"class_name": "_Doubler", "config": {"name": "d"}},
                                custom_objects={"_Doubler": _Doubler})
    assert isinstance(custom, _Doubler)
    with pytest.raises(TypeError, match="Could not locate class 'Foo'"):
        layers.deserialize({"class_name": "Foo", "config": {}})
    with pytest.raises(ValueError, match="not a `keras.layers.Layer`"):
        layers.deserialize("dense")


# ---------------------------------------------------------------- SpectralNormalization
def test_spectral_normalization_weights_training_and_saving(tmp_path):
    layer = layers.SpectralNormalization(layers.Dense(3))
    layer(np.zeros((1, 4), "f4"))
    assert [w.name for w in layer.weights] == ["kernel", "vector_u", "bias"]
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    assert [w.name for w in layer.non_trainable_weights] == ["vector_u"]
    x = _x(8, 4)
    # after training steps the kernel's largest singular value is about 1 (power iteration converges)
    model = keras.Sequential([keras.Input((4,)), layers.SpectralNormalization(layers.Dense(3), power_iterations=5)])
    model.compile(keras.optimizers.SGD(1e-3), "mse")
    model.fit(x, _x(8, 3), epochs=5, verbose=0)
    kernel = model.layers[0].layer.get_weights()[0]
    assert abs(np.linalg.svd(kernel, compute_uv=False)[0] - 1.0) < 0.05
    path = tmp_path / "sn.keras"
    model.save(path)
    back = keras.models.load_model(path)
    for a, b in zip(back.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)  # vector_u too
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(ValueError, match="`power_iterations` should be greater than zero"):
        layers.SpectralNormalization(layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="has no attribute 'kernel' nor 'embeddings'"):
        layers.SpectralNormalization(layers.ReLU())(np.zeros((1, 2), "f4"))


# ---------------------------------------------------------------- GroupQueryAttention
def test_group_query_attention_functional_config_saving(tmp_path):
    q_in, v_in = keras.Input((5, 8)), keras.Input((7, 8))
    gqa = layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2, dropout=0.1)
    out, scores = gqa(q_in, v_in, return_attention_scores=True)
    assert tuple(out.shape) == (None, 5, 8) and tuple(scores.shape) == (None, 4, 5, 7)
    assert [tuple(w.shape) for w in gqa.weights] == [(8, 4, 4), (4, 4), (8, 2, 4), (2, 4), (8, 2, 4), (2, 4),
                                                     (4, 4, 8), (8,)]
    model = keras.Model([q_in, v_in], out)
    model.compile("adam", "mse")
    xs = [_x(3, 5, 8), _x(3, 7, 8)]
    model.fit(xs, _x(3, 5, 8), epochs=1, verbose=0)
    model.summary(print_fn=lambda *a, **k: None)
    path = tmp_path / "gqa.keras"
    model.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).predict(xs, verbose=0), model.predict(xs, verbose=0),
                               rtol=1e-5)
    config = gqa.get_config()
    assert config["num_key_value_heads"] == 2 and config["head_dim"] == 4
    assert layers.GroupQueryAttention.from_config(config).get_config() == dict(config, name=config["name"])
    with pytest.raises(ValueError, match="`num_query_heads` must be divisible by `num_key_value_heads`"):
        layers.GroupQueryAttention(4, 3, 2)


def test_group_query_attention_equals_mha_when_heads_match_and_gradients():
    """With as many key/value heads as query heads it is MultiHeadAttention with the same weights."""
    q, v = _x(2, 3, 6), _x(2, 4, 6)
    gqa = layers.GroupQueryAttention(2, 3, 3)
    mha = layers.MultiHeadAttention(3, 2)
    gqa(q, v)
    mha(q, v)
    mha.set_weights(gqa.get_weights())
    np.testing.assert_allclose(gqa(q, v, use_causal_mask=True).numpy(), mha(q, v, use_causal_mask=True).numpy(),
                               rtol=1e-5, atol=1e-6)
    grouped = layers.GroupQueryAttention(2, 4, 2, use_gate=True, sliding_window=2)
    grouped(q, v)
    _to_float64(grouped)
    t = minidl.tensor(RNG.standard_normal((1, 3, 6)), requires_grad=True)
    with grouped.call_options({"has_key": False}):
        assert gradcheck(lambda a: grouped._forward([a, a * 0.5]), (t,))


# ---------------------------------------------------------------- ReversibleEmbedding
def test_reversible_embedding_tied_untied_and_saving(tmp_path):
    emb = layers.ReversibleEmbedding(10, 4, mask_zero=True)
    ids = np.array([[1, 2, 0]])
    vectors = emb(ids)
    assert vectors.shape == (1, 3, 4)
    logits = emb(vectors, reverse=True)
    np.testing.assert_allclose(logits.numpy(), vectors.numpy() @ emb.get_weights()[0].T, rtol=1e-5)
    assert emb.compute_output_shape((None, 3, 4), reverse=True) == (None, 3, 10)
    untied = layers.ReversibleEmbedding(10, 4, tie_weights=False, logit_soft_cap=1.5)
    untied(ids)
    assert [w.name for w in untied.weights] == ["embeddings", "reverse_embeddings"]
    capped = untied(vectors, reverse=True).numpy()
    assert np.all(np.abs(capped) < 1.5)
    config = untied.get_config()
    assert config["tie_weights"] is False and config["logit_soft_cap"] == 1.5
    model = keras.Sequential([keras.Input((3,), dtype="int32"), layers.ReversibleEmbedding(10, 4),
                              layers.GlobalAveragePooling1D(), layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(np.array([[1, 2, 3], [4, 5, 6]]), np.ones((2, 1), "f4"), epochs=1, verbose=0)
    path = tmp_path / "remb.keras"
    model.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).get_weights()[0], model.get_weights()[0])
    with pytest.raises(ValueError, match="last dimension 4"):
        emb(np.zeros((1, 5), "f4"), reverse=True)
    emb64 = layers.ReversibleEmbedding(5, 3, tie_weights=False, logit_soft_cap=2.0)
    emb64(np.array([[1]]))
    _to_float64(emb64)
    t = minidl.tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    assert gradcheck(lambda a: emb64._reverse_logits(a), (t,))


def test_reversible_embedding_functional_tied_model():
    """A tied language-model head: the same layer embeds ids and maps the hidden states back to logits."""
    ids = keras.Input((4,), dtype="int32")
    emb = layers.ReversibleEmbedding(12, 6)
    hidden = layers.Dense(6)(emb(ids))
    logits = emb(hidden, reverse=True)
    assert tuple(logits.shape) == (None, 4, 12)
    model = keras.Model(ids, logits)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    data = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    model.fit(data, data, epochs=1, verbose=0)
    out = model.predict(data, verbose=0)
    want = model.layers[2](emb(data)).numpy() @ emb.get_weights()[0].T
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-5)
    # the reverse option is recorded on the node (a .keras file's call kwargs)
    config = model.get_config()
    entry = next(e for e in config["layers"] if e["class_name"] == "ReversibleEmbedding")
    assert [n.get("kwargs", {}).get("reverse", False) for n in entry["inbound_nodes"]] == [False, True]
