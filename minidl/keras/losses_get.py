"""Keras 3's ``keras.losses.get``: a loss *function* from a function name or alias (``"mse"``), a Loss
*object* from a class name (``"MeanSquaredError"``), a config dict or a class, and any callable as it is.

``model.compile(loss=...)`` needs a Loss object whatever it is given: that is
:func:`minidl.keras.losses.to_loss_object`, not this.
"""
from __future__ import annotations

import inspect

__all__ = ["get", "all_objects"]

# Keras' aliases of its loss functions, besides their own names
_ALIASES = {"bce": "binary_crossentropy", "BCE": "binary_crossentropy", "mse": "mean_squared_error",
            "MSE": "mean_squared_error", "mae": "mean_absolute_error", "MAE": "mean_absolute_error",
            "mape": "mean_absolute_percentage_error", "MAPE": "mean_absolute_percentage_error",
            "msle": "mean_squared_logarithmic_error", "MSLE": "mean_squared_logarithmic_error",
            "kld": "kl_divergence", "KLD": "kl_divergence"}


def all_objects():
    """Keras' name -> loss class or function table (case-sensitive): classes by their names, functions by
    their names and aliases."""
    from minidl.keras import losses
    table = {}
    for name in losses.__all__:
        obj = getattr(losses, name, None)
        if inspect.isclass(obj) and issubclass(obj, losses.Loss):
            table[name] = obj
        elif inspect.isfunction(obj) and name == obj.__name__ and name not in ("get", "check_outputs", "serialize",
                                                                                  "deserialize"):
            table[name] = obj
    table.update({alias: getattr(losses, target) for alias, target in _ALIASES.items()})
    return table


def get(identifier):
    """Keras' ``losses.get``: None, a function/class name or alias (case-sensitive), a config dict, a Loss
    class or object, or a callable. A class becomes an instance; a name of a loss function gives the function
    (per-sample values, as ``keras.losses.mean_squared_error``); a name a user registered with
    ``register_keras_serializable`` (or put in a ``custom_object_scope``) gives that object."""
    from minidl.keras import losses
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = losses.deserialize(identifier)
    elif isinstance(identifier, str):
        obj = all_objects().get(identifier)
        if obj is None:
            obj = losses._user_object(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret loss identifier: {identifier}")
