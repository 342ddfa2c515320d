"""Keras 3's monitoring callbacks, written as Keras writes them: MonitorCallback, EarlyStopping and
ReduceLROnPlateau.

Their public state follows Keras 3.15 step by step: ``mode`` stays as given (``"auto"`` included; an
unknown mode warns and falls back to ``"auto"``), ``best`` is None until the first monitored epoch,
``monitor_op`` is None until the first epoch end (then ``keras.ops.less``/``greater``, which compare
in float32), ``min_delta`` is stored as ``abs(min_delta)`` and negated when ``monitor_op`` becomes
``less``, and ``best_weights`` is ``model.get_weights()``.
"""
from __future__ import annotations

import warnings

import numpy as np

from minidl.keras.callbacks import Callback
from minidl.monitor import resolve_mode

__all__ = ["MonitorCallback", "EarlyStopping", "ReduceLROnPlateau"]


# Keras' metrics without a ``_direction`` (``mode="auto"`` cannot monitor them)
_UNDIRECTED_METRICS = {"FalseNegatives", "FalsePositives", "TrueNegatives", "TruePositives", "Mean", "Sum"}


def _direction_of(metric):
    """Keras' ``metric._direction`` (``"up"``/``"down"``), or None where Keras' metric has none: the
    counters, ``Mean``/``Sum``, a ``MeanMetricWrapper`` of a function that is not a Keras loss, a user's
    class that sets none."""
    direction = getattr(metric, "_direction", None)
    if direction is not None:
        return direction
    cls = type(metric)
    if not cls.__module__.startswith("minidl.keras") or cls.__name__ in _UNDIRECTED_METRICS:
        return None
    if cls.__name__ == "MeanMetricWrapper":
        fn = getattr(metric, "_fn", None)
        module = getattr(fn, "__module__", "") if callable(fn) and not hasattr(fn, "get_config") \
            else type(fn).__module__
        return "down" if str(module).startswith("minidl.keras.losses") else None
    return "up" if resolve_mode("auto", metric.name) == "max" else "down"  # (minidl's classes: by name)


def _metric_direction(model, name):
    """``"up"``/``"down"`` for a compiled metric called ``name`` (None when there is none or it has none)."""
    from minidl.keras.models.custom_steps import CompileMetrics
    found = None
    for container in getattr(model, "metrics", None) or []:
        if isinstance(container, CompileMetrics) or type(container).__name__ == "MetricsList":
            for metric in getattr(container, "metrics", []):
                if getattr(metric, "name", None) == name:
                    direction = _direction_of(metric)
                    found = direction if direction is not None else found
    return found


class MonitorCallback(Callback):
    """Base class of the callbacks that watch a logged quantity (Keras' ``MonitorCallback``).

    Args:
        monitor: the logged quantity (default ``"val_loss"``).
        mode: ``"auto"``, ``"min"`` or ``"max"``; another value warns and becomes ``"auto"``.
        baseline: the initial ``best`` (None: the first monitored value is the best).
        min_delta: the change that counts as an improvement (its absolute value is used).
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ["auto", "min", "max"]:
            warnings.warn(f"{self.__class__.__name__} mode '{mode}' is unknown, fallback to auto mode.",
                          stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        """Choose ``keras.ops.less`` or ``greater`` (``mode="auto"``: from the compiled metric's direction;
        a name Keras cannot tell raises ValueError); ``less`` negates ``min_delta``."""
        from minidl.keras import ops
        if self.mode == "min":
            self.monitor_op = ops.less
        elif self.mode == "max":
            self.monitor_op = ops.greater
        else:
            metric_name = self.monitor.removeprefix("val_")
            if metric_name == "loss":
                self.monitor_op = ops.less
            direction = _metric_direction(self.model, metric_name) if self.model is not None else None
            if direction is not None:
                self.monitor_op = ops.greater if direction == "up" else ops.less
            if self.monitor_op is None:
                raise ValueError(
                    f"{self.__class__.__name__} callback received monitor={self.monitor}, but Keras isn't able to "
                    "automatically determine whether that metric should be maximized or minimized. Pass "
                    "`mode='max'` in order to monitor based on the highest metric value, or pass `mode='min'` "
                    "in order to use the lowest value.")
        if self.monitor_op is ops.less:
            self.min_delta *= -1

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))


class EarlyStopping(MonitorCallback):
    """Stop training when a monitored quantity has stopped improving (Keras' ``EarlyStopping``).

    Each monitored epoch (from ``start_from_epoch`` on) adds one to ``wait``; an improvement over
    ``best`` by more than ``min_delta`` records ``best``/``best_epoch`` and, when it also beats
    ``baseline``, resets ``wait``. Training stops when ``wait >= patience`` (not at epoch 0);
    ``restore_best_weights`` puts the best epoch's weights back at the end of training, whether or not
    it stopped early.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        """Reset the state (an instance may serve several ``fit`` calls)."""
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        """Count the epoch, record an improvement, or stop once patience is exceeded."""
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        """Print the stop (``verbose``) and restore the best weights (``restore_best_weights``)."""
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping", flush=True)
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.", flush=True)
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """``logs[monitor]``, or None with Keras' warning naming the available keys."""
        logs = logs or {}
        monitor_value = logs.get(self.monitor)
        if monitor_value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(list(logs.keys()))}", stacklevel=2)
        return monitor_value


def _lr_value(optimizer) -> float:
    return float(np.asarray(optimizer.learning_rate))


class ReduceLROnPlateau(MonitorCallback):
    """Reduce the learning rate by ``factor`` when a monitored quantity has stopped improving for
    ``patience`` epochs (Keras' ``ReduceLROnPlateau``); logs ``learning_rate`` each epoch.

    After a reduction, ``cooldown`` epochs pass before ``wait`` counts again; the rate never goes
    below ``min_lr`` (once there, ``wait`` keeps growing).
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        """Reset the wait and cooldown counters and the best value."""
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def _reduce_optimizer_lr(self, optimizer, epoch, name=""):
        old_lr = _lr_value(optimizer)
        if old_lr > np.float32(self.min_lr):
            new_lr = max(old_lr * self.factor, self.min_lr)
            optimizer.learning_rate = new_lr
            if self.verbose > 0:
                name_str = f" {name}" if name else ""
                print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{name_str} learning rate to {new_lr}.",
                      flush=True)
            return True
        return False

    def on_train_begin(self, logs=None):
        """Start afresh."""
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        """Log the learning rate, then count the epoch and reduce the rate when patience runs out."""
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        optimizers = getattr(self.model.optimizer, "optimizers", None)
        if optimizers is not None:
            for opt in optimizers:
                logs[f"learning_rate_{opt.name}"] = _lr_value(opt)
        else:
            logs["learning_rate"] = _lr_value(self.model.optimizer)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(list(logs.keys()))}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                if optimizers is not None:
                    reduced = any([self._reduce_optimizer_lr(opt, epoch, f"{opt.name}") for opt in optimizers])
                else:
                    reduced = self._reduce_optimizer_lr(self.model.optimizer, epoch)
                if reduced:
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self):
        """True while ``cooldown_counter`` > 0."""
        return self.cooldown_counter > 0
