"""Learning-rate callbacks: LearningRateScheduler drives any ``optim.lr_scheduler`` (or a Keras-style
function) from the fit loop; ReduceLROnPlateau is Keras' callback over the optimiser's plateau scheduler."""
from __future__ import annotations

import math

from minidl.monitor import initial_best, monitored_value, resolve_mode
from minidl.optim import lr_scheduler
from minidl.train.callbacks import Callback

__all__ = ["LearningRateScheduler", "ReduceLROnPlateau"]


def _set_lr(optimizer, lr) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


def _get_lr(optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


class LearningRateScheduler(Callback):
    """Drive a learning-rate schedule from the fit loop.

    Args:
        scheduler: an ``optim.lr_scheduler`` object (stepped with ``.step()``;
            ``optim.lr_scheduler.ReduceLROnPlateau`` with ``.step(logs[monitor])``),
            or a Keras-style function ``schedule(epoch, lr) -> new lr`` applied
            to every group at the start of each epoch.
        per: ``"epoch"`` (step once after each epoch, PyTorch's convention) or
            ``"batch"`` (after each optimiser step). Default: ``"batch"`` for
            ``InverseTimeDecay`` (Keras' per-iteration ``decay``), else ``"epoch"``.
        monitor: the logged value fed to a plateau scheduler.

    >>> import minidl.nn as nn, minidl.optim as optim
    >>> opt = optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1)
    >>> LearningRateScheduler(optim.lr_scheduler.InverseTimeDecay(opt, decay=0.01)).per
    'batch'
    """

    _message_prefix = ""  # what precedes the verbose message (Keras' subclass: a newline)

    def __init__(self, scheduler, per=None, monitor="val_loss", verbose=0):
        super().__init__()
        self.scheduler = scheduler
        self.monitor = monitor
        self.verbose = verbose
        self.is_function = not hasattr(scheduler, "step")
        if per is None:
            per = "batch" if isinstance(scheduler, lr_scheduler.InverseTimeDecay) else "epoch"
        if per not in ("epoch", "batch"):
            raise ValueError(f"per must be 'epoch' or 'batch', got {per!r}")
        if self.is_function and per != "epoch":
            raise ValueError("a schedule function is applied per epoch")
        if isinstance(scheduler, lr_scheduler.ReduceLROnPlateau) and per != "epoch":
            raise ValueError("ReduceLROnPlateau steps once per epoch")
        self.per = per

    def on_epoch_begin(self, epoch, logs=None):
        if self.is_function:
            lr = float(self.scheduler(epoch, _get_lr(self.optimizer)))
            if not math.isfinite(lr):
                raise ValueError(f"the schedule returned lr={lr} for epoch {epoch}")
            _set_lr(self.optimizer, lr)
            if self.verbose:
                print(f"{self._message_prefix}Epoch {epoch + 1}: LearningRateScheduler setting learning rate "
                      f"to {lr}.")

    def on_train_batch_end(self, batch, logs=None):
        if self.per == "batch":
            self.scheduler.step()

    def on_epoch_end(self, epoch, logs=None):
        if self.is_function or self.per != "epoch":
            return
        if isinstance(self.scheduler, lr_scheduler.ReduceLROnPlateau):
            value = monitored_value("LearningRateScheduler", self.monitor, logs)
            if value is None:
                return
            self.scheduler.step(value)
        else:
            self.scheduler.step()

    def state_dict(self):
        """The scheduler's state (empty for a schedule function)."""
        fn = getattr(self.scheduler, "state_dict", None)
        return fn() if fn is not None else {}

    def load_state_dict(self, state):
        """Restore the scheduler's state."""
        fn = getattr(self.scheduler, "load_state_dict", None)
        if fn is not None and state:
            fn(dict(state))


class ReduceLROnPlateau(Callback):
    """Multiply every group's lr by ``factor`` once ``monitor`` has not improved for
    ``patience`` epochs (Keras' callback and arguments).

    A thin adapter over :class:`minidl.optim.lr_scheduler.ReduceLROnPlateau`,
    which does the work: at the start of training it builds that scheduler on
    the fit's optimiser and steps it with ``logs[monitor]`` after every epoch.
    An improvement is ``current < best - min_delta`` (mode min) or
    ``current > best + min_delta`` (mode max). After a reduction, ``cooldown``
    epochs pass during which the wait counter stays at 0 (Keras counts the last
    of them again: the scheduler gets ``cooldown - 1``; likewise Keras' wait
    reaching ``patience`` is the scheduler's count exceeding ``patience - 1``).
    The lr never goes below ``min_lr``; no reduction happens once it is there.

    Attributes: ``scheduler`` (None before training), ``best``, ``wait``,
    ``cooldown_counter`` (the scheduler's ``best``, ``num_bad_epochs`` and
    ``cooldown_counter``).
    """

    _message_prefix = ""  # what precedes the verbose message (Keras' subclass: a newline)

    _missing_message = None  # (Keras' subclasses word the missing-monitor warning their own way)

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__()
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0")
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = int(patience)
        self.verbose = verbose
        self.mode = resolve_mode(mode, monitor)
        self.min_delta = float(min_delta)
        self.cooldown = int(cooldown)
        self.min_lr = float(min_lr)
        self.scheduler = None
        self._state = {"best": initial_best(self.mode), "wait": 0, "cooldown_counter": 0}
        self._restored = False

    def _new_scheduler(self):
        return lr_scheduler.ReduceLROnPlateau(
            self.optimizer, mode=self.mode, factor=self.factor, patience=max(self.patience, 1) - 1,
            threshold=self.min_delta, threshold_mode="abs", cooldown=max(self.cooldown - 1, 0),
            min_lr=self.min_lr, eps=0.0)

    def _get(self, key):
        if self.scheduler is None:
            return self._state[key]
        name = {"wait": "num_bad_epochs"}.get(key, key)
        return getattr(self.scheduler, name)

    best = property(lambda self: self._get("best"), doc="The best value so far.")
    wait = property(lambda self: self._get("wait"), doc="Epochs without improvement since the last reset.")
    cooldown_counter = property(lambda self: self._get("cooldown_counter"), doc="Cooldown epochs left.")

    def in_cooldown(self) -> bool:
        """True during the cooldown epochs after a reduction."""
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        if not self._restored:      # Keras: a new fit starts afresh, unless a checkpoint was loaded
            self._state = {"best": initial_best(self.mode), "wait": 0, "cooldown_counter": 0}
        self.scheduler = None       # built on the fit's optimiser at the first epoch end
        self._restored = False

    def on_epoch_end(self, epoch, logs=None):
        current = monitored_value("ReduceLROnPlateau", self.monitor, logs, self._missing_message)
        if current is None:
            return
        if self.scheduler is None:
            self.scheduler = self._new_scheduler()
            self.scheduler.best = self._state["best"]
            self.scheduler.num_bad_epochs = self._state["wait"]
            self.scheduler.cooldown_counter = self._state["cooldown_counter"]
        before = [group["lr"] for group in self.optimizer.param_groups]
        self.scheduler.step(current)
        if self.verbose and [group["lr"] for group in self.optimizer.param_groups] != before:
            print(f"{self._message_prefix}Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                  f"to {float(self.optimizer.param_groups[0]['lr'])}.")

    def state_dict(self):
        """Counters and best value."""
        return {"best": self.best, "wait": self.wait, "cooldown_counter": self.cooldown_counter}

    def load_state_dict(self, state):
        """Restore :meth:`state_dict`'s values (kept by the next ``on_train_begin``)."""
        self._state = {key: state.get(key, self._get(key)) for key in ("best", "wait", "cooldown_counter")}
        self.scheduler = None
        self._restored = True
