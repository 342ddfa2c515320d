"""Lambda, Wrapper, TimeDistributed, Dot, Permute, PReLU, ELU, GroupNormalization and
UnitNormalization of minidl.keras: NumPy references (Keras 3.15's values for fixed weights are
checked in tests/test_keras_attention.py through tests/fixtures/make_keras_attention_layers.py),
shapes, weights, masks, configs, training, saving and errors."""
import json
import warnings
import zipfile

import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.autograd import gradcheck
from minidl.keras import layers

RNG = np.random.default_rng(0)


def _f32(*shape):
    return RNG.normal(size=shape).astype("f4")


# --------------------------------------------------------------------------- Lambda
def test_lambda_function_arguments_output_shape_and_mask():
    x = _f32(2, 3, 4)
    np.testing.assert_allclose(layers.Lambda(lambda t: t ** 2)(x).numpy(), x ** 2, rtol=1e-6)
    scaled = layers.Lambda(lambda t, factor: t * factor, arguments={"factor": 3.0})
    np.testing.assert_allclose(scaled(x).numpy(), x * 3, rtol=1e-6)
    inp = keras.Input((3, 4))
    assert layers.Lambda(lambda t: keras.ops.sum(t, axis=1))(inp).shape == (None, 4)  # inferred
    assert layers.Lambda(lambda t: t, output_shape=(7,))(inp).shape == (None, 7)
    assert layers.Lambda(lambda t: t, output_shape=lambda s: (s[0], 99))(inp).shape == (None, 99)
    assert layers.Lambda(lambda t: t).compute_output_shape((None, 5)) == (None, 5)
    # masks: dropped (with Keras' warning) unless `mask` says otherwise
    emb = layers.Embedding(5, 4, mask_zero=True)(keras.Input((3,), dtype="int32"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dropped = layers.Lambda(lambda t: t * 2)(emb)
    assert not hasattr(dropped, "_keras_mask") and any("does not support masking" in str(w.message) for w in caught)
    kept = layers.Lambda(lambda t: t * 2, mask=lambda inputs, previous: previous)(emb)
    assert kept._keras_mask is not None
    fixed = layers.Lambda(lambda t: t, mask=[[True, False]])
    assert fixed(np.ones((1, 2, 3), np.float32))._keras_mask.numpy().tolist() == [[True, False]]
    assert layers.Lambda.from_config(fixed.get_config(), safe_mode=False).mask.numpy().tolist() == [[True, False]]
    seen = {}

    def fn(t, mask=None, training=None):
        seen["mask"], seen["training"] = mask, training
        return t
    ids = np.array([[1, 2, 0]])
    with warnings.catch_warnings():  # the mask stops here (no `mask=`), with Keras' warning
        warnings.simplefilter("ignore")
        layers.Lambda(fn)(layers.Embedding(5, 4, mask_zero=True)(ids), training=True)
    assert seen["mask"].numpy().tolist() == [[True, True, False]] and seen["training"] is True


def named_square(t):
    """A named function: saved by name."""
    return t * t


def test_lambda_config_saving_and_safe_mode(tmp_path):
    inp = keras.Input((3,))
    out = layers.Lambda(lambda t: t + 1.0, output_shape=(3,))(layers.Lambda(named_square)(inp))
    model = keras.Model(inp, layers.Dense(2)(out))
    x = _f32(4, 3)
    want = model(x).numpy()
    config = model.layers[1].get_config()
    assert config["function"] == {"module": __name__, "class_name": "function", "config": "named_square",
                                  "registered_name": "function"}
    lambda_config = model.layers[2].get_config()
    assert lambda_config["function"]["class_name"] == "__lambda__" and lambda_config["output_shape"] == (3,)
    path = tmp_path / "m.keras"
    model.save(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, safe_mode=False)
    np.testing.assert_allclose(loaded(x).numpy(), want, rtol=1e-6)
    clone = layers.Lambda.from_config(dict(config), custom_objects={"named_square": named_square})
    assert clone.function is named_square
    with pytest.raises(ValueError, match="Python lambda"):
        layers.Lambda.from_config(lambda_config)
    fn = layers.Lambda.from_config(lambda_config, safe_mode=False).function
    np.testing.assert_allclose(fn(minidl.tensor([1.0])).numpy(), [2.0])


def test_lambda_trains_in_a_model():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.Lambda(lambda t: keras.ops.tanh(t) * 2.0),
                              layers.Dense(1)])
    model.compile("adam", "mse")
    x = _f32(32, 4)
    y = x.sum(1, keepdims=True)
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first


