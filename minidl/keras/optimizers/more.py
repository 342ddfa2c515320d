"""Keras 3's remaining optimisers: Ftrl, Lion, Lamb, Adafactor, Muon and LossScaleOptimizer.

Update rules are Keras 3.15's, with ``t`` the 1-based step:

* Ftrl: ``n' = n + g^2``; ``z += g + 2 l2s p - (n'^-lrp - n^-lrp) / lr * p``;
  ``p = (clip(z, -l1, l1) - z) / (n'^-lrp / lr + 2 (l2 + beta / (2 lr)))`` (``lrp``: learning_rate_power).
* Lion: ``p -= lr * sign(b1 m + (1 - b1) g)``; ``m = b2 m + (1 - b2) g``.
* Lamb: Adam's bias-corrected ``u = m_hat / (sqrt(v_hat) + eps)``, scaled by the trust ratio
  ``||p|| / ||u||`` (1 when either norm is 0).
* Adafactor: factored second moments over the last two axes (Keras' layout) for weights of rank
  >= 2, ``beta_2_t = 1 - t^beta_2_decay``, update ``u / max(1, rms(u) / clip_threshold)`` scaled by
  ``max(epsilon_2, rms(p)) * min(lr, 1 / sqrt(t))``.
* Muon: 2-D weights (not embeddings, not ``exclude_layers``) get Nesterov momentum orthogonalised by
  ``ns_steps`` Newton-Schulz iterations, scaled by ``sqrt(max(rows, cols)) * rms_rate``; the others
  AdamW with ``adam_lr_ratio * lr`` and ``adam_weight_decay``.
* LossScaleOptimizer: dynamic loss scaling around an inner optimiser (``fit`` differentiates
  ``scale_loss(loss)``): finite gradients are unscaled and applied, and the scale doubles after
  ``dynamic_growth_steps`` finite steps; non-finite ones skip the step and halve the scale.

Weights stored in minidl's layout (convolution kernels) are seen in Keras' layout by the rules
that depend on axes (Adafactor).
"""
from __future__ import annotations

import math
import re

import numpy as np

from minidl import backend
from minidl.keras.optimizers import Optimizer, _adam_alpha, _grad, _keras_state
from minidl.tensor import Tensor

__all__ = ["Ftrl", "Lion", "Lamb", "Adafactor", "Muon", "LossScaleOptimizer"]


def _keras_view(p, arr):
    """``arr`` (shaped like Parameter ``p``) seen in Keras' layout (a view)."""
    perm = getattr(p, "_keras_to_keras", None)
    return arr.transpose(perm) if perm else arr


