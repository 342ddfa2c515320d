"""Learning-rate schedules (``keras.optimizers.schedules``): ``schedule(step) -> lr``."""
from __future__ import annotations

import math

__all__ = ["LearningRateSchedule", "ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay",
           "CosineDecay", "deserialize"]


class LearningRateSchedule:
    """Base class: ``__call__(step)`` returns the learning rate of (0-based) step ``step``."""

    def __call__(self, step):
        raise NotImplementedError

    def get_config(self) -> dict:
        """``{"class_name": ..., "config": ...}``."""
        return {"class_name": type(self).__name__, "config": dict(self._config)}


class ExponentialDecay(LearningRateSchedule):
    """``lr0 * decay_rate ** (step / decay_steps)`` (integer division when ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self._config = dict(initial_learning_rate=initial_learning_rate, decay_steps=decay_steps,
                            decay_rate=decay_rate, staircase=staircase)
        if decay_steps <= 0:
            raise ValueError(f"Argument `decay_steps` must be > 0. Received: decay_steps={decay_steps}")
        self.initial_learning_rate, self.decay_steps = float(initial_learning_rate), decay_steps
        self.decay_rate, self.staircase = float(decay_rate), bool(staircase)

    def __call__(self, step):
        p = step / self.decay_steps
        return self.initial_learning_rate * self.decay_rate ** (math.floor(p) if self.staircase else p)


class InverseTimeDecay(LearningRateSchedule):
    """``lr0 / (1 + decay_rate * step / decay_steps)`` (Keras 2's ``decay=`` argument with steps 1)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self._config = dict(initial_learning_rate=initial_learning_rate, decay_steps=decay_steps,
                            decay_rate=decay_rate, staircase=staircase)
        self.initial_learning_rate, self.decay_steps = float(initial_learning_rate), decay_steps
        self.decay_rate, self.staircase = float(decay_rate), bool(staircase)

    def __call__(self, step):
        p = step / self.decay_steps
        return self.initial_learning_rate / (1 + self.decay_rate * (math.floor(p) if self.staircase else p))


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[i]`` while ``step <= boundaries[i]`` (and ``values[-1]`` after the last boundary)."""

    def __init__(self, boundaries, values, name=None):
        if len(values) != len(boundaries) + 1:
            raise ValueError("The length of boundaries should be 1 less than the length of values.")
        self._config = dict(boundaries=list(boundaries), values=list(values))
        self.boundaries, self.values = list(boundaries), [float(v) for v in values]

    def __call__(self, step):
        for b, v in zip(self.boundaries, self.values):
            if step <= b:
                return v
        return self.values[-1]


class CosineDecay(LearningRateSchedule):
    """Cosine decay from ``initial_learning_rate`` to ``alpha * initial_learning_rate`` over
    ``decay_steps`` (after an optional linear warmup to ``warmup_target``)."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None, warmup_target=None,
                 warmup_steps=0):
        self._config = dict(initial_learning_rate=initial_learning_rate, decay_steps=decay_steps,
                            alpha=alpha, warmup_target=warmup_target, warmup_steps=warmup_steps)
        self.initial_learning_rate, self.decay_steps = float(initial_learning_rate), decay_steps
        self.alpha, self.warmup_target, self.warmup_steps = float(alpha), warmup_target, warmup_steps

    def __call__(self, step):
        start = self.initial_learning_rate
        if self.warmup_target is not None and step < self.warmup_steps:
            return start + (self.warmup_target - start) * step / self.warmup_steps
        if self.warmup_target is not None:
            start = float(self.warmup_target)
            step -= self.warmup_steps
        frac = min(step, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1 + math.cos(math.pi * frac))
        return start * ((1 - self.alpha) * cosine + self.alpha)


def deserialize(config: dict) -> LearningRateSchedule:
    """A schedule from ``{"class_name": ..., "config": ...}``."""
    cls = {c.__name__: c for c in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay,
                                   CosineDecay)}.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"unknown learning-rate schedule {config!r}")
    return cls(**config.get("config", {}))


# more schedules (appended): PolynomialDecay, CosineDecayRestarts, serialize, and a deserialize
# that knows every schedule
from minidl.keras.optimizers._schedules_more import *  # noqa: E402,F401,F403
from minidl.keras.optimizers._schedules_more import __all__ as _more_all  # noqa: E402

__all__ += [n for n in _more_all if n not in __all__]
