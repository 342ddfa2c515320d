"""Keras 3's ``keras.losses.get`` (functions for function names, objects for class names) and the automatic
metric names (``auc``, ``auc_1``: only metrics whose name defaults to None are numbered).

Read off Keras 3.15 (jax backend, a separate venv; Keras is not a dependency of these tests): the tests pass
there unchanged with ``import keras``.
"""
import numpy as np
import pytest

import minidl.keras as keras


@pytest.mark.parametrize("name, function", [("mse", "mean_squared_error"), ("MSE", "mean_squared_error"),
                                            ("mae", "mean_absolute_error"), ("bce", "binary_crossentropy"),
                                            ("BCE", "binary_crossentropy"), ("kld", "kl_divergence"),
                                            ("mape", "mean_absolute_percentage_error"),
                                            ("msle", "mean_squared_logarithmic_error"), ("huber", "huber"),
                                            ("categorical_crossentropy", "categorical_crossentropy"),
                                            ("log_cosh", "log_cosh"), ("poisson", "poisson")])
def test_losses_get_gives_the_function_for_a_function_name(name, function):
    fn = keras.losses.get(name)
    assert callable(fn) and fn.__name__ == function and fn is getattr(keras.losses, function)


def test_losses_get_gives_objects_for_classes_and_configs():
    assert isinstance(keras.losses.get("MeanSquaredError"), keras.losses.MeanSquaredError)
    assert isinstance(keras.losses.get(keras.losses.Huber), keras.losses.Huber)
    loss = keras.losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert isinstance(loss, keras.losses.CategoricalCrossentropy) and loss.get_config()["from_logits"]
    mine = keras.losses.MeanAbsoluteError()
    assert keras.losses.get(mine) is mine and keras.losses.get(None) is None
    for bad in ("Mse", "no_such_loss"):
        with pytest.raises(ValueError, match="Could not interpret loss identifier"):
            keras.losses.get(bad)


def test_loss_function_is_per_sample_and_the_object_reduces():
    t = np.array([[1.0, 2.0], [0.0, -1.0]], np.float32)
    p = np.array([[1.5, 2.0], [1.0, 1.0]], np.float32)
    per_sample = np.asarray(keras.ops.convert_to_numpy(keras.losses.get("mse")(t, p)))
    np.testing.assert_allclose(per_sample, [0.125, 2.5], rtol=1e-6)
    assert float(keras.losses.get("MeanSquaredError")(t, p)) == pytest.approx(1.3125)


def test_metrics_without_a_name_are_numbered_others_keep_theirs():
    keras.backend.clear_session()
    assert [keras.metrics.AUC().name, keras.metrics.AUC().name, keras.metrics.Precision().name,
            keras.metrics.Precision().name] == ["auc", "auc_1", "precision", "precision_1"]
    assert [keras.metrics.Mean().name, keras.metrics.Mean().name, keras.metrics.Accuracy().name,
            keras.metrics.Accuracy().name] == ["mean", "mean", "accuracy", "accuracy"]
    assert keras.metrics.AUC(name="pr_auc").name == "pr_auc" and keras.metrics.LogCoshError().name == "logcosh"
    keras.backend.clear_session()
    assert keras.metrics.AUC().name == "auc"
