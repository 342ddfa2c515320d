"""Keras 3's remaining losses (minidl/keras/losses_more.py) against Keras: the same losses on the same
inputs (tests/fixtures/make_keras_losses_more.py's ``run``) give tests/fixtures/keras_losses_more.json,
recorded once with Keras 3.15 on JAX; plus gradients, string names in compile, serialize/deserialize."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.autograd import gradcheck

FIX = Path(__file__).parent / "fixtures"
REF = json.loads((FIX / "keras_losses_more.json").read_text())
_spec = importlib.util.spec_from_file_location("make_losses_ref", FIX / "make_keras_losses_more.py")
make_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_ref)


def test_values_and_configs_match_keras():
    got = make_ref.run(keras)
    assert set(got) == set(REF)
    for key, want in REF.items():
        if key.startswith("config_"):
            assert got[key] == want, key
        else:
            np.testing.assert_allclose(got[key], want, rtol=1e-4, atol=2e-5, err_msg=key)


def test_mean_reduction_is_keras_3s():
    # Keras 3: "mean" divides by the number of values; "mean_with_sample_weight" by the weights' sum
    t, p, w = np.zeros((2, 1)), np.array([[1.0], [3.0]]), np.array([1.0, 3.0])
    mse = keras.losses.MeanSquaredError
    assert float(mse(reduction="mean")(t, p, sample_weight=w)) == pytest.approx((1 + 27) / 2)
    assert float(mse(reduction="mean_with_sample_weight")(t, p, sample_weight=w)) == pytest.approx(28 / 4)


@pytest.mark.parametrize("name,kwargs,kind", [
    ("hinge", {}, "binary"), ("squared_hinge", {}, "binary"), ("categorical_hinge", {}, "onehot"),
    ("mean_absolute_percentage_error", {}, "reg"), ("mean_squared_logarithmic_error", {}, "reg"),
    ("cosine_similarity", {}, "reg"), ("log_cosh", {}, "reg"), ("poisson", {}, "reg"),
    ("binary_focal_crossentropy", {"from_logits": True, "apply_class_balancing": True}, "binary"),
    ("categorical_focal_crossentropy", {"from_logits": True}, "onehot"),
    ("categorical_generalized_cross_entropy", {"q": 0.6}, "ids"), ("dice", {"axis": 1}, "binary"),
    ("tversky", {"alpha": 0.3, "beta": 0.7}, "binary"), ("circle", {"gamma": 4}, "emb"), ("ctc", {}, "ctc")])
def test_gradients_float64(name, kwargs, kind):
    rng = np.random.default_rng(3)
    if kind == "ctc":
        target, x = np.array([[1, 2, 0], [2, 2, 1]]), rng.normal(size=(2, 7, 3))
    elif kind == "emb":
        target, x = np.array([0, 1, 0, 1, 2]), rng.normal(size=(5, 3))
    else:
        x = rng.uniform(0.1, 0.9, size=(4, 3))
        target = {"binary": rng.integers(0, 2, (4, 3)).astype(float), "onehot": np.eye(3)[[0, 2, 1, 1]],
                  "ids": np.array([0, 2, 1, 1]), "reg": rng.uniform(0.2, 2, (4, 3))}[kind]
    fn = getattr(keras.losses, name)
    xt = minidl.tensor(x, requires_grad=True)
    if kind == "emb":  # circle takes L2-normalised embeddings
        def loss(z):
            return fn(target, z / z.norm(dim=1, keepdim=True), **kwargs).sum()
    else:
        def loss(z):
            return fn(target, z, **kwargs).sum()
    assert gradcheck(loss, (xt,))


@pytest.mark.parametrize("loss,y_kind", [("hinge", "pm1"), ("squared_hinge", "pm1"), ("mape", "reg"),
                                         ("msle", "reg"), ("poisson", "reg"), ("log_cosh", "reg"),
                                         ("cosine_similarity", "reg"), ("categorical_hinge", "onehot"),
                                         ("binary_focal_crossentropy", "binary"), ("dice", "binary")])
def test_string_names_train_in_compile(loss, y_kind):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = {"pm1": np.sign(x[:, :2]), "reg": np.abs(x[:, :2]) + 0.5, "onehot": np.eye(2)[(x[:, 0] > 0).astype(int)],
         "binary": (x[:, :2] > 0).astype("float32")}[y_kind].astype("float32")
    act = "sigmoid" if y_kind in ("binary",) else "softmax" if y_kind == "onehot" else \
        "softplus" if y_kind == "reg" and loss in ("poisson", "msle") else None
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation=act)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss)
    hist = model.fit(x, y, epochs=8, batch_size=8, verbose=0).history["loss"]
    assert hist[-1] < hist[0], (loss, hist)
    assert float(model.evaluate(x, y, verbose=0)) == pytest.approx(
        float(np.mean(keras.ops.convert_to_numpy(keras.losses.get(loss)(y, model.predict(x, verbose=0))))),
        rel=1e-4, abs=1e-5)   # get(name) is the per-sample function, as Keras'; the mean is compile's reduction


def test_serialize_deserialize_and_get():
    L = keras.losses
    cfg = L.serialize(L.Tversky(alpha=0.2, beta=0.8, axis=1))
    assert cfg == {"module": "keras.losses", "class_name": "Tversky", "registered_name": None,
                   "config": {"name": "tversky", "reduction": "sum_over_batch_size", "alpha": 0.2, "beta": 0.8,
                              "axis": 1}}
    back = L.deserialize(cfg)
    assert isinstance(back, L.Tversky) and back.get_config() == cfg["config"]
    assert L.serialize(L.hinge) == {"module": "builtins", "class_name": "function", "config": "hinge",
                                    "registered_name": "function"}
    assert L.deserialize("hinge") is L.hinge and L.deserialize(L.serialize(L.log_cosh)) is L.log_cosh
    assert L.serialize(L.MeanSquaredError())["class_name"] == "MeanSquaredError"
    assert L.get("mape") is L.mean_absolute_percentage_error   # Keras: a function name gives the function
    assert isinstance(L.get({"class_name": "Poisson", "config": {"reduction": "sum"}}), L.Poisson)
    assert L.get("log_cosh") is L.log_cosh and isinstance(L.get("LogCosh"), L.LogCosh)
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        L.deserialize("no_such_loss")


def test_saved_model_keeps_new_loss(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss=keras.losses.Huber())
    model.compile(optimizer="sgd", loss=keras.losses.LogCosh())
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.models.load_model(path)
    x, y = np.ones((2, 3), "float32"), np.zeros((2, 2), "float32")
    assert float(again.evaluate(x, y, verbose=0)) == pytest.approx(float(model.evaluate(x, y, verbose=0)))


def test_bad_inputs_raise_clear_errors():
    L = keras.losses
    with pytest.raises(ValueError, match="y_true.shape"):
        L.ctc(np.ones((2, 3, 1)), np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match="y_pred.shape"):
        L.ctc(np.ones((2, 3)), np.zeros((2, 5)))
    with pytest.raises(ValueError, match="q must be in the interval"):
        L.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match="same shape"):
        L.hinge(np.ones((2, 3)), np.ones((2, 4)))