# ------------------------------------------------------------------- TimeDistributed
def test_time_distributed_dense_and_conv_reference():
    x = _f32(2, 5, 3)
    td = layers.TimeDistributed(layers.Dense(4))
    out = td(x)
    kernel, bias = td.get_weights()
    np.testing.assert_allclose(out.numpy(), x @ kernel + bias, rtol=1e-5, atol=1e-6)
    assert [w.shape for w in td.weights] == [(3, 4), (4,)] and td.count_params() == 16
    video = _f32(2, 3, 6, 6, 2)
    conv_td = layers.TimeDistributed(layers.Conv2D(4, 3, padding="same"))
    out = conv_td(video)
    assert tuple(out.shape) == (2, 3, 6, 6, 4)
    for step in range(3):
        np.testing.assert_allclose(out.numpy()[:, step], conv_td.layer(video[:, step]).numpy(), rtol=1e-5, atol=1e-5)
    assert conv_td.compute_output_shape((None, 3, 6, 6, 2)) == (None, 3, 6, 6, 4)
    assert layers.TimeDistributed(layers.Dense(2)).compute_output_shape((None, None, 7)) == (None, None, 2)
    four_d = layers.TimeDistributed(layers.Flatten())(_f32(2, 3, 4, 5))
    assert tuple(four_d.shape) == (2, 3, 20)

    class Halve(layers.Layer):  # a user layer without compute_output_shape: its shape is traced
        def call(self, inputs):
            return inputs[:, : inputs.shape[1] // 2]
    assert layers.TimeDistributed(Halve())(keras.Input((3, 8))).shape == (None, 3, 4)


def test_time_distributed_mask_passes_and_model_saves(tmp_path):
    ids = keras.Input((None,), dtype="int32")
    emb = layers.Embedding(10, 4, mask_zero=True)(ids)
    td = layers.TimeDistributed(layers.Dense(3, activation="relu"))(emb)
    assert td._keras_mask is not None and td.shape == (None, None, 3)
    out = layers.LSTM(2)(td)
    model = keras.Model(ids, layers.Dense(1)(out))
    data = RNG.integers(1, 10, size=(8, 5))
    data[:, 3:] = 0
    want = model(data).numpy()
    # the LSTM gets the mask through TimeDistributed: the padded steps change nothing
    np.testing.assert_allclose(model(data[:, :3]).numpy(), want, rtol=1e-5, atol=1e-6)
    for suffix in (".keras", ".h5"):
        model.save(tmp_path / f"m{suffix}")
        loaded = keras.models.load_model(tmp_path / f"m{suffix}")
        np.testing.assert_allclose(loaded(data).numpy(), want, rtol=1e-5, atol=1e-6)
    config = json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("config.json"))
    entry = next(e for e in config["config"]["layers"] if e["class_name"] == "TimeDistributed")
    assert entry["config"]["layer"]["class_name"] == "Dense" and entry["config"]["layer"]["config"]["units"] == 3
    model.save_weights(tmp_path / "w.weights.h5")
    import h5py
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        assert f["layers/time_distributed/layer/vars/0"].shape == (4, 3)
    model.compile("adam", "mse")
    y = RNG.normal(size=(8, 1)).astype("f4")
    first = model.evaluate(data, y, verbose=0)
    model.fit(data, y, epochs=5, batch_size=4, verbose=0)
    assert model.evaluate(data, y, verbose=0) < first


def test_wrapper_base_and_errors():
    class Doubler(layers.Wrapper):
        def _forward(self, x, training=False):
            return self.layer._forward(x, training) * 2.0

    wrapped = Doubler(layers.Dense(2))
    x = _f32(3, 4)
    np.testing.assert_allclose(wrapped(x).numpy(), wrapped.layer(x).numpy() * 2, rtol=1e-6)
    assert wrapped.get_config()["layer"]["class_name"] == "Dense" and len(wrapped.weights) == 2
    rebuilt = Doubler.from_config(wrapped.get_config())
    assert isinstance(rebuilt.layer, layers.Dense) and rebuilt.layer.units == 2
    with pytest.raises(ValueError, match="isn't a supported layer type"):
        layers.Wrapper("dense")
    with pytest.raises(ValueError, match="keras.layers.Layer"):
        layers.TimeDistributed(3)
    with pytest.raises(ValueError, match=r"at least 3 dimensions, received: \(2, 4\)"):
        layers.TimeDistributed(layers.Dense(2))(np.ones((2, 4), np.float32))
    td = layers.TimeDistributed(layers.Dense(2))
    with pytest.raises(ValueError, match=r"mask.*\(2, 4\).*\(2, 3, 5\)"):
        td(np.ones((2, 3, 5), np.float32), mask=np.ones((2, 4), bool))


