"""More of ``keras.optimizers.schedules``: PolynomialDecay, CosineDecayRestarts, serialize/deserialize."""
from __future__ import annotations

import math

from minidl.keras.optimizers import schedules as _base

__all__ = ["PolynomialDecay", "CosineDecayRestarts", "serialize", "deserialize"]


class PolynomialDecay(_base.LearningRateSchedule):
    """``(lr0 - end) * (1 - step / decay_steps) ** power + end``, the step held at ``decay_steps``
    (``cycle``: ``decay_steps`` grows to the next multiple of itself above ``step``)."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        if decay_steps <= 0:
            raise ValueError(f"Argument `decay_steps` must be > 0. Received: decay_steps={decay_steps}")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = end_learning_rate, power, cycle, name

    def __call__(self, step):
        step, decay_steps = float(step), float(self.decay_steps)
        if self.cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / self.decay_steps)
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        return (self.initial_learning_rate - self.end_learning_rate) * (1 - p) ** self.power + self.end_learning_rate

    def get_config(self) -> dict:
        """Keras' config."""
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class CosineDecayRestarts(_base.LearningRateSchedule):
    """SGDR (Loshchilov & Hutter, 2017): cosine decay over ``first_decay_steps``, restarting with
    periods ``t_mul`` times longer and peaks ``m_mul`` times lower, floor ``alpha * lr0``."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name="SGDRDecay"):
        if first_decay_steps <= 0:
            raise ValueError("Argument `first_decay_steps` must be > 0. "
                             f"Received: first_decay_steps={first_decay_steps}")
        self.initial_learning_rate, self.first_decay_steps = initial_learning_rate, first_decay_steps
        self._t_mul, self._m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name

    def __call__(self, step):
        fraction = float(step) / self.first_decay_steps
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            i_restart = math.floor(fraction)
            fraction -= i_restart
        else:
            i_restart = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            sum_r = (1.0 - t_mul ** i_restart) / (1.0 - t_mul)
            fraction = (fraction - sum_r) / t_mul ** i_restart
        cosine = 0.5 * self._m_mul ** i_restart * (1.0 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self) -> dict:
        """Keras' config."""
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self._t_mul, "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


def _classes() -> dict:
    names = ("ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay", "CosineDecay")
    classes = {n: getattr(_base, n) for n in names}
    classes.update(PolynomialDecay=PolynomialDecay, CosineDecayRestarts=CosineDecayRestarts)
    return classes


def _config_of(schedule) -> dict:
    config = schedule.get_config()
    # the older schedules' get_config is already {"class_name", "config"}
    return config["config"] if set(config) == {"class_name", "config"} else config


def serialize(learning_rate_schedule) -> dict:
    """Keras 3's serialised form ``{"module", "class_name", "config", "registered_name"}``."""
    if not isinstance(learning_rate_schedule, _base.LearningRateSchedule):
        raise ValueError(f"keras.optimizers.schedules.serialize: not a schedule: {learning_rate_schedule!r}")
    return {"module": "keras.optimizers.schedules", "class_name": type(learning_rate_schedule).__name__,
            "config": _config_of(learning_rate_schedule), "registered_name": None}


def deserialize(config, custom_objects=None) -> _base.LearningRateSchedule:
    """The schedule :func:`serialize` (or Keras) describes."""
    name = config.get("class_name") if isinstance(config, dict) else None
    cls = (custom_objects or {}).get(name) or _classes().get(name)
    if cls is None:
        raise ValueError(f"Could not interpret learning-rate schedule {config!r}")
    kwargs = dict(config.get("config", {}))
    if cls in (_base.ExponentialDecay, _base.InverseTimeDecay, _base.PiecewiseConstantDecay, _base.CosineDecay) \
            and "name" not in cls.__init__.__code__.co_varnames:
        kwargs.pop("name", None)
    return cls(**kwargs)
