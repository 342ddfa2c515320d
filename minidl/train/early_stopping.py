"""Stopping callbacks: EarlyStopping (monitor stopped improving) and TerminateOnNaN (the loss blew up)."""
from __future__ import annotations

import math
import sys

from minidl.monitor import improves, initial_best, monitored_value, resolve_mode
from minidl.train.callbacks import Callback, model_weights, unwrap_model

__all__ = ["EarlyStopping", "TerminateOnNaN"]


class EarlyStopping(Callback):
    """Stop when ``monitor`` has stopped improving (Keras semantics).

    Each epoch the wait counter goes up by one; an improvement (``current``
    better than the best by more than ``min_delta``, in the direction of
    ``mode``) records the new best and resets the counter to 0 (if ``baseline``
    is set, only when ``current`` also beats the baseline). When the counter
    reaches ``patience`` (and this is not the first epoch), training stops and
    ``stopped_epoch`` records the epoch. With ``restore_best_weights``, the
    model gets the weights of the best epoch back at the end of training.

    Args:
        monitor: key of the epoch logs, e.g. ``"val_loss"``, ``"val_accuracy"``.
        min_delta: minimum change that counts as an improvement (>= 0).
        patience: epochs without improvement before stopping.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy-like names).
        baseline: a value the monitor must beat for the counter to reset.
        restore_best_weights: restore the best epoch's weights at the end.
        start_from_epoch: epochs to wait before monitoring starts.

    Attributes: ``best``, ``best_epoch``, ``wait``, ``stopped_epoch`` (0 when
    it did not stop).
    """

    _missing_message = None  # (Keras' subclasses word the missing-monitor warning their own way)

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = int(start_from_epoch)
        self.mode = resolve_mode(mode, monitor)
        self.min_delta = abs(float(min_delta)) * (1 if self.mode == "max" else -1)
        self._reset()

    def _reset(self):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = initial_best(self.mode)
        self.best_weights = None
        self.best_epoch = 0

    def _is_improvement(self, value, reference):
        return improves(value, reference, self.mode, abs(self.min_delta))

    def on_train_begin(self, logs=None):
        if not getattr(self, "_restored", False):
            self._reset()
        self._restored = False

    def on_epoch_end(self, epoch, logs=None):
        current = monitored_value(type(self).__name__, self.monitor, logs, self._missing_message)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = model_weights(unwrap_model(self.model))  # if nothing ever improves
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = model_weights(unwrap_model(self.model))
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.request_stop()

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            unwrap_model(self.model).load_state_dict(self.best_weights)

    def state_dict(self):
        """Counters and best value, and the best weights with ``restore_best_weights``
        (so a resumed run restores the same weights at its end)."""
        state = {"wait": self.wait, "best": self.best, "best_epoch": self.best_epoch,
                 "stopped_epoch": self.stopped_epoch}
        if self.restore_best_weights and self.best_weights is not None:
            state["best_weights"] = self.best_weights
        return state

    def load_state_dict(self, state):
        """Restore :meth:`state_dict`'s values."""
        for k in ("wait", "best", "best_epoch", "stopped_epoch", "best_weights"):
            if k in state:
                setattr(self, k, state[k])
        self._restored = True  # the next on_train_begin keeps these


class TerminateOnNaN(Callback):
    """Stop training as soon as the loss becomes NaN or infinite."""

    def __init__(self):
        super().__init__()
        self.stopped_batch = None

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print(f"Batch {batch}: invalid loss, terminating training", file=sys.stderr)
            self.stopped_batch = batch
            self.request_stop()
