"""EarlyStopping and ReduceLROnPlateau state against Keras 3.15 (differential: the expected values were read
from Keras 3.15.1 with the JAX backend; the file passes with ``import keras`` in place of minidl.keras)."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
import minidl.keras as keras  # noqa: E402


class _Feed(keras.callbacks.Callback):
    """Write a fixed value per epoch under ``key`` into the epoch logs (before the tested callback)."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class _Watch(keras.callbacks.Callback):
    def __init__(self, cb, names):
        super().__init__()
        self.cb, self.names, self.trace = cb, names, []

    def on_epoch_end(self, epoch, logs=None):
        self.trace.append(tuple(getattr(self.cb, n) for n in self.names))


def _fit(cb, values, key="val_loss", names=("wait", "best"), metrics=(), lr=0.1):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=keras.optimizers.SGD(lr), loss="mse", metrics=list(metrics))
    watch = _Watch(cb, names)
    history = model.fit(np.ones((4, 3), "float32"), np.zeros((4, 1), "float32"), epochs=len(values), verbose=0,
                        callbacks=[_Feed(key, values), cb, watch])
    return model, history, watch.trace


SEQ = [1.0, 0.9, 0.95, 0.93, 0.92, 0.91, 0.97, 0.99]


def test_early_stopping_state_before_fit():
    es = keras.callbacks.EarlyStopping(min_delta=-0.05)
    assert es.mode == "auto" and es.best is None and es.monitor_op is None
    assert es.min_delta == 0.05 and es.wait == 0 and es.stopped_epoch == 0 and es.best_weights is None
    assert not hasattr(es, "best_epoch")


@pytest.mark.parametrize("mode", ["auto", "min", "max"])
def test_early_stopping_mode_and_min_delta_sign(mode):
    es = keras.callbacks.EarlyStopping(patience=2, mode=mode, min_delta=0.05)
    _, history, trace = _fit(es, SEQ)
    assert es.mode == mode
    assert es.monitor_op.__name__ == ("greater" if mode == "max" else "less")
    assert es.min_delta == (0.05 if mode == "max" else -0.05)
    expected = (2, 0, 1.0, 2) if mode == "max" else (3, 1, 0.9, 2)
    assert len(history.history["loss"]) == expected[0] + 1
    assert (es.stopped_epoch, es.best_epoch, es.best, es.wait) == expected


def test_early_stopping_unknown_mode_warns_and_falls_back_to_auto():
    with pytest.warns(UserWarning, match="EarlyStopping mode 'bogus' is unknown, fallback to auto mode."):
        es = keras.callbacks.EarlyStopping(mode="bogus")
    assert es.mode == "auto"


def test_early_stopping_trace_and_verbose(capsys):
    es = keras.callbacks.EarlyStopping(patience=2, verbose=1)
    _, history, trace = _fit(es, SEQ)
    assert trace == [(0, 1.0), (0, 0.9), (1, 0.9), (2, 0.9)]
    assert es.stopped_epoch == 3 and es.best_epoch == 1
    assert "Epoch 4: early stopping" in capsys.readouterr().out


def test_early_stopping_float32_comparison():
    # 0.6 - 0.05 is 0.55 in float32: not an improvement over 0.55
    es = keras.callbacks.EarlyStopping(patience=0, min_delta=0.05)
    _, history, trace = _fit(es, [0.6, 0.55, 0.5, 0.44999])
    assert trace[:2] == [(0, 0.6), (1, 0.6)] and es.stopped_epoch == 1


def test_early_stopping_baseline_and_start_from_epoch():
    es = keras.callbacks.EarlyStopping(patience=2, baseline=0.92)
    _fit(es, SEQ)
    assert (es.stopped_epoch, es.best, es.best_epoch) == (3, 0.9, 1)
    es = keras.callbacks.EarlyStopping(patience=1, start_from_epoch=3)
    _, _, trace = _fit(es, SEQ)
    assert trace[:3] == [(0, None)] * 3
    assert (es.stopped_epoch, es.best, es.best_epoch) == (6, 0.91, 5)


@pytest.mark.parametrize("patience,stopped", [(1, 2), (10, 0)])
def test_early_stopping_restore_best_weights(capsys, patience, stopped):
    es = keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True, verbose=1)
    model, _, _ = _fit(es, SEQ)
    assert es.stopped_epoch == stopped and es.best_epoch == 1
    assert isinstance(es.best_weights, list) and len(es.best_weights) == 2
    for restored, best in zip(model.get_weights(), es.best_weights):
        np.testing.assert_array_equal(np.asarray(restored), np.asarray(best))
    assert "Restoring model weights from the end of the best epoch: 2." in capsys.readouterr().out


