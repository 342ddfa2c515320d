"""Keras 3.15's ``ScheduleFreeAdamW`` (Defazio et al., 2024): AdamW without a learning-rate schedule.

With ``z`` (slot ``momentum``, starting at the weight), ``v`` (``velocity``), ``t`` the 1-based step
and ``lr`` scaled by ``min(t / warmup_steps, 1)`` when ``warmup_steps > 0``::

    v += (g^2 - v)(1 - beta_2);  z -= lr * g / (sqrt(v / (1 - beta_2^t)) + epsilon)
    x = (y - (1 - beta_1) z_old) / beta_1;  x = (1 - 1/t) x + z / t;  y = (1 - beta_1) z + beta_1 x

where ``y`` is the weight the model sees. All in the weight's dtype, as Keras.
"""
from __future__ import annotations

from minidl import backend
from minidl.keras.optimizers import Optimizer

__all__ = ["ScheduleFreeAdamW"]


class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW with Keras' defaults (lr 0.0025, beta_1 0.9, beta_2 0.999, epsilon 1e-8)."""

    _slots = ("momentum", "velocity")

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-08, warmup_steps=0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.warmup_steps = beta_1, beta_2, epsilon, warmup_steps

    def _init_slot(self, p, slot):
        """``momentum`` (the ``z`` sequence) starts at the weight, ``velocity`` at zero."""
        return p.array.copy() if slot == "momentum" else super()._init_slot(p, slot)

    def _update_step(self, p, g, state, lr):
        xp, dt = backend.get_array_module(p), p.dtype.type
        one, t = dt(1), dt(self.iterations + 1)
        lr, beta_1, beta_2 = dt(lr), dt(self.beta_1), dt(self.beta_2)
        if self.warmup_steps > 0:
            lr = lr * min(t / dt(self.warmup_steps), one)
        z, v = state["momentum"], state["velocity"]
        z_old = z.copy()
        v += (g * g - v) * (one - beta_2)
        z -= (lr * g) / (xp.sqrt(v / (one - beta_2 ** t)) + dt(self.epsilon))
        weight = one / t
        x = (p - (one - beta_1) * z_old) / beta_1
        x = (one - weight) * x + weight * z
        p[...] = (one - beta_1) * z + beta_1 * x

    def _hyper(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "warmup_steps": self.warmup_steps}
