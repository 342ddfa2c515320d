"""keras.metrics' object API as Keras 3 has it: state in Keras Variables (names, paths, reset to zeros),
the stateless API, user ``Metric`` subclasses (``add_variable``/``add_weight``), ``get``/``serialize``/
``deserialize``, result dtypes, ``MeanMetricWrapper`` configs and ``Loss.dtype``. The expected values were read
from Keras 3.15 on JAX; this file passes there too with ``from minidl import keras`` changed to ``import keras``.
"""
import numpy as np
import pytest

from minidl import keras

M = keras.metrics
ops = keras.ops


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


class BinaryTruePositives(keras.metrics.Metric):
    """keras.io's custom metric, with a second (ones-initialised) variable made by add_weight."""

    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), initializer="zeros", name="tp")
        self.seen = self.add_weight(shape=(2,), initializer="ones", name="seen")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "bool")
        y_pred = ops.cast(ops.greater(y_pred, 0.5), "bool")
        values = ops.cast(ops.logical_and(y_true, y_pred), "float32")
        self.true_positives.assign_add(ops.sum(values))
        self.seen.assign(self.seen + 1.0)

    def result(self):
        return self.true_positives * 1.0  # (Keras' stateless_result would show the variable's own value)


def test_user_metric_variables_state_and_stateless_api():
    m = BinaryTruePositives()
    assert [(v.name, v.path, tuple(v.shape)) for v in m.variables] == [
        ("tp", "binary_true_positives/tp", ()), ("seen", "binary_true_positives/seen", (2,))]
    assert not any(v.trainable for v in m.variables)
    m.update_state(np.array([1, 0, 1.0]), np.array([0.7, 0.8, 0.9]))
    assert float(m.result()) == 2.0
    np.testing.assert_array_equal(_np(m.seen), [2.0, 2.0])
    new = m.stateless_update_state([v.value for v in m.variables], np.array([1.0, 1.0]), np.array([0.9, 0.9]))
    np.testing.assert_array_equal(_np(new[0]), 4.0)
    np.testing.assert_array_equal(_np(new[1]), [3.0, 3.0])
    assert float(m.stateless_result(new)) == 4.0
    assert float(m.result()) == 2.0  # the metric's own state untouched
    m.reset_state()  # Keras' base reset: every variable to zeros (not back to its initializer)
    assert [_np(v).tolist() for v in m.variables] == [0.0, [0.0, 0.0]]
    assert m.get_config() == {"name": "binary_true_positives", "dtype": "float32"}
    assert repr(m) == "<BinaryTruePositives name=binary_true_positives>"
    assert m.dtype == "float32"


def test_builtin_variables_paths_and_reset():
    m = M.Mean(name="loss_mean")
    assert [(v.name, v.path) for v in m.variables] == [("total", "loss_mean/total"), ("count", "loss_mean/count")]
    m.update_state([1.0, 2.0, 6.0])
    assert [_np(v).item() for v in m.variables] == [9.0, 3.0]
    m.reset_state()
    assert [_np(v).item() for v in m.variables] == [0.0, 0.0]
    p = M.Precision(thresholds=[0.2, 0.5], name="p")
    assert [(v.name, v.path, tuple(v.shape)) for v in p.variables] == [
        ("true_positives", "p/true_positives", (2,)), ("false_positives", "p/false_positives", (2,))]
    r = M.Recall(name="r")
    assert [v.name for v in r.variables] == ["true_positives", "false_negatives"]
    f1 = M.F1Score(name="f")
    assert f1.variables == []  # built by the first batch, as Keras
    f1.update_state(np.eye(3)[[0, 1, 2]], np.eye(3)[[0, 1, 1]])
    assert [(v.name, tuple(v.shape)) for v in f1.variables] == [
        ("true_positives", (3,)), ("false_positives", (3,)), ("false_negatives", (3,)),
        ("intermediate_weights", (3,))]


def test_stateless_api_errors_and_reset():
    m = M.Mean()
    m.update_state([1.0, 2.0])
    new = m.stateless_update_state([v.value for v in m.variables], np.array([5.0, 6.0]))
    assert [_np(v).item() for v in new] == [14.0, 4.0]
    assert float(m.stateless_result(new)) == 3.5
    assert [_np(v).item() for v in m.stateless_reset_state()] == [0.0, 0.0]
    assert float(m.result()) == 1.5
    with pytest.raises(ValueError, match=r"corresponding 1:1 to Mean\(\)\.variables.*length 1, but expected 2"):
        m.stateless_result([1.0])


