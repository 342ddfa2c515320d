"""Keras' dtype views of a layer: ``dtype_policy``, ``compute_dtype``, ``variable_dtype``, ``input_dtype``
(read from the layer's ``dtype``: a dtype name, a policy name such as ``"mixed_float16"``, or a policy)."""
from __future__ import annotations

import numpy as np

__all__ = ["DTypeViewsMixin"]


def _policy_name(dtype) -> str:
    if hasattr(dtype, "compute_dtype"):
        return str(dtype.name)
    try:
        return np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    except TypeError:
        return str(dtype)


def _split(name: str):
    if name in ("mixed_float16", "mixed_bfloat16"):
        return name.split("_", 1)[1], "float32"
    return name, name


class DTypeViewsMixin:
    """``compute_dtype`` / ``variable_dtype`` (``"float16"`` / ``"float32"`` under ``"mixed_float16"``),
    ``input_dtype`` (the compute dtype) and ``dtype_policy``, as Keras layers have them."""

    @property
    def dtype_policy(self):
        """The layer's dtype policy (a ``keras.DTypePolicy``)."""
        from minidl.keras.dtype_policies import DTypePolicy
        dtype = self.dtype
        if isinstance(dtype, DTypePolicy):
            return dtype
        name = _policy_name(dtype)
        try:
            return DTypePolicy(name)
        except (TypeError, ValueError):  # an integer or string dtype: a policy computing in it
            policy = object.__new__(DTypePolicy)
            policy._name, (policy._compute_dtype, policy._variable_dtype) = name, _split(name)
            return policy

    @property
    def compute_dtype(self) -> str:
        """The dtype of the layer's computations."""
        dtype = self.dtype
        return dtype.compute_dtype if hasattr(dtype, "compute_dtype") else _split(_policy_name(dtype))[0]

    @property
    def variable_dtype(self) -> str:
        """The dtype of the layer's weights."""
        dtype = self.dtype
        return dtype.variable_dtype if hasattr(dtype, "compute_dtype") else _split(_policy_name(dtype))[1]

    @property
    def input_dtype(self) -> str:
        """The dtype the layer's inputs are converted to (its compute dtype)."""
        return self.compute_dtype
