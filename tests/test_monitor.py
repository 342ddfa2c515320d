"""The one "improved" rule (minidl.monitor) and the plateau callback built on the optimiser's scheduler."""
import itertools
import math

import numpy as np
import pytest

import minidl.nn as nn
from minidl import optim
from minidl.monitor import improves, initial_best, monitored_value, resolve_mode
from minidl.train import EarlyStopping, ModelCheckpoint, ReduceLROnPlateau


def test_improves_abs_and_rel():
    assert improves(0.89, 1.0, "min", 0.1) and not improves(0.95, 1.0, "min", 0.1)
    assert improves(1.2, 1.0, "max", 0.1) and not improves(1.05, 1.0, "max", 0.1)
    assert improves(0.98, 1.0, "min", 0.01, "rel") and not improves(0.995, 1.0, "min", 0.01, "rel")
    assert improves(1.02, 1.0, "max", 0.01, "rel") and not improves(1.005, 1.0, "max", 0.01, "rel")
    assert improves(5.0, initial_best("min"), "min") and improves(-5.0, initial_best("max"), "max")
    assert not improves(math.nan, 1.0, "min") and not improves(math.nan, 1.0, "max")


def test_resolve_mode_and_missing_values():
    assert [resolve_mode("auto", m) for m in ("val_acc", "val_auc", "f1", "val_loss", "mae")] == \
        ["max", "max", "max", "min", "min"]
    with pytest.raises(ValueError, match="mode must be"):
        resolve_mode("up", "val_loss")
    with pytest.warns(RuntimeWarning, match=r"Owner: 'val_loss' is not in the logs \(available: \['loss'\]\)"):
        assert monitored_value("Owner", "val_loss", {"loss": 1.0}) is None
    assert monitored_value("Owner", "loss", {"loss": np.float32(2.5)}) == 2.5


def test_callbacks_share_the_rule():
    es = EarlyStopping(monitor="val_accuracy", min_delta=-0.1)       # Keras takes |min_delta|
    assert es.mode == "max" and es._is_improvement(0.75, 0.6) and not es._is_improvement(0.65, 0.6)
    ck = ModelCheckpoint("unused.h5", monitor="val_loss", save_best_only=True)
    assert ck.mode == "min" and ck.best == math.inf


def _keras_reduce_lr(values, factor, patience, cooldown, min_delta, min_lr, mode, lr=0.1):
    """Keras' ReduceLROnPlateau algorithm, written out: the lr trained with in each epoch."""
    best, wait, counter, lrs = initial_best(mode), 0, 0, []
    for current in values:
        lrs.append(lr)
        if counter > 0:
            counter -= 1
            wait = 0
        if improves(current, best, mode, min_delta):
            best, wait = current, 0
        elif counter == 0:
            wait += 1
            if wait >= patience and lr > np.float32(min_lr):
                lr = max(lr * factor, min_lr)
                counter, wait = cooldown, 0
    return lrs


class _Trainer:
    def __init__(self, optimizer):
        self.optimizer, self.model, self.stop_training = optimizer, None, False


@pytest.mark.parametrize("patience, cooldown, mode", list(itertools.product([0, 1, 3], [0, 1, 2], ["min", "max"])))
def test_keras_callback_over_the_optimiser_scheduler_matches_keras(patience, cooldown, mode):
    rng = np.random.default_rng(patience * 10 + cooldown)
    values = list(np.round(rng.uniform(0, 1, 40), 1) + np.linspace(0, 0.5 if mode == "min" else -0.5, 40))
    want = _keras_reduce_lr(values, 0.5, patience, cooldown, 0.05, 0.01, mode)
    opt = optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1)
    cb = ReduceLROnPlateau(monitor="m", factor=0.5, patience=patience, cooldown=cooldown, min_delta=0.05,
                           min_lr=0.01, mode=mode)
    cb.set_trainer(_Trainer(opt))
    cb.on_train_begin()
    got = []
    for epoch, v in enumerate(values):
        got.append(opt.param_groups[0]["lr"])
        cb.on_epoch_end(epoch, {"m": float(v)})
    assert isinstance(cb.scheduler, optim.lr_scheduler.ReduceLROnPlateau)
    assert got == pytest.approx(want)
