"""keras.initializers, keras.regularizers and keras.constraints against Keras 3.15 (JAX backend).

Differential: the same file passes with ``import keras`` (KERAS_BACKEND=jax) in place of
``import minidl.keras as keras``. Random initialisers are compared by their moments and bounds
(the generators differ); deterministic ones and the penalties exactly (values Keras printed).
"""
import numpy as np
import pytest

import minidl.keras as keras

INIT = keras.initializers
REG = keras.regularizers


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.mark.parametrize("make", [lambda: INIT.RandomNormal(seed=3), lambda: INIT.RandomNormal(),
                                  lambda: INIT.GlorotUniform(), lambda: INIT.Orthogonal(),
                                  lambda: INIT.VarianceScaling(seed=4), lambda: INIT.TruncatedNormal()])
def test_an_initializer_gives_the_same_values_on_each_call(make):
    init = make()  # seeded or not: Keras 3 fixes the seed when the initialiser is made
    np.testing.assert_array_equal(_np(init((4, 5))), _np(init((4, 5))))


def test_an_unseeded_initializer_fixes_its_seed_when_made():
    keras.utils.set_random_seed(0)
    first = _np(INIT.GlorotUniform()((3, 3)))
    keras.utils.set_random_seed(0)
    init = INIT.GlorotUniform()
    keras.utils.set_random_seed(1)  # (too late: the seed was drawn when the initialiser was made)
    np.testing.assert_array_equal(_np(init((3, 3))), first)


def test_random_initializers_different_instances_differ():
    a, b = INIT.GlorotUniform()((6, 6)), INIT.GlorotUniform()((6, 6))
    assert not np.array_equal(_np(a), _np(b))
    gen = keras.random.SeedGenerator(1)
    init = INIT.RandomNormal(seed=gen)  # a SeedGenerator gives new values each call
    assert not np.array_equal(_np(init((3,))), _np(init((3,))))


@pytest.mark.parametrize("mode,dist,shape,std", [
    ("fan_in", "untruncated_normal", (3, 3, 16, 32), np.sqrt(2.0 / 144)),
    ("fan_out", "untruncated_normal", (3, 3, 16, 32), np.sqrt(2.0 / 288)),
    ("fan_avg", "uniform", (3, 3, 16, 32), np.sqrt(2.0 / 216)),
    ("fan_in", "truncated_normal", (5, 4, 40), np.sqrt(2.0 / 20)),
    ("fan_avg", "untruncated_normal", (60, 40), np.sqrt(2.0 / 50)),
])
def test_variance_scaling_fans_of_conv_kernels(mode, dist, shape, std):
    w = _np(INIT.VarianceScaling(2.0, mode, dist, seed=1)(shape)).astype(np.float64)
    assert w.shape == shape and w.dtype == np.float64
    assert abs(w.std() / std - 1) < 0.08 and abs(w.mean()) < 0.1 * std
    if dist == "uniform":
        assert np.abs(w).max() <= np.sqrt(3) * std + 1e-6
    if dist == "truncated_normal":
        assert np.abs(w).max() <= 2 * std / 0.87962566103423978 + 1e-6


def test_orthogonal_and_identity():
    w = _np(INIT.Orthogonal(gain=2.0, seed=1)((3, 3, 2, 4)))
    flat = w.reshape(-1, 4).astype(np.float64)
    np.testing.assert_allclose(flat.T @ flat, 4 * np.eye(4), atol=1e-5)
    wide = _np(INIT.Orthogonal(seed=1)((2, 5))).astype(np.float64)
    np.testing.assert_allclose(wide @ wide.T, np.eye(2), atol=1e-5)
    np.testing.assert_array_equal(_np(INIT.Identity(gain=2.0)((2, 3))), [[2, 0, 0], [0, 2, 0]])
    with pytest.raises(ValueError, match="must be at least two-dimensional. Received: shape=\\(3,\\) of rank 1"):
        INIT.Orthogonal(seed=1)((3,))
    with pytest.raises(ValueError, match="can only be used for 2D matrices"):
        INIT.Identity()((2, 2, 2))


