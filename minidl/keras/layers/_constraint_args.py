"""The ``*_constraint`` arguments of the built-in layers: stored as Keras does (``layer.kernel_constraint``)
and attached to the weight they name when ``build`` creates it (see :mod:`minidl.keras.constraints`)."""
from __future__ import annotations

from minidl.keras import constraints as _constraints

__all__ = ["set_constraints", "constraint_config"]

# constructor argument -> the name of the weight it constrains (Keras' names)
_WEIGHT_OF = {"kernel_constraint": "kernel", "bias_constraint": "bias", "recurrent_constraint": "recurrent_kernel",
              "depthwise_constraint": "depthwise_kernel", "pointwise_constraint": "pointwise_kernel",
              "embeddings_constraint": "embeddings", "gamma_constraint": "gamma", "beta_constraint": "beta",
              "alpha_constraint": "alpha"}


def set_constraints(layer, **args) -> None:
    """Store each ``<arg>=<constraint>`` (None, a name, a config dict, an object or a callable) on
    ``layer`` as ``layer.<arg>`` and register it for the weight it names, so that ``add_weight``
    attaches it (ValueError for an identifier Keras would not accept)."""
    table = layer.__dict__.setdefault("_weight_constraints", {})
    for arg, value in args.items():
        constraint = _constraints.get(value)
        object.__setattr__(layer, arg, constraint)
        if constraint is not None:
            table[_WEIGHT_OF[arg]] = constraint


def constraint_config(layer, *args) -> dict:
    """``{arg: serialized constraint or None}`` for ``get_config``."""
    return {arg: _constraints.serialize(getattr(layer, arg, None)) for arg in args}
