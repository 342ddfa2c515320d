"""Learning-rate schedules (``keras.optimizers.schedules``): ``schedule(step) -> lr``.

As Keras 3.15 computes them: in the dtype of ``initial_learning_rate`` (float32 for a Python float),
the result a float32 NumPy scalar; ``get_config`` is the flat dict of the constructor arguments
(``name`` included) and ``from_config(config)`` is ``cls(**config)``.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["LearningRateSchedule", "ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay",
           "CosineDecay", "deserialize"]


def _dtype_of(value):
    """The dtype Keras' ``convert_to_tensor`` gives ``value`` (float32 for a Python float, int32 for an int)."""
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(bool)
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.int64):
        return np.dtype(np.int32)
    if isinstance(value, float) and not isinstance(value, np.floating):
        return np.dtype(np.float32)
    return np.asarray(value).dtype


def _step_array(step):
    """``step`` (an int, a float, an array, a Tensor or ``optimizer.iterations``) as a NumPy array."""
    if hasattr(step, "array") and not isinstance(step, np.ndarray):
        from minidl import backend
        return np.asarray(backend.to_numpy(step.array))
    if hasattr(step, "numpy") and not isinstance(step, (int, float)):
        return np.asarray(step.numpy())
    return np.asarray(step, dtype=_dtype_of(step))


def _float_dtype(initial_learning_rate):
    dt = _dtype_of(initial_learning_rate)
    return dt if dt.kind == "f" else np.dtype(np.float32)


def _out(value, dtype):
    return dtype.type(value) if np.ndim(value) == 0 else np.asarray(value, dtype)


def _check_steps(value, what="decay_steps"):
    if value <= 0:
        raise ValueError(f"Argument `{what}` must be > 0. Received: {what}={value}")


class LearningRateSchedule:
    """Base class: ``__call__(step)`` returns the learning rate of (0-based) step ``step``."""

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{self.__class__.__name__}' must override "
                                  "`__call__(self, step)`.")

    def get_config(self):
        """The constructor arguments (subclasses override it to be serializable)."""
        raise NotImplementedError(f"Learning rate schedule '{self.__class__.__name__}' must override "
                                  "`get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        """``cls(**config)``."""
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """``lr0 * decay_rate ** (step / decay_steps)`` (the exponent floored when ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        super().__init__()
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name
        _check_steps(self.decay_steps)

    def __call__(self, step):
        dt = _float_dtype(self.initial_learning_rate)
        p = _step_array(step).astype(dt) / dt.type(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return _out(dt.type(self.initial_learning_rate) * np.power(dt.type(self.decay_rate), p), dt)

    def get_config(self):
        """Keras' config."""
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``lr0 / (1 + decay_rate * step / decay_steps)`` (the quotient floored when ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        super().__init__()
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name
        _check_steps(self.decay_steps)

    def __call__(self, step):
        dt = _float_dtype(self.initial_learning_rate)
        p = _step_array(step).astype(dt) / dt.type(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return _out(dt.type(self.initial_learning_rate) / (dt.type(1) + dt.type(self.decay_rate) * p), dt)

    def get_config(self):
        """Keras' config."""
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[i]`` while ``step <= boundaries[i]`` (``values[-1]`` after the last boundary); the
    boundaries are cast to the step's dtype (an int step truncates float boundaries, as in Keras)."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        super().__init__()
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of values. Received: "
                             f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of "
                             f"length {len(values)}.")
        self.boundaries, self.values, self.name = boundaries, values, name

    def __call__(self, step):
        step = _step_array(step)
        bounds = [np.asarray(b, dtype=_dtype_of(b)).astype(step.dtype) for b in self.boundaries]
        dt = _dtype_of(self.values[0])
        values = [np.asarray(v, dtype=_dtype_of(v)) for v in self.values]
        result = (step <= bounds[0]).astype(dt) * values[0] + (step > bounds[-1]).astype(dt) * values[-1]
        for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1]):
            result = result + ((step > low) & (step <= high)).astype(dt) * value
        return _out(result, dt)

    def get_config(self):
        """Keras' config."""
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from ``initial_learning_rate`` to ``alpha * initial_learning_rate`` over
    ``decay_steps`` (after an optional linear warmup of ``warmup_steps`` to ``warmup_target``,
    the decay then starting from ``warmup_target``)."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        super().__init__()
        self.initial_learning_rate, self.decay_steps, self.alpha, self.name = (initial_learning_rate, decay_steps,
                                                                               alpha, name)
        self.warmup_steps, self.warmup_target = warmup_steps, warmup_target
        _check_steps(self.decay_steps)

    def _decay(self, step, decay_steps, decay_from, dt):
        cosine = dt.type(0.5) * (dt.type(1) + np.cos(dt.type(math.pi) * (step / decay_steps)))
        return decay_from * ((dt.type(1 - self.alpha)) * cosine + dt.type(self.alpha))

    def __call__(self, step):
        dt = _float_dtype(self.initial_learning_rate)
        lr0 = dt.type(self.initial_learning_rate)
        decay_steps = dt.type(self.decay_steps)
        step = _step_array(step).astype(dt)
        if self.warmup_target is None:
            return _out(self._decay(np.minimum(step, decay_steps), decay_steps, lr0, dt), dt)
        target, warmup = dt.type(self.warmup_target), dt.type(self.warmup_steps)
        step = np.minimum(step, decay_steps + warmup)
        with np.errstate(divide="ignore", invalid="ignore"):  # (warmup_steps=0: the decay branch is taken)
            warm = (target - lr0) * (step / warmup) + lr0
        return _out(np.where(step < warmup, warm, self._decay(step - warmup, decay_steps, target, dt)), dt)

    def get_config(self):
        """Keras' config."""
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


def deserialize(config, custom_objects=None) -> LearningRateSchedule:
    """A schedule from ``{"class_name": ..., "config": ...}`` (replaced below by the full version)."""
    from minidl.keras.optimizers._schedules_more import deserialize as full
    return full(config, custom_objects)


# more schedules (appended): PolynomialDecay, CosineDecayRestarts, serialize, and a deserialize
# that knows every schedule
from minidl.keras.optimizers._schedules_more import *  # noqa: E402,F401,F403
from minidl.keras.optimizers._schedules_more import __all__ as _more_all  # noqa: E402

__all__ += [n for n in _more_all if n not in __all__]
