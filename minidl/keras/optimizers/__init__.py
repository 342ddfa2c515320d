"""Keras 3's optimisers (``keras.optimizers``) with Keras' defaults and update rules.

They are minidl :class:`~minidl.optim.Optimizer` objects built lazily: a
Keras optimiser is created without parameters (``Adam(learning_rate=1e-3)``)
and gets them when ``model.compile``/``fit`` builds it. ``param_groups[0]["lr"]``
holds the learning rate, so minidl's learning-rate callbacks drive it.

Update rules, with ``t`` the 1-based step (Keras 3's formulas, which differ
from PyTorch's in where epsilon goes):

* SGD: ``m = momentum * m - lr * g; p += m`` (``nesterov``: ``p += momentum * m - lr * g``);
  without momentum ``p -= lr * g``.
* Adam: ``m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
  p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)``.
* RMSprop: ``v = rho v + (1 - rho) g^2; p -= lr * g / sqrt(v + eps)`` (eps inside the root).
* Adadelta: ``a = rho a + (1 - rho) g^2; d = -sqrt(s + eps) / sqrt(a + eps) * g;
  s = rho s + (1 - rho) d^2; p += lr * d``.
* Adagrad: ``a += g^2; p -= lr * g / sqrt(a + eps)`` (a starts at 0.1).
* AdamW: Adam after the decoupled decay ``p -= p * weight_decay * lr``
  (any optimiser with ``weight_decay`` applies that decay first).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from minidl import backend
from minidl.autograd import no_grad
from minidl.keras._naming import to_snake_case, unique_name
from minidl.keras.optimizers import _ema, _keras_state, schedules
from minidl.keras.optimizers._custom import CustomStepMixin
from minidl.optim.optimizer import Optimizer as _MinidlOptimizer
from minidl.tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adadelta", "Adagrad",
           "get", "serialize", "schedules"]


def _f32(value) -> float:
    """``value`` rounded to float32 (Keras' learning-rate variable), as a Python float."""
    return float(np.float32(value))


def _grad(p):
    g = p.grad
    return g.array if isinstance(g, Tensor) else g


class Optimizer(CustomStepMixin, _MinidlOptimizer):
    """Base class of the Keras optimisers.

    Args (Keras' base arguments): ``learning_rate`` (a float or a
    ``keras.optimizers.schedules`` schedule), ``weight_decay``,
    ``clipnorm`` (per-gradient norm), ``clipvalue``, ``global_clipnorm``,
    ``name``. Attributes: ``iterations`` (steps taken), ``learning_rate``.
    """

    _slots = ()  # per-parameter state arrays, in Keras' variable order
    _state_as_tensors = False   # Keras' own step() keeps raw arrays in the state

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        if "lr" in kwargs:  # (Keras 2's name; Keras 3 refuses it, minidl still reads it)
            warnings.warn("The `lr` argument is deprecated, use `learning_rate` instead.",
                          DeprecationWarning, stacklevel=3)
            learning_rate = kwargs.pop("lr")
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.", stacklevel=3)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        self.name = name if name is not None else unique_name(to_snake_case(type(self).__name__))
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={gradient_accumulation_steps}")
        self.loss_scale_factor, self.gradient_accumulation_steps = loss_scale_factor, gradient_accumulation_steps
        _ema.check_arguments(use_ema, ema_momentum, ema_overwrite_frequency)
        self.use_ema, self.ema_momentum = use_ema, ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        if sum(v is not None for v in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                             f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        self._schedule = learning_rate if isinstance(learning_rate, schedules.LearningRateSchedule) else None
        self._lr_callable = learning_rate if self._schedule is None and callable(learning_rate) else None
        if self._schedule is None and self._lr_callable is None:
            _keras_state.check_learning_rate(learning_rate)
        # Keras keeps the rate in a float32 variable: 1e-3 reads back as 0.0010000000474974513
        self._lr = None if self._schedule is not None or self._lr_callable is not None else _f32(learning_rate)
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.iterations = 0
        self.built = False
        self.param_groups = []
        self.defaults = {}

    # ------------------------------------------------------------ construction
    def build(self, variables) -> None:
        """Attach the weights to update (minidl Parameters or Keras variables, as
        ``model.trainable_variables``); called by ``compile``/``fit``."""
        from minidl.keras._variable_value import parameter_of
        params = [parameter_of(v) for v in variables]
        lr = float(self.learning_rate) if not self.built or self._schedule is not None else \
            float(self.param_groups[0]["lr"])
        _MinidlOptimizer.__init__(self, params, dict(lr=lr))
        self.built = True

    @property
    def _schedule_step(self) -> int:
        """The step a schedule sees: every call of ``step`` when gradients are accumulated (Keras'
        ``_iterations``), else :attr:`iterations`."""
        return getattr(self, "_calls", 0) if self.gradient_accumulation_steps else self.iterations

    @property
    def iterations(self):
        """The number of updates applied (an int that also has Keras' ``numpy()``)."""
        return _keras_state.Count(self.__dict__.get("_iterations", 0), self)

    @iterations.setter
    def iterations(self, value):
        self._iterations = int(value)

    @property
    def learning_rate(self) -> float:
        """The current learning rate (a schedule's value at the current step, a callable's value),
        a float32 value as Keras' variable holds it."""
        if self._schedule is not None:
            return _keras_state.ScalarValue(_f32(self._schedule(self._schedule_step)))
        if self._lr_callable is not None:  # (Keras returns what the callable returns)
            return self._lr_callable()
        lr = _f32(self.param_groups[0]["lr"]) if self.built else self._lr  # (a callback may write a Python float)
        return _keras_state.ScalarValue(lr, self)

    @property
    def _learning_rate(self):
        """Keras' attribute behind ``learning_rate``: the schedule, the callable, or the variable."""
        if self._schedule is not None:
            return self._schedule
        if self._lr_callable is not None:
            return self._lr_callable
        return self.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule):
            self._schedule, self._lr, self._lr_callable = value, None, None
            return
        if self._schedule is not None:
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as its "
                            "`learning_rate` constructor argument, hence its learning rate is not "
                            "settable. If you need the learning rate to be settable, you should instantiate "
                            "the optimizer with a float `learning_rate` argument.")
        if callable(value):
            self._lr_callable, self._lr = value, None
            return
        self._lr, self._lr_callable = _f32(value), None
        for group in self.param_groups:
            group["lr"] = self._lr

    lr = learning_rate

    @property
    def variables(self) -> list:
        """The optimiser's state as Keras lists it: ``iteration``, ``learning_rate``, the ``use_ema``
        averages, the gradient accumulators, then the slots (``v0_momentum``, ...), each with
        ``name``, ``path``, ``shape``, ``dtype``, ``numpy()`` and ``assign``."""
        return _keras_state.optimizer_variables(self)

    def _slots_of(self, p):
        """The state slots of Parameter ``p`` (all of them but for Muon)."""
        return self._active_slots()

    def _slot_groups(self):
        """The slots in the order Keras' ``build`` creates them: a list of groups, each made for every
        weight in turn (Adam's ``(momentum, velocity)`` then amsgrad's ``(velocity_hat,)``)."""
        return [tuple(self._active_slots())]

    def _slot_variable_name(self, p, slot) -> str:
        """Keras' name of slot ``slot`` of ``p``: ``<weight path with _>_<slot>``."""
        return f"{_keras_state.keras_path(p).replace('/', '_')}_{slot}"

    def _extra_variables(self) -> list:
        """Per-optimiser variables after the slots (Nadam's momentum product; a user optimiser's)."""
        return list(self.__dict__.get("_custom_variables", []))

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """No weight decay for the variables of ``var_list``, nor for those whose name contains one of
        ``var_names`` (regular expressions); call before the optimiser is built."""
        _keras_state.exclude_from_weight_decay(self, var_list, var_names)

    def _active_slots(self):
        return self._slots

    def count_params(self) -> int:
        """Number of scalars in the optimiser's state (Keras' ``Optimizer params`` line)."""
        return int(sum(int(np.prod(v.shape)) for v in self.variables))

    # -------------------------------------------------------------------- step
    def _clip(self, grads):
        xp = backend.get_array_module(grads[0]) if grads else np
        if self.clipnorm:
            out = []
            for g in grads:
                norm = float(xp.sqrt((g * g).sum()))
                out.append(g * (self.clipnorm / max(norm, self.clipnorm)) if norm > 0 else g)
            return out
        if self.global_clipnorm:
            total = math.sqrt(sum(float((g * g).sum()) for g in grads))
            scale = self.global_clipnorm / max(total, self.global_clipnorm)
            return [g * g.dtype.type(scale) for g in grads]
        if self.clipvalue:
            return [xp.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def step(self, closure=None):
        """One Keras update of every parameter that has a gradient."""
        loss = closure() if closure is not None else None
        if not self.built:
            raise RuntimeError(f"optimizer {self.name} is not built; compile and fit a model first")
        lr = self.learning_rate
        for group in self.param_groups:
            group["lr"] = lr if self._schedule is not None else group["lr"]
        with no_grad():
            pairs = [(p, _grad(p), group) for group in self.param_groups for p in group["params"]
                     if p.grad is not None and p.requires_grad]
            grads = _ema.unscale_and_accumulate(self, pairs)  # loss_scale_factor, gradient_accumulation_steps
            if grads is None:  # accumulating: no update this step
                pairs = []
            else:
                grads = self._clip(grads)
                self._before_step()
            custom = self._uses_custom_update_step()  # a user's subclass with Keras' update_step
            for (p, _, group), g in zip(pairs, grads or []):
                glr = _f32(group["lr"])  # Keras' learning rate is a float32 variable, whoever set it
                data = p.array
                state = self.state[p]
                if not state:  # (built before the decay, as Keras builds its slots before any step)
                    for slot in self._active_slots():
                        state[slot] = self._init_slot(p, slot)
                self._apply_weight_decay(p, data, glr)
                self._param = p  # the Parameter being updated, for rules that need its Keras layout/path
                if custom:
                    self._run_custom_update(p, g.astype(data.dtype, copy=False), glr)
                else:
                    self._update_step(data, g.astype(data.dtype, copy=False), state, glr)
            if self.use_ema:
                _ema.update(self, [p for group in self.param_groups for p in group["params"] if p.requires_grad])
            from minidl.keras.constraints import apply_constraints
            apply_constraints(p for p, _, _ in pairs)  # Keras projects constrained weights after the update
        if grads is not None:  # with gradient_accumulation_steps=n, iterations counts updates (Keras' n-th calls)
            self.iterations += 1
        self._calls = getattr(self, "_calls", 0) + 1
        return loss

    def _initial_value(self, slot) -> float:
        return 0.0

    def _init_slot(self, p, slot):
        """The initial array of state ``slot`` of Parameter ``p`` (``_initial_value`` everywhere)."""
        xp = backend.get_array_module(p.array)
        return xp.full_like(p.array, self._initial_value(slot))

    def _apply_weight_decay(self, p, data, lr):
        """Keras' decoupled decay ``p -= p * weight_decay * lr`` before the update (float32 factors,
        not for the weights :meth:`exclude_from_weight_decay` names)."""
        if self.weight_decay and _keras_state.uses_weight_decay(self, p):
            dt = data.dtype.type
            data -= data * dt(self.weight_decay) * dt(lr)

    def scale_loss(self, loss):
        """The loss to differentiate: ``loss * loss_scale_factor`` when it is set (``fit`` calls this)."""
        return loss * self.loss_scale_factor if self.loss_scale_factor is not None else loss

    def finalize_variable_values(self, var_list=None):
        """End of ``fit``: with ``use_ema``, the model's trainable weights take their moving averages."""
        if self.use_ema:
            _ema.overwrite_with_average(self)

    def _before_step(self):
        """Per-step (not per-parameter) state updates (Nadam's momentum product)."""

    def _update_step(self, p, g, state, lr):
        raise NotImplementedError

    def apply_gradients(self, grads_and_vars):
        """Keras' ``apply_gradients([(grad, variable), ...])``: :meth:`apply` on the pairs."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def apply(self, grads, trainable_variables=None):
        """Keras' ``apply(grads, trainable_variables)``: one update of those variables (Keras variables or
        minidl Parameters; the optimiser's own when None) with those gradients in Keras' layout (None
        entries skipped); the other parameters the optimiser holds are left as they are."""
        from minidl.keras._variable_value import parameter_gradient, parameter_of
        if trainable_variables is None:
            if not self.built:
                raise ValueError("apply() without trainable_variables needs a built optimizer")
            trainable_variables = [p for group in self.param_groups for p in group["params"]]
        grads, variables = list(grads), list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(f"apply: {len(grads)} gradients for {len(variables)} variables")
        pairs = [parameter_gradient(v, g) for g, v in zip(grads, variables) if g is not None]
        if not self.built:
            self.build([parameter_of(v) for v in variables])
        held = {id(p) for group in self.param_groups for p in group["params"]}
        missing = [p for p, _ in pairs if id(p) not in held]
        if missing:
            self.add_param_group({"params": missing})
        chosen = {id(p) for p, _ in pairs}
        others = [(p, p.grad) for group in self.param_groups for p in group["params"] if id(p) not in chosen]
        try:
            for p, _ in others:
                p.grad = None
            for p, g in pairs:
                p.grad = g
            self.step()
        finally:
            for p, g in others:
                p.grad = g

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Keras-style config (name, learning_rate, clipping, hyper-parameters)."""
        # (Keras writes the float32 value of its learning-rate variable, 0.0010000000474974513 for 1e-3;
        # minidl keeps and writes the Python float, so that a saved optimizer resumes bit for bit)
        lr = schedules.serialize(self._schedule) if self._schedule is not None else self.learning_rate
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum, "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps, **self._hyper()}

    def _hyper(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from :meth:`get_config` (as Keras, a serialised schedule in ``config`` is replaced,
        in place, by the schedule object)."""
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            config["learning_rate"] = schedules.deserialize(lr, custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<keras.optimizers.{type(self).__name__} learning_rate={self.learning_rate}>"


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum; Keras' default lr 0.01."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:  # (an int is refused, as Keras)
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def _active_slots(self):
        return ("momentum",) if self.momentum else ()

    def _update_step(self, p, g, state, lr):
        if not self.momentum:
            p -= g * p.dtype.type(lr)
            return
        m = state["momentum"]
        m *= p.dtype.type(self.momentum)
        m -= g * p.dtype.type(lr)
        if self.nesterov:
            p += m * p.dtype.type(self.momentum) - g * p.dtype.type(lr)
        else:
            p += m

    def _hyper(self):
        return {"momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam with Keras' defaults (lr 1e-3, beta_1 0.9, beta_2 0.999, epsilon 1e-7)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.amsgrad = bool(amsgrad)

    def _active_slots(self):
        return ("momentum", "velocity", "velocity_hat") if self.amsgrad else ("momentum", "velocity")

    def _slot_groups(self):
        return [("momentum", "velocity"), ("velocity_hat",)]

    def _update_step(self, p, g, state, lr):
        dt = p.dtype.type
        alpha = _adam_alpha(dt, lr, self.beta_1, self.beta_2, self.iterations + 1)
        m, v = state["momentum"], state["velocity"]
        m += (g - m) * dt(1 - self.beta_1)
        v += (g * g - v) * dt(1 - self.beta_2)
        if self.amsgrad:
            vh = state["velocity_hat"]
            backend.get_array_module(p).maximum(vh, v, out=vh)
            v = vh
        p -= (m * dt(alpha)) / (backend.get_array_module(p).sqrt(v) + dt(self.epsilon))

    def _hyper(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}


def _adam_alpha(dt, lr, beta_1, beta_2, t):
    """Adam's ``lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)`` in the weight's dtype, as Keras computes it."""
    one, t = dt(1), dt(t)
    return dt(lr) * np.sqrt(one - dt(beta_2) ** t) / (one - dt(beta_1) ** t)


class AdamW(Adam):
    """Adam with decoupled weight decay (Keras' default weight_decay 0.004)."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay,
                         **kwargs)
        if weight_decay is None:  # (checked after the base class took a name, as Keras does)
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")


class Adamax(Adam):
    """Adamax: ``u = max(beta_2 u, |g|); p -= lr / (1 - beta_1^t) * m / (u + eps)``; lr 1e-3."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)

    def _active_slots(self):
        return ("momentum", "norm")

    def _slot_groups(self):
        return [("momentum", "norm")]

    def _update_step(self, p, g, state, lr):
        xp, dt = backend.get_array_module(p), p.dtype.type
        m, u = state["momentum"], state["norm"]
        m += (g - m) * dt(1 - self.beta_1)
        xp.maximum(u * dt(self.beta_2), xp.abs(g), out=u)
        beta_1_power = dt(self.beta_1) ** dt(self.iterations + 1)
        p -= (dt(lr) * m) / ((dt(1) - beta_1_power) * (u + dt(self.epsilon)))

    def _hyper(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Nadam(Adam):
    """Nesterov Adam with Keras' momentum schedule ``u_t = beta_1 (1 - 0.5 * 0.96^t)``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)
        self._u_product = 1.0

    def _extra_variables(self):
        """Nadam's momentum product, after the slots (made at build, outside the name scope)."""
        if not self.built:
            return []
        return [_keras_state.StateVariable(self, "variable", (), np.float32, lambda: np.float32(self._u_product),
                                           lambda v: setattr(self, "_u_product", float(v)), scoped=False)]

    def _hyper(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}

    def _before_step(self):
        f32 = np.float32
        t = f32(self.iterations + 1)
        self._u_product = f32(self._u_product) * f32(self.beta_1) * (f32(1) - f32(0.5) * f32(0.96) ** t)

    def _update_step(self, p, g, state, lr):
        xp, dt = backend.get_array_module(p), p.dtype.type
        one, t = dt(1), dt(self.iterations + 1)  # Keras' float arithmetic in the weight's dtype
        beta_1, beta_2 = dt(self.beta_1), dt(self.beta_2)
        u_t = beta_1 * (one - dt(0.5) * dt(0.96) ** t)
        u_t1 = beta_1 * (one - dt(0.5) * dt(0.96) ** (t + one))
        u_prod_t = dt(self._u_product)
        u_prod_t1 = u_prod_t * u_t1
        m, v = state["momentum"], state["velocity"]
        m += (g - m) * (one - beta_1)  # (1 - the float32 beta, unlike Adam's 1 - the Python float)
        v += (g * g - v) * (one - beta_2)
        m_hat = (u_t1 * m) / (one - u_prod_t1) + ((one - u_t) * g) / (one - u_prod_t)
        v_hat = v / (one - beta_2 ** t)
        p -= (m_hat * dt(lr)) / (xp.sqrt(v_hat) + dt(self.epsilon))


class RMSprop(Optimizer):
    """RMSprop with Keras' defaults (lr 1e-3, rho 0.9, epsilon 1e-7 inside the square root)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)
        self.centered = bool(centered)

    def _active_slots(self):
        slots = ["velocity"]
        if self.momentum > 0:
            slots.append("momentum")
        if self.centered:
            slots.append("average_gradient")
        return tuple(slots)

    def _slot_groups(self):
        return [(slot,) for slot in self._active_slots()]  # Keras' build loops once per slot

    def _update_step(self, p, g, state, lr):
        xp, dt = backend.get_array_module(p), p.dtype.type
        v = state["velocity"]
        v *= dt(self.rho)
        v += dt(1 - self.rho) * (g * g)
        if self.centered:
            a = state["average_gradient"]
            a *= dt(self.rho)
            a += dt(1 - self.rho) * g
            denominator = v - a * a + dt(self.epsilon)
        else:
            denominator = v + dt(self.epsilon)
        increment = (g * dt(lr)) / xp.sqrt(denominator)
        if self.momentum > 0:
            mom = state["momentum"]
            mom *= dt(self.momentum)
            mom += increment
            p -= mom
        else:
            p -= increment

    def _hyper(self):
        return {"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}


class Adadelta(Optimizer):
    """Adadelta with Keras' defaults (lr 1e-3, rho 0.95, epsilon 1e-7)."""

    _slots = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def _update_step(self, p, g, state, lr):
        xp, dt = backend.get_array_module(p), p.dtype.type
        acc_g, acc_d = state["accumulated_grad"], state["accumulated_delta_var"]
        acc_g *= dt(self.rho)
        acc_g += dt(1 - self.rho) * (g * g)
        delta = -(xp.sqrt(acc_d + dt(self.epsilon)) * g) / xp.sqrt(acc_g + dt(self.epsilon))
        acc_d *= dt(self.rho)
        acc_d += dt(1 - self.rho) * (delta * delta)
        p += delta * dt(lr)

    def _hyper(self):
        return {"rho": self.rho, "epsilon": self.epsilon}


class Adagrad(Optimizer):
    """Adagrad with Keras' defaults (lr 1e-3, initial accumulator 0.1, epsilon 1e-7)."""

    _slots = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = float(initial_accumulator_value), float(epsilon)

    def _initial_value(self, slot):
        return self.initial_accumulator_value

    def _update_step(self, p, g, state, lr):
        xp, dt = backend.get_array_module(p), p.dtype.type
        acc = state["accumulator"]
        acc += g * g
        p -= (g * dt(lr)) / xp.sqrt(acc + dt(self.epsilon))

    def _hyper(self):
        return {"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}


# the rest of Keras' optimisers (appended): Ftrl, Lion, Lamb, Adafactor, Muon, LossScaleOptimizer
from minidl.keras.optimizers._lookup import _BY_NAME, deserialize, get, serialize  # noqa: E402,F401
from minidl.keras.optimizers._schedule_free import ScheduleFreeAdamW  # noqa: E402
from minidl.keras.optimizers.more import (  # noqa: E402
    Adafactor,
    Ftrl,
    Lamb,
    Lion,
    LossScaleOptimizer,
    Muon,
)

__all__ += ["Ftrl", "Lion", "Lamb", "Adafactor", "Muon", "LossScaleOptimizer", "ScheduleFreeAdamW", "deserialize"]