def test_result_dtypes():
    m = M.Mean(dtype="float16")
    m.update_state([1.0, 2.0])
    assert str(_np(m.result()).dtype) == "float16"
    assert _np(M.RootMeanSquaredError()([1.0, 2.0], [1.5, 2.0])).dtype == np.float32
    iou = M.IoU(2, [0, 1])
    assert iou.dtype == "int32" and str(iou.variables[0].dtype).endswith("int32")
    # weights are cast to the int dtype (0.5 -> 0, 1.5 -> 1), as Keras warns
    with pytest.warns(UserWarning) if keras.__name__ == "keras" else _nothing():
        value = iou([0, 1, 1], [0, 1, 0], sample_weight=np.array([0.5, 1.5, 2.0], "float32"))
    np.testing.assert_array_equal(_np(iou.variables[0]), [[0, 0], [2, 1]])
    assert float(value) == pytest.approx(1 / 6, abs=1e-6) and _np(value).dtype == np.float32


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_values_of_small_cases():
    assert float(M.Sum()([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 1.0])) == 4.0
    values = np.ones((2, 3)) * [[1.0], [2.0]]
    assert float(M.Mean()(values, sample_weight=np.array([[1, 0, 1], [1, 1, 1.0]]))) == pytest.approx(1.6, 1e-6)
    assert float(M.Mean()(5.0)) == 5.0
    assert float(M.Accuracy()([1, 2, 3], [1, 2, 4])) == pytest.approx(2 / 3, 1e-6)
    assert float(M.MeanMetricWrapper(M.binary_accuracy, threshold=0.9)([1.0, 1.0], [0.8, 0.95])) == 0.5
    assert float(M.SparseTopKCategoricalAccuracy(k=1, from_sorted_ids=True)([2, 1], [[2, 0], [0, 1]])) == 0.5
    pred = np.random.default_rng(0).random((2, 2, 3))
    assert _np(M.top_k_categorical_accuracy(np.eye(3)[[[0, 1], [2, 2]]], pred, k=1)).shape == (2, 2)
    for empty in (M.AUC(), M.Precision(), M.Mean()):
        assert float(empty.result()) == 0.0


def test_configs_and_round_trips():
    assert M.BinaryAccuracy(threshold=0.7).get_config() == {"name": "binary_accuracy", "dtype": "float32",
                                                            "threshold": 0.7}
    assert M.SparseTopKCategoricalAccuracy(k=1, from_sorted_ids=True).get_config() == {
        "name": "sparse_top_k_categorical_accuracy", "dtype": "float32", "k": 1, "from_sorted_ids": True}
    # Keras 3.15 leaves CosineSimilarity's axis out of its config
    assert M.CosineSimilarity(axis=0).get_config() == {"name": "cosine_similarity", "dtype": "float32"}
    w = M.MeanMetricWrapper(fn=M.mean_squared_error, name="w")
    config = w.get_config()
    assert config == {"name": "w", "dtype": "float32",
                      "fn": {"module": "builtins", "class_name": "function", "config": "mean_squared_error",
                             "registered_name": "function"}}
    again = M.MeanMetricWrapper.from_config(config)
    assert again.get_config() == config
    assert float(again([1.0, 3.0], [2.0, 3.0])) == 0.5
    assert M.deserialize(M.serialize(w)).get_config() == config
    assert repr(M.Mean.from_config(M.Mean(name="x").get_config())) == "<Mean name=x>"
    assert repr(M.deserialize(M.serialize(M.Precision(thresholds=[0.2, 0.4], name="pp")))) == "<Precision name=pp>"
    assert M.serialize(M.Mean(name="q")) == {"module": "keras.metrics", "class_name": "Mean",
                                             "config": {"name": "q", "dtype": "float32"}, "registered_name": None}


@pytest.mark.parametrize("name,cls,default", [
    ("mse", "MeanSquaredError", "mean_squared_error"), ("mae", "MeanAbsoluteError", "mean_absolute_error"),
    ("mape", "MeanAbsolutePercentageError", "mean_absolute_percentage_error"),
    ("msle", "MeanSquaredLogarithmicError", "mean_squared_logarithmic_error"),
    ("binary_accuracy", "BinaryAccuracy", "binary_accuracy"), ("auc", "AUC", "auc"),
    ("precision", "Precision", "precision"), ("kl_divergence", "KLDivergence", "kl_divergence"),
    ("r2_score", "R2Score", "r2_score"), ("f1_score", "F1Score", "f1_score")])
def test_get_gives_keras_default_names(name, cls, default):
    keras.backend.clear_session()  # (automatic names are numbered per session: auc, auc_1, ...)
    metric = M.get(name)
    assert type(metric).__name__ == cls and metric.name == default


def test_get_dict_class_and_unknown():
    assert repr(M.get({"class_name": "AUC", "config": {"name": "a", "num_thresholds": 10}})) == "<AUC name=a>"
    assert isinstance(M.get(M.Mean), M.Mean)
    for bad in ("kld", "huber", "binary_focal_crossentropy"):
        with pytest.raises(ValueError, match="Could not interpret metric identifier"):
            M.get(bad)


