"""Callbacks: early stopping, checkpoints, CSV, lr control, NaN, progress, hook order."""
import csv
import io
import math

import numpy as np
import pytest

import minidl.nn as nn
import minidl.optim as optim
from minidl.io import load
from minidl.train.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgressBar,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from minidl.train.loop import fit, load_checkpoint


def toy_data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64)


def make(lr=0.1):
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
    return model, optim.SGD(model.parameters(), lr=lr)


class Script(Callback):
    """Overwrites ``logs[key]`` with a scripted value each epoch (runs before later callbacks)."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class WeightLog(Callback):
    """The model's weights at the end of each epoch."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append({k: v.numpy().copy() for k, v in self.model.state_dict().items()})


def run(callbacks, epochs=6, val=True, lr=0.1, **kw):
    x, y = toy_data()
    model, opt = make(lr)
    hist = fit(model, (x, y), epochs=epochs, optimizer=opt, loss="cross_entropy",
               val_data=(x, y) if val else None, callbacks=callbacks, batch_size=8, verbose=0,
               seed=0, **kw)
    return model, opt, hist


def same(a, b):
    return all(np.array_equal(a[k], b[k]) for k in a)


# ------------------------------------------------------------------ EarlyStopping
def test_early_stopping_stops_at_right_epoch_and_restores_best():
    log = WeightLog()
    es = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    model, _, hist = run([Script("val_loss", [1.0, 0.8, 0.9, 0.85, 0.7, 0.6]), log, es])
    assert hist.epoch == [0, 1, 2, 3]
    assert es.stopped_epoch == 3 and es.best_epoch == 1 and es.best == 0.8
    final = {k: v.numpy() for k, v in model.state_dict().items()}
    assert same(final, log.weights[1]) and not same(final, log.weights[3])


def test_early_stopping_without_restore_keeps_last_weights():
    log = WeightLog()
    model, _, hist = run([Script("val_loss", [1.0, 0.8, 0.9, 0.85, 0.7]), log,
                          EarlyStopping(patience=2)])
    assert hist.epoch == [0, 1, 2, 3]
    assert same({k: v.numpy() for k, v in model.state_dict().items()}, log.weights[3])


def test_early_stopping_min_delta_patience_zero_and_max_mode():
    # improvements smaller than min_delta do not count: 0.95 is not < 1.0 - 0.1
    es = EarlyStopping(monitor="val_loss", min_delta=0.1, patience=1)
    _, _, hist = run([Script("val_loss", [1.0, 0.95, 0.93, 0.5, 0.4, 0.3]), es])
    assert hist.epoch == [0, 1] and es.stopped_epoch == 1
    # patience 0: the first epoch without improvement stops
    es = EarlyStopping(monitor="val_loss", patience=0)
    _, _, hist = run([Script("val_loss", [1.0, 0.9, 0.95, 0.5, 0.4, 0.3]), es])
    assert hist.epoch == [0, 1, 2]
    # "auto" maximises accuracy
    es = EarlyStopping(monitor="val_accuracy", patience=1, min_delta=0.01)
    _, _, hist = run([Script("val_accuracy", [0.5, 0.6, 0.605, 0.7, 0.8, 0.9]), es])
    assert es.mode == "max" and hist.epoch == [0, 1, 2] and es.best == 0.6


def test_early_stopping_baseline():
    # epochs that improve but stay above the baseline do not reset the wait counter
    log = WeightLog()
    es = EarlyStopping(monitor="val_loss", patience=2, baseline=0.5, restore_best_weights=True)
    model, _, hist = run([Script("val_loss", [1.0, 0.9, 0.95, 0.97, 0.99, 0.99]), log, es])
    assert hist.epoch == [0, 1, 2] and es.stopped_epoch == 2 and es.best_epoch == 1
    assert same({k: v.numpy() for k, v in model.state_dict().items()}, log.weights[1])
    es = EarlyStopping(monitor="val_loss", patience=2)  # the same run without a baseline
    _, _, hist = run([Script("val_loss", [1.0, 0.9, 0.95, 0.97, 0.99, 0.99]), es])
    assert hist.epoch == [0, 1, 2, 3]


def test_early_stopping_missing_monitor_warns():
    with pytest.warns(RuntimeWarning, match="val_loss"):
        _, _, hist = run([EarlyStopping(patience=0)], epochs=2, val=False)
    assert hist.epoch == [0, 1]


# ---------------------------------------------------------------- ModelCheckpoint
def test_checkpoint_keeps_the_best(tmp_path):
    log = WeightLog()
    path = tmp_path / "best.h5"
    ck = ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    scripted = [1.0, 0.5, 0.7, 0.4, 0.6]
    run([Script("val_loss", scripted), log, ck], epochs=5)
    assert [e for e, _ in ck.saved] == [0, 1, 3]
    saved = load(path)
    assert saved["epoch"] == 4 and saved["best"] == 0.4 and saved["monitor"] == "val_loss"
    assert same(saved["model"], log.weights[3])
    assert len(saved["history"]["loss"]) == 4 and saved["history_epochs"] == [0, 1, 2, 3]
    assert set(saved["optimizer"]) == {"state", "param_groups"}


