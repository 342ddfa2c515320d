"""Keras' weight constraints (``keras.constraints``): projections applied to a weight after each
optimiser update.

A layer built with ``kernel_constraint=MaxNorm(2)`` (or ``bias_constraint``, ``recurrent_constraint``,
``depthwise_constraint``, ``pointwise_constraint``, ``embeddings_constraint``, ``gamma_constraint``,
``beta_constraint``) attaches the constraint to that weight; every Keras optimiser step (``fit``,
``train_on_batch``, ``optimizer.apply_gradients``/``apply``) then replaces the weight ``w`` (in Keras'
layout, e.g. a Conv2D kernel (kh, kw, in, out)) with ``constraint(w)``, as Keras does.

Norm constraints reduce over ``axis`` (Keras' default 0: the input dimension of a Dense kernel; use
``axis=[0, 1, 2]`` for a Conv2D kernel) and divide by ``epsilon + norm`` with Keras' epsilon 1e-7.
"""
from __future__ import annotations

import inspect

import numpy as np

from minidl.autograd import no_grad
from minidl.tensor import Tensor

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm",
           "non_neg", "unit_norm", "get", "serialize", "deserialize", "apply_constraints"]

_EPSILON = 1e-7


def _as_tensor(w):
    if isinstance(w, Tensor):
        return w
    return Tensor(np.asarray(w.numpy() if hasattr(w, "numpy") else w))


def _axes(axis):
    return tuple(int(a) for a in axis) if isinstance(axis, (list, tuple)) else int(axis)


def _norms(w, axis):
    """``sqrt(sum(w**2, axis, keepdims=True))``."""
    return (w * w).sum(dim=_axes(axis), keepdim=True).sqrt()


class Constraint:
    """Base class: ``constraint(w) -> projected w`` (the identity here; subclasses override
    ``__call__``). ``w`` is a Tensor in the weight's Keras layout."""

    def __call__(self, w):
        """The projection of weight ``w`` (unchanged by default)."""
        return w

    def get_config(self) -> dict:
        """The constructor arguments."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config`."""
        return cls(**config)


class MaxNorm(Constraint):
    """Rescale the slices of ``w`` along ``axis`` whose L2 norm exceeds ``max_value`` (default 2) to
    norm ``max_value``: ``w * clip(norm, 0, max_value) / (eps + norm)``."""

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = _as_tensor(w)
        norms = _norms(w, self.axis)
        return w * (norms.clamp(0, self.max_value) / (_EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Keep the L2 norms along ``axis`` within [``min_value``, ``max_value``] (defaults 0, 1): the norm
    becomes ``rate * clip(norm, min, max) + (1 - rate) * norm``."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = _as_tensor(w)
        norms = _norms(w, self.axis)
        desired = norms.clamp(self.min_value, self.max_value) * self.rate + norms * (1 - self.rate)
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """Clip negative weights to 0: ``maximum(w, 0)``."""

    def __call__(self, w):
        return _as_tensor(w).clamp(min=0)


class UnitNorm(Constraint):
    """Scale the slices along ``axis`` (default 0) to unit L2 norm: ``w / (eps + norm)``."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _as_tensor(w)
        return w / (_EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

_OBJECTS = {"Constraint": Constraint, "MaxNorm": MaxNorm, "MinMaxNorm": MinMaxNorm, "NonNeg": NonNeg,
            "UnitNorm": UnitNorm, "constraint": Constraint, "max_norm": MaxNorm, "min_max_norm": MinMaxNorm,
            "non_neg": NonNeg, "unit_norm": UnitNorm}


def serialize(constraint):
    """Keras' ``{"module", "class_name", "config", "registered_name"}`` dict of a constraint (None: None)."""
    if constraint is None:
        return None
    builtin = _OBJECTS.get(type(constraint).__name__) is type(constraint)
    registered = None
    if not builtin:
        try:
            from minidl.keras._registry import get_registered_name
            registered = get_registered_name(type(constraint))
        except ImportError:
            registered = type(constraint).__name__
    return {"module": "keras.constraints" if builtin else type(constraint).__module__,
            "class_name": type(constraint).__name__, "config": constraint.get_config(),
            "registered_name": registered}


def _user_class(name, custom_objects):
    """A user constraint class from the custom-object registry/scope (``keras.saving``'s), if there is one."""
    try:
        from minidl.keras import _registry
    except ImportError:  # (no registry in this build: custom_objects only)
        return None
    return _registry.lookup(name, custom_objects)


def deserialize(config, custom_objects=None):
    """A constraint from :func:`serialize`'s dict (or a name); ``custom_objects`` maps class names of
    user constraints to their classes."""
    if isinstance(config, str):
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret constraint config: {config!r}")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _user_class(config.get("registered_name") or name, custom_objects) \
        or _OBJECTS.get(name)
    if cls is None:
        raise ValueError(f"Could not locate class '{name}'. Make sure custom classes are passed in "
                         "`custom_objects` (constraint config)")
    return cls.from_config(config.get("config") or {})


def get(identifier):
    """A constraint from None, a name (``"max_norm"``, ``"MaxNorm"``, ``"non_neg"``, ...), a config
    dict, a Constraint object or any callable ``w -> w``; ValueError for anything else."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _OBJECTS.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret constraint identifier: {identifier}")


def apply_constraints(params) -> None:
    """Project every parameter in ``params`` that carries a layer constraint (set by
    ``Layer.add_weight(constraint=...)``) in place: ``w <- constraint(w)`` in Keras' layout.
    Called by the Keras optimisers after each update step."""
    with no_grad():
        for p in params:
            entry = getattr(p, "_keras_constraint", None)
            if entry is None:
                continue
            constraint, var = entry
            var.assign(constraint(var.keras_tensor().detach()))