class Ftrl(Optimizer):
    """FTRL-proximal (McMahan et al., 2013) with Keras' defaults (lr 1e-3, initial accumulator 0.1)."""

    _slots = ("accumulator", "linear")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        for arg, value in (("initial_accumulator_value", initial_accumulator_value),
                           ("l1_regularization_strength", l1_regularization_strength),
                           ("l2_regularization_strength", l2_regularization_strength),
                           ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)):
            if value < 0.0:
                raise ValueError(f"`{arg}` needs to be positive or zero. Received: {arg}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        self.learning_rate_power, self.initial_accumulator_value = learning_rate_power, initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _initial_value(self, slot):
        return self.initial_accumulator_value if slot == "accumulator" else 0.0

    def _update_step(self, p, g, state, lr):
        dt = p.dtype.type
        accum, linear = state["accumulator"], state["linear"]
        power = -self.learning_rate_power
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        grad_to_use = g + dt(2 * self.l2_shrinkage_regularization_strength) * p
        new_accum = accum + g * g
        new_pow = new_accum ** dt(power)
        linear += grad_to_use - (new_pow - accum ** dt(power)) / dt(lr) * p
        quadratic = new_pow / dt(lr) + dt(2 * l2)
        l1 = dt(self.l1_regularization_strength)
        p[...] = (backend.get_array_module(p).clip(linear, -l1, l1) - linear) / quadratic
        accum[...] = new_accum

    def _hyper(self):
        return {"learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
                "beta": self.beta}


class Lion(Optimizer):
    """Lion (Chen et al., 2023): sign of an interpolated momentum; Keras' defaults (lr 1e-3, 0.9, 0.99)."""

    _slots = ("momentum",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer degenerates "
                             f"to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1, self.beta_2 = beta_1, beta_2

    def _update_step(self, p, g, state, lr):
        xp, dt = backend.get_array_module(p), p.dtype.type
        m = state["momentum"]
        p -= dt(lr) * xp.sign(m * dt(self.beta_1) + g * dt(1.0 - self.beta_1))
        m[...] = m * dt(self.beta_2) + g * dt(1.0 - self.beta_2)

    def _hyper(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2}


class Lamb(Optimizer):
    """LAMB (You et al., 2019): Adam's step scaled by the layer-wise trust ratio ``||p|| / ||update||``."""

    _slots = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _update_step(self, p, g, state, lr):
        xp, dt = backend.get_array_module(p), p.dtype.type
        t = self.iterations + 1
        m, v = state["momentum"], state["velocity"]
        m += (g - m) * dt(1 - self.beta_1)
        v += (g * g - v) * dt(1 - self.beta_2)
        m_hat = m / dt(1.0 - dt(self.beta_1) ** dt(t))
        update = m_hat / (xp.sqrt(v / dt(1.0 - dt(self.beta_2) ** dt(t))) + dt(self.epsilon))
        w_norm = float(xp.sqrt((p * p).sum()))
        u_norm = float(xp.sqrt((update * update).sum()))
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
        p -= update * dt(ratio * lr)

    def _hyper(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018) with Keras' defaults (beta_2_decay -0.8, epsilon_1 1e-30,
    epsilon_2 1e-3, clip_threshold 1, relative_step True)."""

    _slots = ("r", "c", "velocity")

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
                 relative_step=True, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_2_decay, self.epsilon_1, self.epsilon_2 = beta_2_decay, epsilon_1, epsilon_2
        self.clip_threshold, self.relative_step = clip_threshold, relative_step

    def _init_slot(self, p, slot):
        xp = backend.get_array_module(p.array)
        shape = _keras_view(p, p.array).shape
        if slot == "velocity":
            return xp.zeros_like(p.array)
        if len(shape) < 2:
            return xp.zeros((), dtype=np.int32)  # Keras' placeholder r and c of a vector: int32 zeros
        return xp.zeros(shape[:-1] if slot == "r" else shape[:-2] + shape[-1:], dtype=p.array.dtype)

    def _slot_is_unscoped(self, p, slot) -> bool:
        """Keras makes the r and c placeholders of a weight of under 2 axes outside its name scope."""
        return slot in ("r", "c") and len(p.shape) < 2

    def _slot_variable_name(self, p, slot) -> str:
        """Keras names r and c after the weight's name, the velocity after its path."""
        return _keras_state.keras_name(p) if slot in ("r", "c") else super()._slot_variable_name(p, slot)

    def _update_step(self, p, g, state, lr):
        xp, dt = backend.get_array_module(p), p.dtype.type
        param = self._param
        pk, gk = _keras_view(param, p), _keras_view(param, g)
        vk = _keras_view(param, state["velocity"])
        t = float(self.iterations + 1)
        if self._schedule is None and self.relative_step:
            lr = min(lr, 1.0 / math.sqrt(t))
        rho_t = min(lr, 1.0 / math.sqrt(t))
        rms_p = float(xp.sqrt(xp.mean(pk * pk)))
        alpha_t = max(self.epsilon_2, rms_p) * rho_t
        reg = gk * gk + dt(self.epsilon_1)
        beta = dt(1.0 - t ** self.beta_2_decay)
        if pk.ndim >= 2:
            r, c = state["r"], state["c"]
            r[...] = beta * r + (dt(1) - beta) * reg.mean(axis=-1)
            c[...] = beta * c + (dt(1) - beta) * reg.mean(axis=-2)
            vk[...] = (r / r.mean(axis=-1, keepdims=True))[..., None] * c[..., None, :]
        else:
            vk[...] = beta * vk + (dt(1) - beta) * reg
        u = gk / xp.sqrt(vk)
        rms_u = float(xp.sqrt(xp.mean(u * u)))
        pk -= u * dt(alpha_t / max(1.0, rms_u / self.clip_threshold))

    def _hyper(self):
        return {"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1, "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold, "relative_step": self.relative_step}


class Muon(Optimizer):
    """Muon (Jordan et al., 2024) for 2-D weights, AdamW for the rest, with Keras' defaults."""

    _slots = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
                 epsilon=1e-7, weight_decay=0.004, exclude_layers=None, exclude_embeddings=True, muon_a=3.4445,
                 muon_b=-4.775, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True,
                 rms_rate=0.2, **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, **kwargs)
        self.adam_beta_1, self.adam_beta_2, self.epsilon = adam_beta_1, adam_beta_2, epsilon
        self.muon_a, self.muon_b, self.muon_c = muon_a, muon_b, muon_c
        self.adam_lr_ratio, self.momentum, self.ns_steps, self.nesterov = adam_lr_ratio, momentum, ns_steps, nesterov
        self.exclude_embeddings, self.exclude_layers = exclude_embeddings, list(exclude_layers or [])
        self.adam_weight_decay, self.rms_rate = adam_weight_decay, rms_rate

    def _should_use_adamw(self, p) -> bool:
        """True for weights Muon leaves to AdamW: not 2-D, embeddings, or matched by ``exclude_layers``."""
        if p.ndim != 2:
            return True
        path = str(getattr(p, "path", None) or getattr(p, "name", None) or "")
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def _slots_of(self, p):
        """Momentum for the Muon weights, momentum and velocity for the AdamW ones."""
        return ("momentum", "velocity") if self._should_use_adamw(p) else ("momentum",)

    def _apply_weight_decay(self, p, data, lr):
        decay = self.adam_weight_decay if self._should_use_adamw(p) else self.weight_decay
        if decay:
            data -= data * data.dtype.type(decay * self.learning_rate)

    def _newton_schulz(self, x):
        xp, dt = backend.get_array_module(x), x.dtype.type
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = x.T
        x = x / (xp.sqrt((x * x).sum()) + dt(1e-7))
        a, b, c = dt(self.muon_a), dt(self.muon_b), dt(self.muon_c)
        for _ in range(self.ns_steps):
            gram = x @ x.T
            x = a * x + (b * gram + c * gram @ gram) @ x
        return x.T if tall else x

    def _update_step(self, p, g, state, lr):
        xp, dt = backend.get_array_module(p), p.dtype.type
        m = state["momentum"]
        if self._should_use_adamw(self._param):
            v = state["velocity"]
            alpha = _adam_alpha(dt, dt(lr) * dt(self.adam_lr_ratio), self.adam_beta_1, self.adam_beta_2,
                                self.iterations + 1)
            m += (g - m) * dt(1 - self.adam_beta_1)
            v += (g * g - v) * dt(1 - self.adam_beta_2)
            p -= (m * dt(alpha)) / (xp.sqrt(v) + dt(self.epsilon))
            return
        m += g + m * dt(self.momentum - 1)
        direction = g + dt(self.momentum) * m if self.nesterov else m
        update = self._newton_schulz(direction) * dt(lr)
        if self.rms_rate is not None:
            update = update * dt(math.sqrt(max(p.shape[0], p.shape[1])) * self.rms_rate)
        p -= update

    def _hyper(self):
        return {"adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2, "epsilon": self.epsilon,
                "exclude_layers": self.exclude_layers, "muon_a": self.muon_a, "muon_b": self.muon_b,
                "muon_c": self.muon_c, "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
                "ns_steps": self.ns_steps, "nesterov": self.nesterov, "exclude_embeddings": self.exclude_embeddings,
                "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate}


class LossScaleOptimizer(Optimizer):
    """Dynamic loss scaling around ``inner_optimizer`` (Keras' defaults: initial scale 2**15, the
    scale doubles after 2000 finite steps). ``fit`` differentiates :meth:`scale_loss`; a custom
    loop does the same before :meth:`apply_gradients`/``step``."""

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000, name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                             "`loss_scale_factor` directly on the `inner_optimizer`.")
        from minidl.keras import optimizers
        super().__init__(learning_rate=0.0, name=name, **kwargs)
        self.inner_optimizer = optimizers.get(inner_optimizer)
        self.initial_scale, self.dynamic_growth_steps = float(initial_scale), int(dynamic_growth_steps)
        self.dynamic_scale, self.step_counter = self.initial_scale, 0

    def build(self, variables) -> None:
        """Build the inner optimiser on ``variables``."""
        self.inner_optimizer.build(variables)
        self.param_groups = self.inner_optimizer.param_groups
        self.state = self.inner_optimizer.state
        self.built = True

    @property
    def iterations(self):
        """The inner optimiser's step count (skipped steps do not count)."""
        return self.inner_optimizer.iterations if hasattr(self, "inner_optimizer") else 0

    @iterations.setter
    def iterations(self, value):
        """Set the inner optimiser's step count."""
        if hasattr(self, "inner_optimizer"):
            self.inner_optimizer.iterations = value

    @property
    def learning_rate(self):
        """The inner optimiser's learning rate."""
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        """Set the inner optimiser's learning rate."""
        if hasattr(self, "inner_optimizer"):
            self.inner_optimizer.learning_rate = value

    lr = learning_rate

    @property
    def variables(self) -> list:
        """Keras' order: its own iteration and learning rate, the step counter and the scale, then the
        inner optimiser's variables (the step counter and the scale exist once built, as in Keras)."""
        sv = _keras_state.StateVariable
        own = [sv(self, "iteration", (), np.int32, lambda: np.int32(self.iterations), lambda v: None),
               sv(self, "learning_rate", (), np.float32, lambda: np.float32(self.learning_rate), lambda v: None)]
        if self.built:
            own += [sv(self, "step_counter", (), np.int32, lambda: np.int32(self.step_counter),
                       lambda v: setattr(self, "step_counter", int(v))),
                    sv(self, "dynamic_scale", (), np.float32, lambda: np.float32(self.dynamic_scale),
                       lambda v: setattr(self, "dynamic_scale", float(v)))]
        return own + self.inner_optimizer.variables  # (its own iteration and rate are the inner one's)

    def _active_slots(self):
        return self.inner_optimizer._active_slots()

    def scale_loss(self, loss):
        """``loss * dynamic_scale``."""
        return loss * (self.dynamic_scale if self.built else self.initial_scale)

    def step(self, closure=None):
        """Unscale the gradients and step the inner optimiser when they are all finite; otherwise
        skip the step and halve the scale."""
        loss = closure() if closure is not None else None
        if not self.built:
            raise RuntimeError(f"optimizer {self.name} is not built; compile and fit a model first")
        params = [p for group in self.param_groups for p in group["params"] if p.grad is not None]
        grads = [_grad(p) for p in params]
        finite = all(bool(backend.get_array_module(g).isfinite(g).all()) for g in grads)
        if not finite:
            self.step_counter, self.dynamic_scale = 0, self.dynamic_scale * 0.5
            return loss
        for p, g in zip(params, grads):
            p.grad = Tensor(g / g.dtype.type(self.dynamic_scale))
        self.inner_optimizer.step()
        if self.step_counter == self.dynamic_growth_steps - 1:
            self.step_counter, self.dynamic_scale = 0, self.dynamic_scale * 2.0
        else:
            self.step_counter += 1
        return loss

    def finalize_variable_values(self, var_list=None):
        """The inner optimiser's end-of-fit step (EMA)."""
        self.inner_optimizer.finalize_variable_values(var_list)

    @property
    def use_ema(self):
        """The inner optimiser's ``use_ema``."""
        return getattr(self.inner_optimizer, "use_ema", False) if hasattr(self, "inner_optimizer") else False

    @use_ema.setter
    def use_ema(self, value):
        """Ignored: the inner optimiser's setting rules (the base constructor assigns it)."""

    def get_config(self) -> dict:
        """Keras' config (the inner optimiser serialised)."""
        from minidl.keras import optimizers
        return {"name": self.name, "inner_optimizer": optimizers.serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from :meth:`get_config`."""
        from minidl.keras import optimizers
        config = dict(config)
        inner = config.pop("inner_optimizer")
        inner = optimizers.deserialize(inner, custom_objects=custom_objects) if isinstance(inner, dict) else inner
        return cls(inner, **config)

    def __repr__(self):
        return f"<keras.optimizers.LossScaleOptimizer inner={self.inner_optimizer!r}>"