# ------------------------------------------------------------------ merging / reshaping
def test_dot_reference_shapes_and_config():
    a, b = _f32(2, 3, 4), _f32(2, 5, 4)
    np.testing.assert_allclose(layers.Dot(axes=2)([a, b]).numpy(), np.einsum("bik,bjk->bij", a, b), rtol=1e-5)
    np.testing.assert_allclose(layers.Dot(axes=(1, 1))([a[:, :, 0], b[:, :3, 1]]).numpy(),
                               (a[:, :, 0] * b[:, :3, 1]).sum(1, keepdims=True), rtol=1e-5)
    u, w = a[:, 0], b[:, 0]
    cosine = (u * w).sum(1) / np.linalg.norm(u, axis=1) / np.linalg.norm(w, axis=1)
    np.testing.assert_allclose(layers.Dot(axes=-1, normalize=True)([u, w]).numpy()[:, 0], cosine, rtol=1e-5)
    assert layers.Dot(axes=(1, 2)).compute_output_shape([(None, 3), (None, 4, 3)]) == (None, 4)
    assert layers.Dot(axes=1).compute_output_shape([(None, 3), (None, 3)]) == (None, 1)
    assert layers.dot([keras.Input((3, 4)), keras.Input((5, 4))], axes=2).shape == (None, 3, 5)
    config = layers.Dot(axes=[1, 2], normalize=True).get_config()
    assert config["axes"] == [1, 2] and config["normalize"] is True
    with pytest.raises(ValueError, match=r"axis values 4 \(at axis 2\) != 3 \(at axis 2\)"):
        layers.Dot(axes=2)([a, _f32(2, 5, 3)])
    with pytest.raises(ValueError, match="list of 2 inputs"):
        layers.Dot(axes=1)(a)
    with pytest.raises(TypeError, match="axes"):
        layers.Dot(axes="last")


