"""Keras 3 automatic names (differential: passes under minidl.keras and, with the import switched to
``import keras``, under Keras 3.15 with KERAS_BACKEND=jax)."""
import numpy as np

import minidl.keras as keras


def test_optimizer_names_are_uniquified_snake_case():
    keras.backend.clear_session()
    o = keras.optimizers
    names = [o.Adam().name, o.Adam().name, o.SGD().name, o.RMSprop().name, o.AdamW().name, o.Adam(name="x").name,
             o.get("adam").name, keras.layers.Dense(1).name]
    assert names == ["adam", "adam_1", "sgd", "rm_sprop", "adam_w", "x", "adam_2", "dense"]
    keras.backend.clear_session()
    assert o.Adam().name == "adam"


def test_compile_with_an_optimizer_string_makes_a_new_name():
    keras.backend.clear_session()
    models = []
    for _ in range(2):
        m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        m.compile("adam", "mse")
        models.append(m)
    assert [m.optimizer.name for m in models] == ["adam", "adam_1"]
    assert [m.name for m in models] == ["sequential", "sequential_1"]
    assert keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD()).name == "loss_scale_optimizer"


def test_metric_and_layer_automatic_names():
    keras.backend.clear_session()
    names = [keras.metrics.Mean().name, keras.metrics.Mean().name, keras.metrics.AUC().name, keras.metrics.AUC().name,
             keras.layers.Dense(1).name, keras.layers.Dense(1, name="foo").name, keras.layers.Dense(1).name]
    assert names == ["mean", "mean", "auc", "auc_1", "dense", "foo", "dense_1"]  # Mean keeps its name


def test_compiled_metric_names():
    keras.backend.clear_session()
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    m.compile("adam", "mse", metrics=["mae", keras.metrics.MeanAbsoluteError(), "accuracy"])
    m.fit(np.zeros((4, 4)), np.zeros((4, 1)), verbose=0)
    assert m.metrics_names == ["loss", "compile_metrics"]
    assert [x.name for x in m.metrics[1].metrics] == ["mae", "mean_absolute_error", "accuracy"]
    assert list(m.get_metrics_result()) == ["loss", "mae", "mean_absolute_error", "accuracy"]
