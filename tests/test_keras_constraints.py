"""``minidl.keras.constraints`` and the ``*_constraint`` arguments of the layers.

Expected values follow Keras 3.15's formulas (keras/src/constraints/constraints.py, epsilon 1e-7);
the MaxNorm numbers below were printed by ``keras.constraints.MaxNorm(1.0)(w)`` on the JAX backend.
"""
import numpy as np
import pytest

from minidl import keras
from minidl.keras import constraints, layers

EPS = 1e-7


def _w():
    return np.random.RandomState(0).randn(4, 3).astype(np.float32)


def test_max_norm_matches_keras_values():
    w = np.array([[3.0, 0.1], [4.0, 0.2]], np.float32)
    out = constraints.MaxNorm(1.0)(w).numpy()
    # keras.constraints.MaxNorm(1.0)(w) -> [[0.6, 0.1], [0.8, 0.2]] (column 2's norm 0.224 < 1 stays)
    np.testing.assert_allclose(out, [[0.6, 0.1], [0.8, 0.2]], rtol=1e-6)


@pytest.mark.parametrize("axis", [0, 1, [0, 1]])
def test_norm_constraints_formulas(axis):
    w = _w()
    ax = tuple(axis) if isinstance(axis, list) else axis
    norms = np.sqrt((w ** 2).sum(ax, keepdims=True))
    np.testing.assert_allclose(constraints.MaxNorm(1.5, axis)(w).numpy(),
                               w * np.clip(norms, 0, 1.5) / (EPS + norms), rtol=1e-5)
    np.testing.assert_allclose(constraints.UnitNorm(axis)(w).numpy(), w / (EPS + norms), rtol=1e-5)
    desired = 0.7 * np.clip(norms, 0.5, 1.2) + 0.3 * norms
    np.testing.assert_allclose(constraints.MinMaxNorm(0.5, 1.2, 0.7, axis)(w).numpy(),
                               w * desired / (EPS + norms), rtol=1e-5)
    np.testing.assert_array_equal(constraints.NonNeg()(w).numpy(), np.maximum(w, 0))
    w2 = _w()
    assert constraints.Constraint()(w2) is w2


def test_get_serialize_deserialize():
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("non_neg"), constraints.NonNeg)
    assert isinstance(constraints.get("unit_norm"), constraints.UnitNorm)
    assert isinstance(constraints.get("min_max_norm"), constraints.MinMaxNorm)
    assert isinstance(constraints.get("MaxNorm"), constraints.MaxNorm)
    assert constraints.get(None) is None
    assert constraints.get(constraints.NonNeg) is not constraints.NonNeg  # a class is instantiated
    fn = lambda w: w  # noqa: E731
    assert constraints.get(fn) is fn
    with pytest.raises(ValueError, match="Could not interpret constraint identifier: foo"):
        constraints.get("foo")
    c = constraints.MinMaxNorm(0.1, 2.0, 0.5, axis=[0, 1])
    cfg = constraints.serialize(c)
    assert cfg == {"module": "keras.constraints", "class_name": "MinMaxNorm",
                   "config": {"min_value": 0.1, "max_value": 2.0, "rate": 0.5, "axis": [0, 1]},
                   "registered_name": None}
    back = constraints.deserialize(cfg)
    assert isinstance(back, constraints.MinMaxNorm) and back.get_config() == c.get_config()
    assert constraints.get(cfg).get_config() == c.get_config()
    assert keras.constraints.max_norm is constraints.MaxNorm
    assert constraints.MaxNorm().get_config() == {"max_value": 2, "axis": 0}


def _dense_pair(**kw):
    """Two Dense models with the same initial weights, the second constrained by ``kw``."""
    x = np.random.RandomState(1).rand(16, 4).astype(np.float32)
    y = (np.random.RandomState(2).rand(16, 3) * 20 - 10).astype(np.float32)
    models = []
    for extra in ({}, kw):
        m = keras.Sequential([keras.Input((4,)), layers.Dense(3, **extra)])
        m.compile(keras.optimizers.SGD(0.1), "mse")
        models.append(m)
    models[1].set_weights(models[0].get_weights())
    return models, x, y


