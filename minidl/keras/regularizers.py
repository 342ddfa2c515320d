"""Keras' weight regularisers (``keras.regularizers``): penalties added to the training loss.

``l2(0.01)(w)`` is ``0.01 * sum(w**2)`` (Keras' convention, no factor 1/2);
``l1(0.01)(w)`` is ``0.01 * sum(|w|)``. A layer's ``kernel_regularizer``
penalty is computed on the kernel every training step and added to the loss
that ``fit`` minimises and reports.
"""
from __future__ import annotations

import math

import numpy as np

from minidl.keras._tensor import square, tsum
from minidl.ops import math as _math

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2", "orthogonal_regularizer",
           "get", "serialize", "deserialize"]


def validate_float_arg(value, name):
    """Keras' check of a penalty factor: a finite, non-negative int or float (returned as a float)."""
    if not isinstance(value, (float, int)) or (math.isinf(value) or math.isnan(value)) or value < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float.Received: {name}={value}")
    return float(value)


class Regularizer:
    """Base class: ``reg(weight_tensor) -> scalar Tensor``."""

    def __call__(self, x):
        """The penalty of ``x`` (0.0 for the base class, as Keras)."""
        return 0.0

    def get_config(self) -> dict:
        """The constructor arguments (subclasses override it to be serializable)."""
        raise NotImplementedError(f"{self} does not implement get_config()")

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config`."""
        return cls(**config)


def _tensor(x):
    """``x`` as a Tensor (Keras' regularisers take arrays too)."""
    from minidl.tensor import Tensor
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)`` (defaults 0, 0)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x):
        x = _tensor(x)
        total = None
        if self.l1:
            total = tsum(_math.abs(x)) * self.l1
        if self.l2:
            term = tsum(square(x)) * self.l2
            total = term if total is None else total + term
        return total if total is not None else tsum(x) * 0.0

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum(|x|)``; Keras' default l1=0.01."""

    def __init__(self, l1=0.01):
        super().__init__(l1=0.01 if l1 is None else l1)

    def get_config(self):
        return {"l1": float(np.float32(self.l1))}  # Keras keeps l1 as a float32 tensor


class L2(L1L2):
    """``l2 * sum(x**2)``; Keras' default l2=0.01."""

    def __init__(self, l2=0.01):
        super().__init__(l2=0.01 if l2 is None else l2)

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """``factor * mean(|off-diagonal of W^T W|)`` over rows (``mode="rows"``) of the 2-D kernel."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = validate_float_arg(factor, name="factor")
        if mode not in ("rows", "columns"):
            raise ValueError('Invalid value for argument `mode`. Expected one of {"rows", "columns"}. '
                             f"Received: mode={mode}")
        self.mode = mode

    def __call__(self, x):
        from minidl.keras._tensor import permute
        x = _tensor(x)
        if x.ndim != 2:
            raise ValueError("Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape={tuple(x.shape)}")
        if self.mode == "columns":
            x = permute(x, (1, 0))
        norm = _math.sqrt(tsum(square(x), axis=1, keepdims=True))
        x = x / norm
        prod = _math.matmul(x, permute(x, (1, 0)))
        n = x.shape[0]
        mask = 1.0 - np.eye(n, dtype=np.float32)
        return tsum(_math.abs(prod * mask)) * (self.factor / (n * (n - 1)))

    def get_config(self):
        return {"factor": float(np.float32(self.factor)), "mode": self.mode}  # a float32 tensor in Keras


l1, l2, l1_l2 = L1, L2, L1L2
orthogonal_regularizer = OrthogonalRegularizer


def get(identifier):
    """A regulariser from a name (``"l1"``, ``"l2"``, ``"l1_l2"``), config dict, object or callable."""
    if identifier is None:
        return None
    if isinstance(identifier, Regularizer) or callable(identifier) and not isinstance(identifier, type):
        return identifier
    if isinstance(identifier, dict):
        name = str(identifier.get("class_name", "")).lower()
        cls = {"l1": L1, "l2": L2, "l1l2": L1L2, "l1_l2": L1L2,
               "orthogonalregularizer": OrthogonalRegularizer}.get(name)
        if cls is None:
            raise ValueError(f"unknown regularizer config {identifier!r}")
        return cls(**identifier.get("config", {}))
    if isinstance(identifier, str):
        cls = {"l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer,
               "orthogonalregularizer": OrthogonalRegularizer}.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Could not interpret regularizer identifier: {identifier}")
        return cls()
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")


def serialize(regularizer) -> dict:
    """Keras' ``{"module": "keras.regularizers", "class_name", "config", "registered_name"}`` of a regulariser
    (a user class's registered name, as Keras writes it)."""
    if not isinstance(regularizer, Regularizer):
        from minidl.keras._registry import get_registered_name
        return get_registered_name(regularizer)  # a plain function: its (registered) name
    from minidl.keras.models.saving_custom import entry_names
    module, registered = entry_names(regularizer, "keras.regularizers")
    return {"module": module, "class_name": type(regularizer).__name__, "config": regularizer.get_config(),
            "registered_name": registered}


def deserialize(config, custom_objects=None):
    """The regulariser :func:`serialize` (or Keras) describes: a ``{"class_name", "config"}`` dict
    (``custom_objects`` maps user class names to classes) or a name."""
    if isinstance(config, dict):
        name = config.get("class_name")
        cls = (custom_objects or {}).get(name)
        if cls is None and config.get("registered_name"):
            from minidl.keras import _registry
            cls = _registry.GLOBAL_CUSTOM_OBJECTS.get(config["registered_name"])
        if cls is not None:
            return cls.from_config(config.get("config", {}))
    return get(config)