def test_compile_logs_string_metrics_under_the_string():
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mse", "mae", M.RootMeanSquaredError(name="rmse")])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "mse", "mae", "rmse"}
    assert logs["mse"] == pytest.approx(logs["loss"], rel=1e-5)
    assert logs["rmse"] == pytest.approx(np.sqrt(logs["mse"]), rel=1e-5)


def test_loss_dtype_and_names():
    assert keras.losses.MeanSquaredError().dtype == "float32"
    assert keras.losses.Hinge(dtype="float16").dtype == "float16"
    assert keras.losses.MeanSquaredError().get_config() == {"name": "mean_squared_error",
                                                            "reduction": "sum_over_batch_size"}

    class MyLoss(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return ops.square(y_true - y_pred)

    keras.backend.clear_session()
    assert (MyLoss().name, MyLoss().name) == ("my_loss", "my_loss_1")
    assert MyLoss().dtype == "float32"


def test_dtype_policies():
    assert M.Mean(dtype="mixed_float16").dtype == "float16"  # Keras 3.15: the policy's compute dtype
    assert M.Mean(dtype=keras.DTypePolicy("mixed_bfloat16")).dtype == "bfloat16"
    assert M.Mean(dtype="float16").get_config() == {"name": "mean", "dtype": "float16"}
    assert M.IoU(2, [0]).dtype == "int32"


def test_model_metrics_variables():
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy", M.AUC(name="auc")])
    model.fit(x, y, verbose=0, epochs=1)
    assert [m.name for m in model.metrics] == ["loss", "compile_metrics"]
    assert len(model.variables) == len(model.weights) == 2  # metric state is not among the model's variables
    loss, compiled = model.metrics
    assert [v.path for v in loss.variables] == ["loss/total", "loss/count"]
    assert [v.path for v in compiled.variables][:3] == ["accuracy/total", "accuracy/count", "auc/true_positives"]
    assert sorted(model.get_metrics_result()) == ["accuracy", "auc", "loss"]


def test_functions_and_loss_objects_as_compiled_metrics():
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = x.sum(1, keepdims=True)

    def my_metric(y_true, y_pred):
        return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse",
                  metrics=[keras.losses.MeanAbsoluteError(), keras.losses.mean_squared_error, my_metric,
                           "msle", keras.losses.Huber(delta=0.5)])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(logs) == ["huber_loss", "loss", "mean_absolute_error", "mean_squared_error", "msle", "my_metric"]
    assert logs["mean_absolute_error"] == pytest.approx(logs["my_metric"], rel=1e-5)
    assert logs["mean_squared_error"] == pytest.approx(logs["loss"], rel=1e-5)
    assert M.get(my_metric) is my_metric  # Keras' get hands functions back as they are
    assert type(M.get(keras.losses.Huber())).__name__ == "Huber"
    w = M.MeanMetricWrapper(keras.losses.Huber(delta=0.5), name="hub")
    w.update_state(y, y * 1.5)
    assert float(w.result()) == pytest.approx(float(keras.losses.Huber(delta=0.5)(y, y * 1.5)), rel=1e-5)


def test_wrapper_attributes_as_keras():
    assert M.BinaryAccuracy(threshold=0.7).threshold == 0.7
    assert M.TopKCategoricalAccuracy(k=3).k == 3
    stk = M.SparseTopKCategoricalAccuracy(k=2)
    assert (stk.k, stk.from_sorted_ids) == (2, False)
    bce = M.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)
    assert (bce.from_logits, bce.label_smoothing) == (True, 0.1)
    scce = M.SparseCategoricalCrossentropy(ignore_class=3)
    assert (scce.from_logits, scce.ignore_class, scce.axis) == (False, 3, -1)
    assert M.CategoricalCrossentropy(axis=1).axis == 1


def test_deepcopy_and_pickle_keep_state_apart():
    # (minidl's copies also carry the accumulated values; Keras 3.15's come back zeroed, so only the
    # independence of the copies is checked here)
    import copy
    import pickle
    m = M.AUC(name="a")
    m.update_state([0, 1], [0.2, 0.8])
    c = copy.deepcopy(m)
    assert [v.path for v in c.variables] == [v.path for v in m.variables]
    c.update_state([1, 0], [0.2, 0.8])
    assert float(m.result()) == 1.0
    assert all(a is not b for a, b in zip(c.variables, m.variables))
    p = pickle.loads(pickle.dumps(m))
    assert p.variables[0].path == "a/true_positives"
    p.update_state([1, 0], [0.2, 0.8])
    assert float(m.result()) == 1.0