def test_checkpoint_every_epoch_with_formatted_names(tmp_path):
    ck = ModelCheckpoint(str(tmp_path / "ck-{epoch:02d}-{val_loss:.2f}.npz"))
    run([Script("val_loss", [0.5, 0.25, 0.125]), ck], epochs=3)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["ck-01-0.50.npz", "ck-02-0.25.npz", "ck-03-0.12.npz"]
    assert load(tmp_path / "ck-02-0.25.npz")["epoch"] == 2


def test_checkpoint_max_mode_and_weights_only(tmp_path):
    path = tmp_path / "w.h5"
    ck = ModelCheckpoint(path, monitor="val_accuracy", save_best_only=True, save_weights_only=True)
    run([Script("val_accuracy", [0.5, 0.9, 0.7]), ck], epochs=3)
    assert ck.mode == "max" and [e for e, _ in ck.saved] == [0, 1]
    assert "0.weight" in load(path)


def test_checkpoint_saves_callback_state_and_load_checkpoint_restores(tmp_path):
    path = tmp_path / "c.h5"
    rl = ReduceLROnPlateau(patience=5)
    run([Script("val_loss", [1.0, 2.0, 3.0]), rl, ModelCheckpoint(path)], epochs=3)
    assert load(path)["callbacks"]["ReduceLROnPlateau"] == {"best": 1.0, "wait": 2, "cooldown_counter": 0}
    model, opt = make()
    rl2 = ReduceLROnPlateau(patience=5)
    ck = load_checkpoint(path, model, opt, callbacks=[rl2])
    assert ck["epoch"] == 3 and rl2.wait == 2
    rl2.on_train_begin()  # a resumed fit keeps the restored counters
    assert rl2.wait == 2 and rl2.best == 1.0


# --------------------------------------------------------------------- CSVLogger
def test_csv_rows_match_history(tmp_path):
    path = tmp_path / "log.csv"
    _, _, hist = run([CSVLogger(path)], epochs=3)
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3
    assert list(rows[0]) == ["epoch"] + sorted(hist.history)
    for i, row in enumerate(rows):
        assert int(row["epoch"]) == hist.epoch[i]
        for key, values in hist.history.items():
            assert float(row[key]) == values[i], key
    # append adds rows without a second header
    run([CSVLogger(path, append=True)], epochs=2)
    lines = open(path).read().splitlines()
    assert len(lines) == 1 + 3 + 2 and lines[0].startswith("epoch")


# ----------------------------------------------------------------- lr control
def test_reduce_lr_on_plateau_after_patience():
    rl = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_delta=1e-4)
    _, opt, hist = run([Script("val_loss", [1.0] * 6), rl], epochs=6)
    # the lr logged for an epoch is the one it trained with; reductions after epochs 2 and 4
    assert hist.history["lr"] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.025])
    assert opt.param_groups[0]["lr"] == pytest.approx(0.025)


def test_reduce_lr_cooldown_and_min_lr():
    rl = ReduceLROnPlateau(factor=0.1, patience=1, cooldown=2, min_lr=0.002)
    _, opt, hist = run([Script("val_loss", [1.0] * 8), rl], epochs=8)
    # Keras: reduce after epoch 1 (to 0.01); epoch 2 in cooldown; the counter reaches 0 at
    # epoch 3, which may reduce again (to max(0.001, min_lr)); then min_lr holds
    assert hist.history["lr"] == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.002, 0.002, 0.002, 0.002])


def test_lr_scheduler_per_epoch_per_batch_and_function():
    x, y = toy_data()
    model, opt = make(lr=0.1)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    hist = fit(model, (x, y), epochs=3, optimizer=opt, loss="cross_entropy", batch_size=8,
               callbacks=[LearningRateScheduler(sched)], verbose=0)
    assert hist.history["lr"] == pytest.approx([0.1, 0.05, 0.025])

    model, opt = make(lr=0.1)
    cb = LearningRateScheduler(optim.lr_scheduler.InverseTimeDecay(opt, decay=0.1))
    assert cb.per == "batch"
    hist = fit(model, (x, y), epochs=2, optimizer=opt, loss="cross_entropy", batch_size=8,
               callbacks=[cb], verbose=0)  # 4 batches per epoch
    assert hist.history["lr"] == pytest.approx([0.1 / 1.4, 0.1 / 1.8])

    model, opt = make(lr=0.1)
    hist = fit(model, (x, y), epochs=3, optimizer=opt, loss="cross_entropy", batch_size=8,
               callbacks=[LearningRateScheduler(lambda epoch, lr: 0.3 / (epoch + 1))], verbose=0)
    assert hist.history["lr"] == pytest.approx([0.3, 0.15, 0.1])
    with pytest.raises(ValueError, match="per"):
        LearningRateScheduler(optim.lr_scheduler.StepLR(opt, 1), per="step")