def test_initializer_names_configs_and_errors():
    for name, cls in [("one", "Ones"), ("zero", "Zeros"), ("IdentityInitializer", "Identity"),
                      ("OrthogonalInitializer", "Orthogonal"), ("uniform", "RandomUniform"),
                      ("normal", "RandomNormal"), ("he_normal", "HeNormal"), ("glorot_uniform", "GlorotUniform")]:
        assert type(INIT.get(name)).__name__ == cls
    assert INIT.Orthogonal(gain=2, seed=3).get_config() == {"seed": 3, "gain": 2}
    assert INIT.VarianceScaling(distribution="normal").get_config()["distribution"] == "truncated_normal"
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: bogus"):
        INIT.get("bogus")
    with pytest.raises(ValueError, match="`seed` argument should be an instance of"):
        INIT.RandomNormal(seed="a")
    with pytest.raises(ValueError, match="Argument `scale` must be positive float. Received: scale=0"):
        INIT.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match="Invalid `mode` argument: x"):
        INIT.VarianceScaling(mode="x")


W = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)


def test_regularizer_values_and_configs():
    assert float(_np(REG.L1(0.1)(W))) == pytest.approx(0.6)
    assert float(_np(REG.L2(0.2)(W))) == pytest.approx(0.2 * 8.125)
    assert float(_np(REG.L1L2(0.1, 0.2)(W))) == pytest.approx(0.6 + 0.2 * 8.125)
    # Keras 3.15 printed these two (factor * mean |off-diagonal of the normalised Gram matrix|)
    w = keras.ops.convert_to_tensor(W)  # (Keras' "columns" mode fails on a NumPy array)
    assert float(_np(REG.OrthogonalRegularizer(0.1, "rows")(w))) == pytest.approx(0.0257395748, rel=1e-5)
    assert float(_np(REG.OrthogonalRegularizer(0.2, "columns")(w))) == pytest.approx(0.0738160685, rel=1e-5)
    assert REG.L1(None).get_config() == {"l1": 0.009999999776482582}
    assert REG.L1L2(None, None).get_config() == {"l1": 0.0, "l2": 0.0}
    assert REG.deserialize(REG.serialize(REG.L2(0.3))).get_config() == {"l2": 0.3}
    assert float(REG.Regularizer()(W)) == 0.0
    with pytest.raises(NotImplementedError, match="does not implement get_config"):
        REG.Regularizer().get_config()


@pytest.mark.parametrize("make,text", [
    (lambda: REG.L1(-1), "Invalid value for argument l1: expected a non-negative float.Received: l1=-1"),
    (lambda: REG.L2(float("inf")), "Invalid value for argument l2"),
    (lambda: REG.L2("a"), "Received: l2=a"),
    (lambda: REG.OrthogonalRegularizer(-1), "Invalid value for argument factor"),
    (lambda: REG.OrthogonalRegularizer(mode="x"), "Expected one of {\"rows\", \"columns\"}. Received: mode=x"),
    (lambda: REG.OrthogonalRegularizer()(np.ones((2, 3, 4), np.float32)), "must have rank 2"),
])
def test_regularizer_errors(make, text):
    with pytest.raises(ValueError) as info:
        make()
    assert text in str(info.value)


def test_constraints():
    con = keras.constraints
    np.testing.assert_allclose(_np(con.UnitNorm(axis=1)(W)), W / np.linalg.norm(W, axis=1, keepdims=True),
                               rtol=1e-6)
    np.testing.assert_array_equal(_np(con.NonNeg()(W)), np.maximum(W, 0))
    capped = _np(con.MaxNorm(1.0)(W))
    assert np.all(np.linalg.norm(capped, axis=0) <= 1.0 + 1e-6)
    assert con.MinMaxNorm(1.5, 2.0, rate=0.5, axis=1).get_config() == {
        "min_value": 1.5, "max_value": 2.0, "rate": 0.5, "axis": 1}
    assert type(con.get("max_norm")).__name__ == "MaxNorm" and con.get(None) is None
