"""Keras 3 callback details: missing-monitor warnings, ``monitor_op`` and the ``mode="auto"`` check
(differential: passes under minidl.keras and, with the import switched to ``import keras``, under
Keras 3.15 with KERAS_BACKEND=jax)."""
import os
import warnings

import numpy as np
import pytest

import minidl.keras as keras

X = np.random.RandomState(0).rand(16, 4).astype("float32")
Y = (X[:, :1] > 0.5).astype("float32")


def _model():
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    m.compile(keras.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"])
    return m


def _two():
    i = keras.Input((4,))
    m = keras.Model(i, [keras.layers.Dense(1, activation="sigmoid", name="a")(i), keras.layers.Dense(1, name="b")(i)])
    m.compile("sgd", ["binary_crossentropy", "mse"], metrics=[["accuracy"], ["mae"]])
    return m


def _messages(record, word):
    return sorted({(w.category.__name__, str(w.message)) for w in record if word in str(w.message)})


def test_missing_monitor_warnings_use_keras_text(tmp_path):
    m = _model()
    cbs = [keras.callbacks.EarlyStopping(monitor="val_x", mode="min"),
           keras.callbacks.ReduceLROnPlateau(monitor="val_x", patience=1, mode="min"),
           keras.callbacks.ModelCheckpoint(os.path.join(tmp_path, "a.keras"), monitor="val_x", save_best_only=True,
                                           mode="min")]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        m.fit(X, Y, batch_size=8, epochs=1, callbacks=cbs, verbose=0)
    assert _messages(record, "val_x") == [
        ("UserWarning", "Can save best model only with val_x available."),
        ("UserWarning", "Early stopping conditioned on metric `val_x` which is not available. Available metrics "
                        "are: accuracy,loss"),  # (ReduceLROnPlateau adds learning_rate after)
        ("UserWarning", "Learning rate reduction is conditioned on metric `val_x` which is not available. "
                        "Available metrics are: accuracy,loss,learning_rate."),
    ]


def test_monitor_op_is_keras_ops_less_or_greater():
    m = _model()
    cbs = [keras.callbacks.EarlyStopping(monitor="accuracy"), keras.callbacks.EarlyStopping(monitor="loss"),
           keras.callbacks.ReduceLROnPlateau(monitor="loss", mode="max")]
    m.fit(X, Y, batch_size=8, epochs=1, callbacks=cbs, verbose=0)
    assert [c.monitor_op.__name__ for c in cbs] == ["greater", "less", "greater"]
    assert keras.ops.less.__name__ == "less" and keras.ops.add.__name__ == "add"


@pytest.mark.parametrize("cls, monitor", [("EarlyStopping", "val_a_loss"), ("EarlyStopping", "val_a_accuracy"),
                                          ("ReduceLROnPlateau", "val_b_mae"), ("ModelCheckpoint", "val_foo")])
def test_auto_mode_needs_loss_or_a_compiled_metric_name(tmp_path, cls, monitor):
    m = _two()
    kwargs = {"filepath": os.path.join(tmp_path, "m.keras")} if cls == "ModelCheckpoint" else {}
    cb = getattr(keras.callbacks, cls)(monitor=monitor, **kwargs)
    with pytest.raises(ValueError, match="isn't able to automatically determine whether that metric should be"):
        m.fit(X, [Y, Y], epochs=1, verbose=0, validation_split=0.25, callbacks=[cb])


@pytest.mark.parametrize("monitor, op", [("val_accuracy", "greater"), ("mae", "less"), ("loss", "less")])
def test_auto_mode_reads_the_compiled_metric(monitor, op):
    m = _two()
    cb = keras.callbacks.EarlyStopping(monitor=monitor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(X, [Y, Y], epochs=1, verbose=0, validation_split=0.25, callbacks=[cb])
    assert cb.monitor_op.__name__ == op


def test_reduce_lr_message_shows_the_float32_learning_rate(capsys):
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    m.compile(keras.optimizers.SGD(3.0), "binary_crossentropy")
    cb = keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=0, min_delta=1, verbose=1)
    capsys.readouterr()
    h = m.fit(X, Y, batch_size=8, epochs=4, verbose=0, callbacks=[cb])
    out = capsys.readouterr().out
    # Keras multiplies the float32 variable's value: 3.0 * 0.1, then float32(0.3) * 0.1, ...
    assert out.splitlines() == ["", "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.30000000000000004.",
                                "", "Epoch 3: ReduceLROnPlateau reducing learning rate to 0.030000001192092896.",
                                "", "Epoch 4: ReduceLROnPlateau reducing learning rate to 0.0030000001192092896."]
    np.testing.assert_allclose(h.history["learning_rate"], [3.0, 3.0, 0.3, 0.03], rtol=1e-6)  # (the epoch's rate)


class _Feed(keras.callbacks.Callback):
    """Replaces the monitored value of each epoch with a scripted one (before the callbacks after it)."""

    def __init__(self, values):
        super().__init__()
        self.values = list(values)

    def on_epoch_end(self, epoch, logs=None):
        logs["score"] = self.values[epoch]


def test_early_stopping_compares_in_float32():
    m = _model()
    # float32 accuracies 0.55 and 0.6 as logged: 0.6 - 0.05 is not greater than 0.55 in float32 (Keras'
    # ops.greater), though it is in float64
    a, b = float(np.float32(0.55)), float(np.float32(0.6))
    es = keras.callbacks.EarlyStopping(monitor="score", mode="max", min_delta=0.05, patience=1)
    h = m.fit(X, Y, epochs=5, verbose=0, callbacks=[_Feed([a, b, b, b, b]), es])
    assert len(h.epoch) == 2 and es.best == pytest.approx(0.55) and es.stopped_epoch == 1


def test_model_checkpoint_filepath_attribute(tmp_path):
    path = os.path.join(tmp_path, "m-{epoch:02d}.keras")
    cb = keras.callbacks.ModelCheckpoint(path)
    assert cb.filepath == path and cb.monitor == "val_loss" and cb.save_freq == "epoch"