# ------------------------------------------------------------------ TerminateOnNaN
def test_terminate_on_nan_stops():
    calls = []

    def bad_loss(out, y):
        calls.append(1)
        loss = nn.CrossEntropyLoss()(out, y)
        return loss * float("nan") if len(calls) >= 3 else loss
    x, y = toy_data()
    model, opt = make()
    term = TerminateOnNaN()
    hist = fit(model, (x, y), epochs=5, optimizer=opt, loss=bad_loss, batch_size=8,
               callbacks=[term], verbose=0)
    assert term.stopped_batch == 2 and len(calls) == 3 and hist.epoch == [0]
    assert math.isnan(hist.history["loss"][0])


# ---------------------------------------------------------------- progress, hooks
def test_progress_bar_output_and_quiet(capsys):
    buf = io.StringIO()
    run([ProgressBar(verbose=1, file=buf)], epochs=2)
    text = buf.getvalue()
    assert "Epoch 1/2" in text and "Epoch 2/2" in text and "loss=" in text and "img/s=" in text
    assert "val_accuracy=" in text
    buf = io.StringIO()
    run([ProgressBar(verbose=2, file=buf)], epochs=2)
    assert len(buf.getvalue().splitlines()) == 2
    run([], epochs=1)  # verbose=0: nothing at all
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_hook_order_and_logs():
    calls = []
    hooks = {name: (lambda *a, _n=name: calls.append(_n)) for name in (
        "on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_test_begin",
        "on_test_batch_end", "on_test_end", "on_train_end")}
    seen = {}

    def batch_end(batch, logs):
        calls.append("on_train_batch_end")
        seen["batch"] = dict(logs)

    def epoch_end(epoch, logs):
        calls.append("on_epoch_end")
        seen["epoch"] = dict(logs)
    cb = LambdaCallback(on_train_batch_end=batch_end, on_epoch_end=epoch_end, **hooks)
    x, y = toy_data(n=16)
    model, opt = make()
    fit(model, (x, y), epochs=1, optimizer=opt, loss="cross_entropy", val_data=(x, y),
        batch_size=8, callbacks=[cb], verbose=0)
    assert calls == ["on_train_begin", "on_epoch_begin",
                     "on_train_batch_begin", "on_train_batch_end",
                     "on_train_batch_begin", "on_train_batch_end",
                     "on_test_begin", "on_test_batch_end", "on_test_batch_end", "on_test_end",
                     "on_epoch_end", "on_train_end"]
    assert {"loss", "accuracy", "images_per_sec", "batch", "size"} <= set(seen["batch"])
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "lr"} <= set(seen["epoch"])
    assert cb.params["epochs"] == 1 and cb.params["steps"] == 2 and cb.optimizer is opt


def test_lr_scheduler_wraps_plateau_scheduler():
    def cb_for(opt):
        return LearningRateScheduler(optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0))
    x, y = toy_data()
    model, opt = make(lr=0.1)
    hist = fit(model, (x, y), epochs=3, optimizer=opt, loss="cross_entropy", val_data=(x, y),
               batch_size=8, callbacks=[Script("val_loss", [1.0, 1.0, 1.0]), cb_for(opt)], verbose=0)
    # epoch 0 sets the best; epoch 1 is bad (> patience 0): reduced for epoch 2
    assert hist.history["lr"] == pytest.approx([0.1, 0.1, 0.05])


def test_scheduler_state_resumes_from_checkpoint(tmp_path):
    x, y = toy_data()

    def setup():
        model, opt = make(lr=0.1)
        return model, opt, LearningRateScheduler(optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5))
    kw = dict(loss="cross_entropy", batch_size=8, verbose=0, seed=3)
    model, opt, cb = setup()
    full = fit(model, (x, y), epochs=3, optimizer=opt, callbacks=[cb], **kw)
    model, opt, cb = setup()
    fit(model, (x, y), epochs=2, optimizer=opt, callbacks=[cb, ModelCheckpoint(tmp_path / "c.h5")], **kw)
    model, opt, cb = setup()
    ck = load_checkpoint(tmp_path / "c.h5", model, opt, callbacks=[cb])
    resumed = fit(model, (x, y), epochs=3, initial_epoch=ck["epoch"], optimizer=opt, callbacks=[cb], **kw)
    assert resumed.history["lr"] == full.history["lr"][2:] == [0.025]
    assert cb.scheduler.last_epoch == 3
