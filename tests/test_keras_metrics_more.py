"""Keras 3's remaining metrics (minidl/keras/metrics_confusion.py, metrics_more.py) against Keras: the
same batches fed to the same metrics (tests/fixtures/make_keras_metrics_more.py's ``run``) give
tests/fixtures/keras_metrics_more.json, recorded once with Keras 3.15 on JAX; plus compile/fit logs,
string names, reset_state and serialize/deserialize."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from minidl import keras

FIX = Path(__file__).parent / "fixtures"
REF = json.loads((FIX / "keras_metrics_more.json").read_text())
_spec = importlib.util.spec_from_file_location("make_metrics_ref", FIX / "make_keras_metrics_more.py")
make_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_ref)


def test_results_and_configs_match_keras():
    # the fixture was recorded in a fresh process: unnamed metrics numbered from a fresh session (auc, auc_1,
    # ...), whatever other tests in this worker named before
    keras.backend.clear_session()
    got = make_ref.run(keras)
    assert set(got) == set(REF)
    for key, want in REF.items():
        if key.endswith("_config"):
            config = json.loads(json.dumps(got[key], default=lambda o: np.asarray(o).tolist()))  # as recorded
            assert config == want, key  # names included
        else:
            np.testing.assert_allclose(np.asarray(got[key], float), np.asarray(want, float), rtol=1e-4, atol=2e-5,
                                       err_msg=key)


def test_auc_known_values_and_reset():
    auc = keras.metrics.AUC(num_thresholds=3)
    auc.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert auc.result() == pytest.approx(0.75)  # Keras' docstring example
    auc.reset_state()
    assert auc.result() == 0.0
    auc.update_state([0, 1], [0.2, 0.8])
    assert auc.result() == pytest.approx(1.0)
    assert len(auc.thresholds) == 3 and auc.thresholds[0] < 0 < 1 < auc.thresholds[-1]


def test_string_names_in_compile_give_keras_log_names():
    keras.backend.clear_session()   # metrics made without a name are numbered per session (auc, auc_1, ...)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 4)).astype("float32")
    y = (x[:, :1] + 0.3 * rng.normal(size=(48, 1)) > 0).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["auc", "true_positives", "false_negatives", keras.metrics.AUC(curve="PR", name="pr_auc"),
                           keras.metrics.RecallAtPrecision(0.8), keras.metrics.BinaryIoU()])
    hist = model.fit(x, y, epochs=8, batch_size=16, verbose=0, validation_split=0.25).history
    assert {"auc", "true_positives", "false_negatives", "pr_auc", "recall_at_precision", "binary_io_u",
            "val_auc"} <= set(hist)
    assert hist["auc"][-1] > hist["auc"][0] and hist["auc"][-1] > 0.7
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    auc = keras.metrics.AUC()
    auc.update_state(y, p)
    assert logs["auc"] == pytest.approx(auc.result(), abs=1e-6)
    assert logs["true_positives"] + logs["false_negatives"] == pytest.approx(float(y.sum()))


def test_per_class_f1_is_logged_as_an_array():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 30)]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=["f1_score", keras.metrics.F1Score(average="macro", name="f1_macro"), "r2_score"])
    hist = model.fit(x, y, epochs=2, verbose=0).history
    assert np.shape(hist["f1_score"][0]) == (3,)
    assert hist["f1_macro"][-1] == pytest.approx(float(np.mean(hist["f1_score"][-1])), abs=1e-6)
    assert isinstance(hist["r2_score"][-1], float)


@pytest.mark.parametrize("name,cls", [("auc", "AUC"), ("f1_score", "F1Score"), ("r2_score", "R2Score"),
                                      ("kl_divergence", "KLDivergence"), ("logcosh", "LogCoshError"),
                                      ("poisson", "Poisson"), ("hinge", "Hinge"), ("sum", "Sum"),
                                      ("pearson_correlation", "PearsonCorrelation"),
                                      ("cosine_similarity", "CosineSimilarity"), ("true_negatives", "TrueNegatives")])
def test_get_by_name(name, cls):
    keras.backend.clear_session()  # Keras' get gives the class's automatic name: "auc" in a fresh session
    metric = keras.metrics.get(name)
    assert type(metric).__name__ == cls and metric.name == name


def test_serialize_deserialize():
    M = keras.metrics
    cfg = M.serialize(M.AUC(num_thresholds=50, curve="PR", name="my_auc"))
    assert cfg["module"] == "keras.metrics" and cfg["class_name"] == "AUC"
    back = M.deserialize(cfg)
    assert isinstance(back, M.AUC) and back.get_config() == cfg["config"]
    iou = M.deserialize(M.serialize(M.IoU(num_classes=3, target_class_ids=[1], ignore_class=0)))
    assert iou.get_config()["target_class_ids"] == [1] and iou.ignore_class == 0
    assert M.serialize(M.hinge)["config"] == "hinge" and M.deserialize("hinge") is M.hinge
    assert M.deserialize({"class_name": "function", "config": "pearson_correlation"}) is M.pearson_correlation
    with pytest.raises(ValueError, match="Could not interpret metric identifier"):
        M.deserialize("nope")


def test_argument_errors_are_keras():
    M = keras.metrics
    with pytest.raises(ValueError, match="average"):
        M.F1Score(average="bad")
    with pytest.raises(ValueError, match="beta"):
        M.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="out of range"):
        M.IoU(num_classes=2, target_class_ids=[2])
    with pytest.raises(ValueError, match="specificity"):
        M.SensitivityAtSpecificity(1.5)
    with pytest.raises(ValueError, match="num_thresholds"):
        M.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="2D inputs"):
        M.R2Score().update_state(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="class_aggregation"):
        M.R2Score(class_aggregation="median")
    with pytest.raises(ValueError, match=r"y_true.shape=\(2, 3\) and y_pred.shape=\(2, 2\)"):
        M.F1Score().update_state(np.ones((2, 3)), np.ones((2, 2)))
    r2 = M.R2Score()
    r2.update_state(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="output_dim fixed by the first batch"):
        r2.update_state(np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="does not match"):
        M.AUC().update_state(np.ones((4, 2)), np.ones((4, 3)))


def test_saved_model_keeps_metric_arguments(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.uniform(size=(16, 4)).astype("float32")
    y = (x[:, :1] > 0.5).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss=keras.losses.BinaryFocalCrossentropy(gamma=3.0),
                  metrics=["auc", keras.metrics.AUC(curve="PR", num_thresholds=20, name="pr"),
                           keras.metrics.F1Score(threshold=0.5)])
    model.fit(x, y, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.models.load_model(path)
    want, got = model.evaluate(x, y, verbose=0, return_dict=True), again.evaluate(x, y, verbose=0, return_dict=True)
    assert set(got) == set(want) == {"loss", "auc", "pr", "f1_score"}
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-6, err_msg=key)