def test_early_stopping_auto_mode_for_unknown_metric_raises():
    es = keras.callbacks.EarlyStopping(monitor="val_foo")
    with pytest.raises(ValueError, match="isn't able to automatically determine"):
        _fit(es, SEQ, key="val_foo")


def test_early_stopping_auto_mode_uses_metric_direction():
    es = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=1)
    _fit(es, SEQ, key="val_accuracy", metrics=["accuracy"])
    assert es.mode == "auto" and es.monitor_op.__name__ == "greater" and es.min_delta == 0
    assert es.stopped_epoch == 1 and es.best == 1.0


def test_reduce_lr_state_and_values(capsys):
    rl = keras.callbacks.ReduceLROnPlateau(patience=1, verbose=1)
    assert rl.mode == "auto" and rl.best is None and rl.monitor_op is None and rl.min_delta == 0.0001
    _, history, trace = _fit(rl, SEQ, names=("wait", "best", "cooldown_counter"))
    assert rl.min_delta == -0.0001
    assert trace[:4] == [(0, 1.0, 0), (0, 0.9, 0), (0, 0.9, 0), (0, 0.9, 0)]
    lrs = history.history["learning_rate"]
    np.testing.assert_allclose(lrs[:4], [0.1, 0.1, 0.1, 0.01], rtol=1e-6)  # (logged before the reduction)
    out = capsys.readouterr().out
    assert "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.010000000149011612." in out


def test_reduce_lr_cooldown_and_min_lr():
    rl = keras.callbacks.ReduceLROnPlateau(patience=1, cooldown=2, factor=0.5)
    _, _, trace = _fit(rl, SEQ, names=("wait", "cooldown_counter"))
    assert trace == [(0, 0), (0, 0), (0, 2), (0, 1), (0, 2), (0, 1), (0, 2), (0, 1)]
    rl = keras.callbacks.ReduceLROnPlateau(patience=1, min_lr=0.005, factor=0.2)
    _, history, trace = _fit(rl, SEQ, names=("wait",))
    assert [w for (w,) in trace] == [0, 0, 0, 0, 1, 2, 3, 4]  # at min_lr the wait keeps growing
    np.testing.assert_allclose(history.history["learning_rate"][-1], 0.005, rtol=1e-6)


def test_reduce_lr_bad_factor():
    with pytest.raises(ValueError, match=r"does not support a factor >= 1.0. Received factor=1.0"):
        keras.callbacks.ReduceLROnPlateau(factor=1.0)


def _metric_fit(cb, metric, y=None):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="mse", metrics=[metric])
    x = np.ones((4, 3), "float32")
    y = np.zeros((4, 1), "float32") if y is None else y
    model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y), callbacks=[cb])


@pytest.mark.parametrize("monitor,metric,op", [("val_precision", "precision", "greater"),
                                               ("val_mean_squared_error", "mean_squared_error", "less"),
                                               ("val_r2_score", "r2_score", "greater"),
                                               ("val_mae", "mae", "less")])
def test_auto_mode_reads_the_metric_direction(monitor, metric, op):
    metrics = {"precision": lambda: keras.metrics.Precision(), "mean_squared_error": keras.losses.MeanSquaredError,
               "r2_score": lambda: keras.metrics.R2Score(), "mae": lambda: "mae"}
    cb = keras.callbacks.EarlyStopping(monitor=monitor)
    keras.backend.clear_session()   # metric names are uniquified per session: "precision" must not be "precision_1"
    _metric_fit(cb, metrics[metric]())
    assert cb.monitor_op.__name__ == op


@pytest.mark.parametrize("name", ["custom", "true_positives"])
def test_auto_mode_refuses_a_metric_without_direction(name):
    def custom(y_true, y_pred):
        return y_pred

    metric = custom if name == "custom" else keras.metrics.TruePositives()
    cb = keras.callbacks.ReduceLROnPlateau(monitor=f"val_{name}")
    with pytest.raises(ValueError, match=f"ReduceLROnPlateau callback received monitor=val_{name}, but Keras isn't"):
        _metric_fit(cb, metric)