def test_permute_reference_and_errors():
    x = _f32(2, 3, 4, 5)
    np.testing.assert_array_equal(layers.Permute((3, 1, 2))(x).numpy(), x.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(layers.Permute((2, 1))(x[..., 0]).numpy(), x[..., 0].transpose(0, 2, 1))
    assert layers.Permute((2, 1)).compute_output_shape((None, 3, 7)) == (None, 7, 3)
    assert layers.Permute((2, 1)).get_config()["dims"] == (2, 1)
    with pytest.raises(ValueError, match="Invalid permutation"):
        layers.Permute((0, 1))
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=4.*\(2, 3, 4, 5\)"):
        layers.Permute((2, 1))(x)


# ------------------------------------------------------------------ activations / norms
def test_prelu_elu_reference_weights_and_config():
    x = _f32(2, 3, 4, 5)
    prelu = layers.PReLU(alpha_initializer="ones", shared_axes=[1, 2])
    out = prelu(x)
    assert [tuple(w.shape) for w in prelu.weights] == [(1, 1, 5)] and prelu.weights[0].name == "alpha"
    alpha = _f32(1, 1, 5)
    prelu.set_weights([alpha])
    np.testing.assert_allclose(prelu(x).numpy(), np.where(x >= 0, x, alpha * x), rtol=1e-6)
    assert np.allclose(out.numpy(), x)  # alpha 1: the identity
    assert layers.PReLU().compute_output_shape((None, 4)) == (None, 4)
    config = layers.PReLU(shared_axes=1).get_config()
    assert config["shared_axes"] == [1] and config["alpha_initializer"]["class_name"] == "Zeros"
    np.testing.assert_allclose(layers.ELU(0.5)(x).numpy(), np.where(x > 0, x, 0.5 * np.expm1(x)), rtol=1e-5,
                               atol=1e-6)
    assert layers.ELU.from_config(layers.ELU(0.3).get_config()).alpha == 0.3
    with pytest.raises(ValueError, match=r"shared axis 4 .*\(None, 3\)"):
        layers.PReLU(shared_axes=4).build((None, 3))
    with pytest.raises(ValueError, match=r"p_re_lu.*\(2, 7\)"):
        prelu2 = layers.PReLU()
        prelu2(_f32(2, 3))
        prelu2(_f32(2, 7))


def _group_norm_ref(x, groups, gamma, beta, eps=1e-3):
    _n, c = x.shape[0], x.shape[-1]
    g = x.reshape(x.shape[:-1] + (groups, c // groups))
    axes = tuple(range(1, g.ndim - 2)) + (g.ndim - 1,)
    mean = g.mean(axis=axes, keepdims=True)
    var = g.var(axis=axes, keepdims=True)
    return ((g - mean) / np.sqrt(var + eps)).reshape(x.shape) * gamma + beta


def test_group_and_unit_normalization_reference_weights_config():
    x = _f32(2, 3, 4, 6)
    gn = layers.GroupNormalization(groups=2)
    gn(x)
    gamma, beta = _f32(6), _f32(6)
    gn.set_weights([gamma, beta])
    assert [w.name for w in gn.weights] == ["gamma", "beta"] and gn.count_params() == 12
    np.testing.assert_allclose(gn(x).numpy(), _group_norm_ref(x, 2, gamma, beta), rtol=1e-4, atol=1e-5)
    instance = layers.GroupNormalization(groups=-1, center=False, scale=False)
    np.testing.assert_allclose(instance(x).numpy(), _group_norm_ref(x, 6, 1.0, 0.0), rtol=1e-4, atol=1e-5)
    assert instance.weights == [] and instance.groups == 6
    config = layers.GroupNormalization(groups=4, epsilon=1e-5).get_config()
    assert config["groups"] == 4 and config["epsilon"] == 1e-5 and config["gamma_initializer"]["class_name"] == "Ones"
    unit = layers.UnitNormalization(axis=[1, 2])
    y = unit(x).numpy()
    np.testing.assert_allclose(y, x / np.sqrt((x ** 2).sum(axis=(1, 2), keepdims=True)), rtol=1e-5, atol=1e-6)
    assert unit.get_config()["axis"] == [1, 2]
    assert np.all(layers.UnitNormalization()(np.zeros((1, 3), np.float32)).numpy() == 0)
    with pytest.raises(ValueError, match=r"groups \(4\) must be a multiple.*\(6\)"):
        layers.GroupNormalization(groups=4)(x)
    with pytest.raises(ValueError, match=r"cannot be more than the number of channels \(6\)"):
        layers.GroupNormalization(groups=8)(x)
    with pytest.raises(ValueError, match="groups"):
        layers.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match=r"axis \[1, 5\] is out of bounds.*\(2, 3, 4, 6\)"):
        layers.UnitNormalization(axis=[1, 5])(x)
    with pytest.raises(TypeError, match="axis"):
        layers.UnitNormalization(axis="last")


def test_gradients_float64():
    x = minidl.tensor(RNG.normal(size=(2, 3, 4)), requires_grad=True)
    gn = layers.GroupNormalization(groups=2)
    gn.build((None, 3, 4))
    prelu = layers.PReLU(alpha_initializer="ones")
    prelu.build((None, 3, 4))
    for layer in (gn, prelu):
        for p in layer.parameters():
            p.array = (p.array * 0.5).astype(np.float64)
        assert gradcheck(lambda t, layer=layer: layer._forward(t), (x,))
    for layer in (layers.UnitNormalization(axis=[1, 2]), layers.ELU(0.7), layers.Permute((2, 1))):
        assert gradcheck(lambda t, layer=layer: layer._forward(t), (x,))
    y = minidl.tensor(RNG.normal(size=(2, 5, 4)), requires_grad=True)
    assert gradcheck(lambda a, b: layers.Dot(axes=2, normalize=True)._forward([a, b]), (x, y))
    td = layers.TimeDistributed(layers.Dense(2))
    td.build((None, 3, 4))
    for p in td.parameters():
        p.array = p.array.astype(np.float64)
    assert gradcheck(lambda t: td._forward(t), (x,))


def test_extras_train_and_save_in_one_model(tmp_path):
    inp = keras.Input((6, 4))
    h = layers.TimeDistributed(layers.Dense(8))(inp)
    h = layers.GroupNormalization(groups=4)(h)
    h = layers.PReLU(shared_axes=[1])(h)
    h = layers.ELU()(h)
    h = layers.Permute((2, 1))(h)
    h = layers.UnitNormalization(axis=1)(h)
    h = layers.Permute((2, 1))(h)
    d = layers.Dot(axes=2)([h, h])
    out = layers.Dense(1)(layers.Flatten()(d))
    model = keras.Model(inp, out)
    assert model.count_params() == (4 * 8 + 8) + 16 + 8 + (36 + 1)
    model.compile("adam", "mse")
    x = _f32(32, 6, 4)
    y = x.mean(axis=(1, 2))[:, None]
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=6, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first
    want = model(x).numpy()
    for suffix in (".keras", ".h5"):
        model.save(tmp_path / f"m{suffix}")
        np.testing.assert_allclose(keras.models.load_model(tmp_path / f"m{suffix}")(x).numpy(), want, rtol=1e-5,
                                   atol=1e-6)
    model.save_weights(tmp_path / "w.weights.h5")
    fresh = keras.models.load_model(tmp_path / "m.keras")
    fresh.set_weights([w * 0 for w in fresh.get_weights()])
    fresh.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_allclose(fresh(x).numpy(), want, rtol=1e-5, atol=1e-6)
