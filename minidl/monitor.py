"""The training workflow's rule for "better than the best so far", written once.

EarlyStopping, ModelCheckpoint, both ReduceLROnPlateau (the optimiser
scheduler and the Keras-style callback over it), ``History.best`` and the
hyper-parameter search all decide with these functions:

- :func:`resolve_mode`: ``"min"``/``"max"``, with ``"auto"`` read from the name;
- :func:`improves`: whether a value beats a reference by more than a delta
  (absolute, Keras' ``min_delta``, or relative, PyTorch's ``threshold_mode="rel"``);
- :func:`initial_best`: the starting "best" (``+inf`` for min, ``-inf`` for max);
- :func:`monitored_value`: the monitored number from an epoch's logs, with a
  warning naming what is there when it is missing.

Plain Python, no arrays: every layer may import it.
"""
from __future__ import annotations

import math
import warnings

__all__ = ["resolve_mode", "improves", "initial_best", "monitored_value"]


def resolve_mode(mode: str, monitor: str) -> str:
    """``"min"`` or ``"max"``; ``"auto"`` is ``"max"`` for accuracy-like names
    (containing ``acc``, or ending in ``auc``/``f1`` or the name of a Keras metric
    that should grow: ``f1_score``, ``r2_score``, ``precision``, ``io_u``, ...), else ``"min"``.

    >>> resolve_mode("auto", "val_accuracy"), resolve_mode("auto", "val_loss"), resolve_mode("max", "loss")
    ('max', 'min', 'max')
    """
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    name = str(monitor).lower()
    return "max" if "acc" in name or name.endswith(("auc", "f1") + _GROWING_KERAS_METRICS) else "min"


# Keras metrics whose ``_direction`` is "up" (Keras' EarlyStopping/ModelCheckpoint maximise them in "auto")
_GROWING_KERAS_METRICS = ("f1_score", "fbeta_score", "r2_score", "io_u", "precision", "recall", "_at_recall",
                          "_at_precision", "_at_specificity", "_at_sensitivity", "correlation", "cosine_similarity")


def improves(value, reference, mode: str, min_delta: float = 0.0, threshold_mode: str = "abs") -> bool:
    """Whether ``value`` is better than ``reference`` by more than ``min_delta`` in the direction of ``mode``.

    ``threshold_mode="abs"``: ``value < reference - min_delta`` (min) or
    ``value > reference + min_delta`` (max). ``"rel"``: ``value < reference * (1 - min_delta)``
    or ``value > reference * (1 + min_delta)``. ``mode`` is ``"min"`` or ``"max"``.

    >>> improves(0.9, 1.0, "min", 0.05), improves(0.97, 1.0, "min", 0.05), improves(0.97, 1.0, "max")
    (True, False, False)
    """
    if threshold_mode == "rel":
        if mode == "min":
            return value < reference * (1.0 - min_delta)
        return value > reference * (min_delta + 1.0)
    if mode == "min":
        return value < reference - min_delta
    return value > reference + min_delta


def initial_best(mode: str) -> float:
    """The best value before any epoch: ``inf`` for ``"min"``, ``-inf`` for ``"max"``."""
    return math.inf if mode == "min" else -math.inf


def monitored_value(owner, monitor: str, logs, message=None):
    """``logs[monitor]`` as a float, or None with a RuntimeWarning naming ``owner`` and the logged keys;
    ``message`` (a template with ``{monitor}`` and ``{available}``, the keys joined by commas) replaces that
    text with a UserWarning (Keras' callbacks word it their own way)."""
    value = (logs or {}).get(monitor)
    if value is None:
        if message is not None:
            warnings.warn(message.format(monitor=monitor, available=",".join(logs or {})), stacklevel=3)
        else:
            warnings.warn(f"{owner}: '{monitor}' is not in the logs (available: {sorted(logs or {})})",
                          RuntimeWarning, stacklevel=3)
        return None
    return float(value)