def test_fit_applies_constraint_after_each_update():
    (free, constrained), x, y = _dense_pair(kernel_constraint=constraints.MaxNorm(0.3),
                                            bias_constraint="non_neg")
    free.train_on_batch(x, y)
    constrained.train_on_batch(x, y)
    k, b = free.get_weights()
    kc, bc = constrained.get_weights()
    np.testing.assert_allclose(kc, constraints.MaxNorm(0.3)(k).numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(bc, np.maximum(b, 0), rtol=1e-6)
    constrained.fit(x, y, epochs=3, verbose=0)
    kc = constrained.get_weights()[0]
    assert np.all(np.sqrt((kc ** 2).sum(0)) <= 0.3 + 1e-5)
    assert np.all(constrained.get_weights()[1] >= 0)


def test_apply_gradients_applies_constraint():
    layer = layers.Dense(2, kernel_constraint="non_neg", use_bias=False)
    layer.build((None, 3))
    layer.set_weights([np.full((3, 2), 0.1, np.float32)])
    opt = keras.optimizers.SGD(1.0)
    opt.apply_gradients([(np.ones((3, 2), np.float32), layer.kernel)])
    np.testing.assert_array_equal(layer.get_weights()[0], np.zeros((3, 2), np.float32))
    assert isinstance(layer.kernel.constraint, constraints.NonNeg)


def test_conv_kernel_constraint_in_keras_layout():
    # the Conv2D kernel is stored (out, in, kh, kw) but constrained as Keras' (kh, kw, in, out)
    m = keras.Sequential([keras.Input((5, 5, 2)),
                          layers.Conv2D(3, 3, kernel_constraint=constraints.UnitNorm(axis=[0, 1, 2])),
                          layers.Flatten(), layers.Dense(1)])
    m.compile(keras.optimizers.SGD(0.05), "mse")
    x = np.random.RandomState(0).rand(8, 5, 5, 2).astype(np.float32)
    m.train_on_batch(x, np.ones((8, 1), np.float32))
    k = m.layers[0].get_weights()[0]
    np.testing.assert_allclose(np.sqrt((k ** 2).sum((0, 1, 2))), np.ones(3), rtol=1e-5)


@pytest.mark.parametrize("make,weight,arg", [
    (lambda c: layers.Conv1D(2, 3, kernel_constraint=c), "kernel", "kernel_constraint"),
    (lambda c: layers.Conv3D(2, 2, bias_constraint=c), "bias", "bias_constraint"),
    (lambda c: layers.DepthwiseConv2D(3, depthwise_constraint=c), "kernel", "depthwise_constraint"),
    (lambda c: layers.SeparableConv2D(2, 3, pointwise_constraint=c), "pointwise_kernel", "pointwise_constraint"),
    (lambda c: layers.LSTM(2, recurrent_constraint=c), "recurrent_kernel", "recurrent_constraint"),
    (lambda c: layers.GRUCell(2, kernel_constraint=c), "kernel", "kernel_constraint"),
    (lambda c: layers.Embedding(5, 2, embeddings_constraint=c), "embeddings", "embeddings_constraint"),
    (lambda c: layers.BatchNormalization(gamma_constraint=c), "gamma", "gamma_constraint"),
    (lambda c: layers.LayerNormalization(beta_constraint=c), "beta", "beta_constraint"),
    (lambda c: layers.GroupNormalization(2, gamma_constraint=c), "gamma", "gamma_constraint"),
    (lambda c: layers.PReLU(alpha_constraint=c), "alpha", "alpha_constraint"),
    (lambda c: layers.EinsumDense("ab,bc->ac", 3, kernel_constraint=c), "kernel", "kernel_constraint"),
    (lambda c: layers.Conv1DTranspose(2, 3, kernel_constraint=c), "kernel", "kernel_constraint"),
    (lambda c: layers.ConvLSTM1D(2, 3, recurrent_constraint=c), "recurrent_kernel", "recurrent_constraint"),
])
def test_layers_take_constraints(make, weight, arg):
    layer = make(constraints.NonNeg())
    shape = {"Conv1D": (None, 6, 2), "Conv3D": (None, 4, 4, 4, 2), "DepthwiseConv2D": (None, 5, 5, 2),
             "SeparableConv2D": (None, 5, 5, 2), "LSTM": (None, 3, 2), "GRUCell": (None, 2),
             "Embedding": (None, 3), "BatchNormalization": (None, 4), "LayerNormalization": (None, 4),
             "GroupNormalization": (None, 4), "PReLU": (None, 4), "EinsumDense": (None, 4),
             "Conv1DTranspose": (None, 5, 2), "ConvLSTM1D": (None, 2, 5, 2)}[type(layer).__name__]
    layer.build(shape)
    var = next(v for v in layer.weights if v.name == weight)
    assert isinstance(var.constraint, constraints.NonNeg)
    assert layer.get_config()[arg]["class_name"] == "NonNeg"
    # the constraint survives a config round trip
    again = type(layer).from_config(layer.get_config())
    assert isinstance(getattr(again, arg), constraints.NonNeg)


def test_bad_constraint_identifier_names_it():
    with pytest.raises(ValueError, match="constraint identifier: nope"):
        layers.Dense(2, kernel_constraint="nope")


def test_save_load_keeps_constraints(tmp_path):
    m = keras.Sequential([keras.Input((4,)), layers.Dense(3, kernel_constraint=constraints.MaxNorm(0.5, axis=1))])
    m.compile("sgd", "mse")
    path = tmp_path / "m.keras"
    m.save(path)
    back = keras.models.load_model(path)
    c = back.layers[0].kernel_constraint
    assert isinstance(c, constraints.MaxNorm) and c.max_value == 0.5 and c.axis == 1


def test_orthogonal_regularizer_alias():
    from minidl.keras import regularizers
    assert regularizers.orthogonal_regularizer is regularizers.OrthogonalRegularizer
    assert isinstance(regularizers.get("orthogonal_regularizer"), regularizers.OrthogonalRegularizer)
    import minidl
    w = minidl.tensor(np.random.RandomState(0).randn(4, 3).astype(np.float32))
    # keras.regularizers.OrthogonalRegularizer(0.1)(w) (mode rows, columns) on the same w
    assert abs(float(regularizers.OrthogonalRegularizer(0.1)(w).item()) - 0.048525094985961914) < 1e-6
    assert abs(float(regularizers.OrthogonalRegularizer(0.1, "columns")(w).item()) - 0.03811020404100418) < 1e-6


def test_attention_projections_take_constraints():
    mha = layers.MultiHeadAttention(2, 3, kernel_constraint="non_neg")
    q = np.random.RandomState(0).rand(2, 3, 4).astype(np.float32)
    mha(q, q)
    kernels = [v for v in mha.weights if v.name == "kernel"]
    assert len(kernels) == 4 and all(isinstance(v.constraint, constraints.NonNeg) for v in kernels)
    assert mha.get_config()["kernel_constraint"]["class_name"] == "NonNeg"
    gqa = layers.GroupQueryAttention(2, 2, 1, bias_constraint=constraints.MaxNorm(1.0))
    gqa(q, q)
    assert all(isinstance(v.constraint, constraints.MaxNorm) for v in gqa.weights if v.name == "bias")


class _Clip(constraints.Constraint):
    """A user constraint: clip to [-limit, limit]."""

    def __init__(self, limit=0.1):
        self.limit = limit

    def __call__(self, w):
        return w.clamp(-self.limit, self.limit)

    def get_config(self):
        return {"limit": self.limit}


class _Scale(layers.Layer):
    """A user layer whose weight carries a constraint through add_weight."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", constraint=_Clip(0.2), name="w")

    def call(self, x):
        return x * self.w


def test_user_constraint_and_user_layer_add_weight():
    model = keras.Sequential([keras.Input((3,)), _Scale(), layers.Dense(2, kernel_constraint=_Clip(0.05))])
    model.compile(keras.optimizers.SGD(0.01), "mse")
    x = np.random.RandomState(0).rand(8, 3).astype(np.float32)
    model.fit(x, np.ones((8, 2), np.float32), epochs=1, verbose=0)
    assert np.all(np.abs(model.layers[0].get_weights()[0]) <= 0.2 + 1e-7)
    assert np.all(np.abs(model.layers[1].get_weights()[0]) <= 0.05 + 1e-7)
    cfg = constraints.serialize(_Clip(0.3))
    assert cfg["class_name"] == "_Clip" and cfg["registered_name"] == "_Clip"
    assert constraints.deserialize(cfg, custom_objects={"_Clip": _Clip}).limit == 0.3
    assert model.layers[1].get_config()["kernel_constraint"]["config"] == {"limit": 0.05}
    with pytest.raises(ValueError, match="Could not locate class '_Unknown'"):
        constraints.deserialize({"class_name": "_Unknown", "config": {}})
