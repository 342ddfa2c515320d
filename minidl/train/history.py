"""``History``: what ``fit`` returns, the per-epoch record of every logged value."""
from __future__ import annotations

import math

from minidl.train.callbacks import Callback

__all__ = ["History"]


class History(Callback):
    """Per-epoch lists of every value logged at the end of an epoch (Keras' ``History``).

    Attributes:
        history: dict key -> list of floats (``loss``, ``accuracy``,
            ``val_loss``, ``val_accuracy``, ``lr``, ``time``,
            ``images_per_sec`` ...), one entry per epoch run.
        epoch: the epoch indices (0-based, from ``initial_epoch``).
        params: the run's parameters (``epochs``, ``steps``, ``verbose`` ...).

    A key first logged in a later epoch is padded with NaN for the earlier ones,
    so every list has ``len(epoch)`` entries.
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epoch.append(int(epoch))
        n = len(self.epoch)
        for key, value in logs.items():
            values = self.history.setdefault(key, [math.nan] * (n - 1))
            scalar = isinstance(value, (int, float)) or (hasattr(value, "item") and getattr(value, "ndim", 0) == 0)
            values.append(float(value) if scalar else value)
        for values in self.history.values():
            if len(values) < n:
                values.append(math.nan)

    def best(self, monitor="val_loss", mode="auto"):
        """``(epoch, value)`` of the best value of ``monitor`` ("min"/"max"/"auto" by name)."""
        from minidl.train.callbacks import resolve_mode
        values = self.history.get(monitor)
        if not values:
            raise KeyError(f"History has no {monitor!r}; logged: {sorted(self.history)}")
        better_is_max = resolve_mode(mode, monitor) == "max"
        valid = [(v, i) for i, v in enumerate(values) if not math.isnan(v)]
        v, i = (max if better_is_max else min)(valid)
        return self.epoch[i], v

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={sorted(self.history)})"
