"""ModelCheckpoint, CSVLogger, TerminateOnNaN, LambdaCallback and ProgbarLogger against Keras 3.15
(differential: expected values read from Keras 3.15.1, JAX backend; the file passes with ``import keras``
in place of minidl.keras)."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
import minidl.keras as keras  # noqa: E402


class _Feed(keras.callbacks.Callback):
    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


X, Y = np.ones((8, 3), "float32"), np.zeros((8, 1), "float32")


def _model(metrics=()):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=list(metrics))
    return model


def test_model_checkpoint_state(tmp_path):
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch:02d}.keras"), save_best_only=True, verbose=1)
    assert (cb.mode, cb.best, cb.monitor_op, cb.min_delta) == ("auto", None, None, 0)
    assert cb._batches_seen_since_last_saving == 0 and cb._last_batch_seen is None
    feed = _Feed("val_loss", [1.0, 0.9, 0.95, 0.8, 0.85])
    _model().fit(X, Y, epochs=5, batch_size=2, verbose=0, callbacks=[feed, cb])
    assert cb.best == 0.8 and cb.monitor_op.__name__ == "less" and cb.min_delta == 0
    assert sorted(os.listdir(tmp_path)) == ["m-01.keras", "m-02.keras", "m-04.keras"]


def test_model_checkpoint_messages(tmp_path, capsys):
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_best_only=True, verbose=1,
                                         initial_value_threshold=0.92)
    assert cb.best == 0.92
    _model().fit(X, Y, epochs=2, verbose=0, callbacks=[_Feed("val_loss", [1.0, 0.9]), cb])
    out = capsys.readouterr().out.replace(str(tmp_path), "D")
    assert out == ("\nEpoch 1: val_loss did not improve from 0.92000\n"
                   "\nEpoch 2: val_loss improved from 0.92000 to 0.90000, saving model to D/m.keras\n"
                   "\nEpoch 2: finished saving model to D/m.keras\n")


def test_model_checkpoint_missing_monitor_warns_and_saves(tmp_path):
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_best_only=True)
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available."):
        _model().fit(X, Y, epochs=1, verbose=0, callbacks=[cb])
    assert os.listdir(tmp_path) == ["m.keras"] and cb.best is None


def test_model_checkpoint_batch_counters(tmp_path):
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch}-{batch}.keras"), save_freq=3)
    _model().fit(X, Y, epochs=2, batch_size=2, verbose=0, callbacks=[cb])
    assert (cb._batches_seen_since_last_saving, cb._last_batch_seen) == (2, 3)
    assert sorted(os.listdir(tmp_path)) == ["m-1-3.keras", "m-2-2.keras"]


def test_model_checkpoint_errors(tmp_path):
    with pytest.warns(UserWarning, match="ModelCheckpoint mode 'xx' is unknown, fallback to auto mode."):
        assert keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), mode="xx").mode == "auto"
    with pytest.raises(ValueError, match="Unrecognized save_freq: batch"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="batch")
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "m-{nope}.keras"))
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        _model().fit(X, Y, epochs=1, verbose=0, callbacks=[cb])


def test_csv_logger_attributes_and_append(tmp_path):
    path = str(tmp_path / "log.csv")
    cb = keras.callbacks.CSVLogger(path, separator=";", append=True)
    assert (cb.filename, cb.sep, cb.append, cb.keys, cb.append_header, cb.writer, cb.csv_file) == \
        (path, ";", True, None, True, None, None)
    model = _model(["mae"])
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[cb])
    assert cb.keys == ["loss", "mae", "val_loss", "val_mae"] and cb.writer is None and cb.csv_file.closed
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[cb])
    assert cb.append_header is False
    lines = open(path).read().splitlines()
    assert lines[0] == "epoch;loss;mae;val_loss;val_mae" and len(lines) == 4
    assert [line.split(";")[0] for line in lines[1:]] == ["0", "1", "0"]
    assert lines[1].endswith(";NA;NA")


def test_terminate_on_nan(capsys):
    class Bad(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                logs["loss"] = float("nan")
    cb = keras.callbacks.TerminateOnNaN()
    assert cb.raise_error is False
    history = _model().fit(X, Y, epochs=3, batch_size=2, verbose=0, callbacks=[Bad(), cb])
    assert history.epoch == [0] and "Batch 1: Invalid loss, terminating training\n" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1"):
        _model().fit(X, Y, epochs=1, batch_size=2, verbose=0,
                     callbacks=[Bad(), keras.callbacks.TerminateOnNaN(raise_error=True)])


def test_lambda_callback_extra_keywords_and_params():
    events = []
    cb = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: events.append(epoch),
                                        on_batch_end=lambda batch, logs: events.append(("b", batch)), other=3)
    assert cb.params is None and cb.other == 3
    _model().fit(X, Y, epochs=2, batch_size=4, verbose=0, callbacks=[cb])
    assert events == [("b", 0), ("b", 1), 0, ("b", 0), ("b", 1), 1]
    assert cb.params["epochs"] == 2 and cb.params["steps"] == 2


def test_progbar_logger_initial_state():
    cb = keras.callbacks.ProgbarLogger()
    assert (cb.seen, cb.progbar, cb.target, cb.verbose, cb.epochs, cb._called_in_fit) == (0, None, None, 1, 1, False)


def test_callback_list_signature_and_batch_aliases():
    events = []

    class C(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            events.append(("eb", epoch, logs))

        def on_train_batch_end(self, batch, logs=None):
            events.append(("tbe", batch, logs))

        def on_batch_end(self, batch, logs=None):  # (not called: on_train_batch_end is overridden)
            events.append(("be", batch))

    class D(keras.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):  # called by the default on_train_batch_end
            events.append(("d", batch))

    model = _model()
    cbs = keras.callbacks.CallbackList([C(), D()], add_history=True, model=model, epochs=3, verbose=0, steps=2)
    assert [type(c).__name__ for c in cbs.callbacks] == ["C", "D", "History"]
    assert cbs.callbacks[0].params == {"epochs": 3, "verbose": 0, "steps": 2}
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    assert events == [("eb", 0, {}), ("tbe", 0, {"loss": 1.0}), ("d", 0)]


def test_learning_rate_scheduler(capsys):
    cb = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5, verbose=1)
    history = _model().fit(X, Y, epochs=2, verbose=0, callbacks=[cb])
    np.testing.assert_allclose(history.history["learning_rate"], [0.05, 0.025], rtol=1e-6)
    assert "\nEpoch 1: LearningRateScheduler setting learning rate to 0.05000000074505806.\n" in capsys.readouterr().out
    with pytest.raises(ValueError, match="The output of the `schedule` function should be a float. Got: 1"):
        _model().fit(X, Y, epochs=1, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(lambda e: 1)])
    model = _model()
    model.compile(optimizer=keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 1, 0.5)),
                  loss="mse")
    with pytest.raises(TypeError, match="its learning rate is not settable"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(lambda e, lr: 0.1)])


def test_hook_order_and_logs_in_fit():
    events = []

    class Recorder(keras.callbacks.Callback):
        pass

    for hook in ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
                 "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end"]:
        def record(self, *args, _hook=hook, **kwargs):
            logs = kwargs["logs"] if "logs" in kwargs else args[-1]
            events.append((_hook, "kw" if "logs" in kwargs else "pos", sorted(logs or {})))
        setattr(Recorder, hook, record)
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 1), "float32")
    _model(["mae"]).fit(x, y, epochs=1, batch_size=4, verbose=0, validation_data=(x, y), callbacks=[Recorder()])
    logs, val = ["loss", "mae"], ["loss", "mae", "val_loss", "val_mae"]
    assert events == [("on_train_begin", "pos", []), ("on_epoch_begin", "pos", []),
                      ("on_train_batch_begin", "kw", []), ("on_train_batch_end", "kw", logs),
                      ("on_test_begin", "pos", []), ("on_test_batch_begin", "kw", []),
                      ("on_test_batch_end", "kw", logs), ("on_test_end", "pos", logs),
                      ("on_epoch_end", "pos", val), ("on_train_end", "pos", val)]
