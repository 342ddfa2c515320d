"""More of ``keras.optimizers.schedules``: PolynomialDecay, CosineDecayRestarts, serialize/deserialize."""
from __future__ import annotations

import math

import numpy as np

from minidl.keras.optimizers import schedules as _base
from minidl.keras.optimizers.schedules import _check_steps, _float_dtype, _out, _step_array

__all__ = ["PolynomialDecay", "CosineDecayRestarts", "serialize", "deserialize"]


class PolynomialDecay(_base.LearningRateSchedule):
    """``(lr0 - end) * (1 - step / decay_steps) ** power + end``, the step held at ``decay_steps``
    (``cycle``: ``decay_steps`` grows to the next multiple of itself above ``step``)."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        super().__init__()
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = end_learning_rate, power, cycle, name
        _check_steps(self.decay_steps)

    def __call__(self, step):
        dt = _float_dtype(self.initial_learning_rate)
        lr0, end, power = dt.type(self.initial_learning_rate), dt.type(self.end_learning_rate), dt.type(self.power)
        step = _step_array(step).astype(dt)
        decay_steps = dt.type(self.decay_steps)
        if self.cycle:
            decay_steps = decay_steps * np.where(step == 0, dt.type(1), np.ceil(step / dt.type(self.decay_steps)))
        else:
            step = np.minimum(step, decay_steps)
        p = step / decay_steps
        return _out((lr0 - end) * np.power(dt.type(1) - p, power) + end, dt)

    def get_config(self) -> dict:
        """Keras' config."""
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class CosineDecayRestarts(_base.LearningRateSchedule):
    """SGDR (Loshchilov & Hutter, 2017): cosine decay over ``first_decay_steps``, restarting with
    periods ``t_mul`` times longer and peaks ``m_mul`` times lower, floor ``alpha * lr0``."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name="SGDRDecay"):
        super().__init__()
        self.initial_learning_rate, self.first_decay_steps = initial_learning_rate, first_decay_steps
        self._t_mul, self._m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name
        _check_steps(self.first_decay_steps, "first_decay_steps")

    def __call__(self, step):
        dt = _float_dtype(self.initial_learning_rate)
        one = dt.type(1)
        alpha, t_mul, m_mul = dt.type(self.alpha), dt.type(self._t_mul), dt.type(self._m_mul)
        fraction = _step_array(step).astype(dt) / dt.type(self.first_decay_steps)
        if t_mul == 1.0:
            i_restart = np.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = np.floor(np.log(one - fraction * (one - t_mul)) / np.log(t_mul))
            sum_r = (one - np.power(t_mul, i_restart)) / (one - t_mul)
            fraction = (fraction - sum_r) / np.power(t_mul, i_restart)
        cosine = dt.type(0.5) * np.power(m_mul, i_restart) * (one + np.cos(dt.type(math.pi) * fraction))
        return _out(dt.type(self.initial_learning_rate) * ((one - alpha) * cosine + alpha), dt)

    def get_config(self) -> dict:
        """Keras' config."""
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self._t_mul, "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


def _classes() -> dict:
    names = ("ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay", "CosineDecay")
    classes = {n: getattr(_base, n) for n in names}
    classes.update(PolynomialDecay=PolynomialDecay, CosineDecayRestarts=CosineDecayRestarts)
    return classes


def serialize(learning_rate_schedule) -> dict:
    """Keras 3's serialised form ``{"module", "class_name", "config", "registered_name"}``."""
    if not isinstance(learning_rate_schedule, _base.LearningRateSchedule):
        raise ValueError(f"keras.optimizers.schedules.serialize: not a schedule: {learning_rate_schedule!r}")
    module, registered = "keras.optimizers.schedules", None
    if type(learning_rate_schedule) not in _classes().values():  # a user's schedule
        from minidl.keras.models.saving_custom import entry_names
        module, registered = entry_names(learning_rate_schedule, "keras.optimizers.schedules")
    return {"module": module, "class_name": type(learning_rate_schedule).__name__,
            "config": learning_rate_schedule.get_config(), "registered_name": registered}


def deserialize(config, custom_objects=None) -> _base.LearningRateSchedule:
    """The schedule :func:`serialize` (or Keras) describes."""
    if isinstance(config, _base.LearningRateSchedule):
        return config
    name = config.get("class_name") if isinstance(config, dict) else None
    cls = (custom_objects or {}).get(name) or _classes().get(name)
    if cls is None and isinstance(config, dict) and config.get("registered_name"):
        from minidl.keras import _registry
        cls = _registry.GLOBAL_CUSTOM_OBJECTS.get(config["registered_name"])
    if cls is None:
        raise ValueError(f"Could not interpret learning-rate schedule {config!r}")
    return cls.from_config(dict(config.get("config", {})))
