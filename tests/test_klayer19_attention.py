"""Keras 3 attention layers: weight paths, config and mask handling, checked against Keras 3.15 (JAX)
with the import switched (``import keras``)."""
import numpy as np

import minidl.keras as keras

RNG = np.random.RandomState(42)
Q = RNG.randn(2, 3, 4).astype("float32")
V = RNG.randn(2, 5, 4).astype("float32")
QM = np.array([[1, 1, 0], [1, 0, 0]], bool)
VM = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)


def _set(layer, seed=1):
    rng = np.random.RandomState(seed)
    layer.set_weights([rng.uniform(-0.5, 0.5, size=tuple(w.shape)).astype("float32") for w in layer.get_weights()])


def test_mha_weight_paths_nest_under_the_layer():
    mha = keras.layers.MultiHeadAttention(2, 3, name="mha")
    mha(Q, V)
    assert [w.path for w in mha.weights] == [f"mha/{p}/{k}" for p in ("query", "key", "value", "attention_output")
                                             for k in ("kernel", "bias")]
    assert [w.name for w in mha.weights][:2] == ["kernel", "bias"]


def test_nested_layer_paths_follow_keras_name_scopes():
    class Outer(keras.layers.Layer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.d = keras.layers.Dense(2, name="inner")
            self.e = keras.layers.Dense(2, name="eager")
            self.e.build((None, 3))  # built in __init__: outside the outer scope

        def call(self, x):
            return self.d(x)

    class Outer2(keras.layers.Layer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.d = keras.layers.Dense(2, name="inner")

        def build(self, shape):
            self.d.build(shape)
            self.w0 = self.add_weight(shape=(1,), name="w0")

        def call(self, x):
            return self.d(x)

    outer = Outer(name="outer")
    outer(np.zeros((1, 3), "float32"))
    assert [w.path for w in outer.weights] == ["outer/inner/kernel", "outer/inner/bias", "eager/kernel", "eager/bias"]
    outer2 = Outer2(name="outer2")
    outer2(np.zeros((1, 3), "float32"))
    assert [w.path for w in outer2.weights] == ["outer2/w0", "outer2/inner/kernel", "outer2/inner/bias"]
    x = keras.Input((3,))
    model = keras.Model(x, outer2(x), name="fun")  # already built: paths kept
    assert [w.path for w in model.weights] == ["outer2/w0", "outer2/inner/kernel", "outer2/inner/bias"]
    y = keras.layers.Dense(2, name="d")(x)
    assert [w.path for w in keras.Model(x, y).weights] == ["d/kernel", "d/bias"]
    seq = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="a"), keras.layers.Dense(1, name="b")],
                           name="seq")
    assert [w.path for w in seq.weights] == ["seq/a/kernel", "seq/a/bias", "seq/b/kernel", "seq/b/bias"]
    td = keras.layers.TimeDistributed(keras.layers.Dense(2, name="dd"), name="td")
    td(np.zeros((1, 2, 3), "float32"))
    assert [w.path for w in td.weights] == ["td/dd/kernel", "td/dd/bias"]


def test_mha_attention_axes_config():
    mha = keras.layers.MultiHeadAttention(2, 3)
    assert mha.get_config()["attention_axes"] is None
    mha(Q, V)
    assert mha.get_config()["attention_axes"] == (1,)
    assert keras.layers.MultiHeadAttention(2, 3, attention_axes=2).get_config()["attention_axes"] == (2,)
    x = RNG.randn(2, 3, 4, 5).astype("float32")
    mha = keras.layers.MultiHeadAttention(2, 3, attention_axes=[1, 2])
    out, scores = mha(x, x, return_attention_scores=True)
    assert tuple(out.shape) == (2, 3, 4, 5) and tuple(scores.shape) == (2, 2, 3, 4, 3, 4)
    assert mha.get_config()["attention_axes"] == (1, 2)


def test_mha_explicit_query_mask_is_ignored_but_gqa_uses_it():
    mha = keras.layers.MultiHeadAttention(2, 3)
    mha(Q, V)
    _set(mha)
    plain, plain_scores = mha(Q, V, value_mask=VM, return_attention_scores=True)
    masked, masked_scores = mha(Q, V, query_mask=QM, value_mask=VM, return_attention_scores=True)
    np.testing.assert_allclose(np.asarray(masked), np.asarray(plain), atol=1e-6)
    np.testing.assert_allclose(np.asarray(masked_scores), np.asarray(plain_scores), atol=1e-6)
    assert np.all(np.asarray(plain_scores)[0, :, :, 3:] == 0)
    gqa = keras.layers.GroupQueryAttention(3, 4, 2)
    gqa(Q, V)
    _set(gqa)
    _, scores = gqa(Q, V, query_mask=QM, value_mask=VM, return_attention_scores=True)
    scores = np.asarray(scores)
    assert np.all(scores[1, :, 1:] == 0) and np.all(scores[0, :, 2] == 0)  # masked query rows: zeros
    out = np.asarray(gqa(Q, V, query_mask=QM))  # the fused path: a fully masked row attends uniformly
    np.testing.assert_allclose(out[1, 1], out[1, 2], atol=1e-6)


def test_attention_compute_output_shape_takes_the_value_dim():
    layer = keras.layers.Attention()
    assert tuple(layer.compute_output_shape([(2, 3, 4), (2, 5, 6)])) == (2, 3, 6)
    assert tuple(layer.compute_output_shape([(2, 3, 4), (2, 5, 4)])) == (2, 3, 4)


def test_subclassed_model_and_lazy_sequential_paths():
    class M(keras.Model):
        def __init__(self):
            super().__init__(name="mm")
            self.d = keras.layers.Dense(2, name="d1")
            self.bn = keras.layers.BatchNormalization(name="bn")

        def call(self, x):
            return self.bn(self.d(x))

    model = M()
    model(np.zeros((2, 3), "float32"))
    assert [w.path for w in model.weights] == ["mm/d1/kernel", "mm/d1/bias", "mm/bn/gamma", "mm/bn/beta",
                                               "mm/bn/moving_mean", "mm/bn/moving_variance"]
    lazy = keras.Sequential([keras.layers.Dense(2, name="a")], name="lazy")
    lazy(np.zeros((1, 3), "float32"))
    assert [w.path for w in lazy.weights] == ["lazy/a/kernel", "lazy/a/bias"]
    built = keras.Sequential([keras.layers.Dense(2, name="a2")], name="lazy2")
    built.build((None, 3))
    assert [w.path for w in built.weights] == ["lazy2/a2/kernel", "lazy2/a2/bias"]


def test_layer_path_is_where_it_was_built():
    seq = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="a"), keras.layers.ReLU(name="r")],
                           name="s")
    assert (seq.layers[0].path, seq.layers[1].path, seq.path) == ("s/a", None, "s")
    dense = keras.layers.Dense(2)
    assert dense.path is None
    dense.build((None, 3))
    assert dense.path == dense.name
    mha = keras.layers.MultiHeadAttention(2, 3, name="mh")
    mha(Q, V)
    assert (mha.path, mha.query_dense.path) == ("mh", "mh/query")
    bi = keras.layers.Bidirectional(keras.layers.LSTM(2, name="l"), name="bi")
    bi(np.zeros((1, 2, 3), "float32"))
    assert (bi.path, bi.forward_layer.path) == ("bi", "bi/forward_l")
