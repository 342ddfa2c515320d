"""``keras.saving.serialize_keras_object`` / ``deserialize_keras_object``: objects to and from
Keras 3's JSON-able dicts ``{"module", "class_name", "config", "registered_name"}``.

Plain values (None, bools, numbers, strings, lists, dicts) stay themselves; NumPy arrays become
``{"class_name": "__numpy__", ...}``; functions ``{"class_name": "function", "config": name}``;
objects with ``get_config`` (layers, models, losses, metrics, optimisers, initialisers,
regularisers, user classes) their class and config. User classes are found again through
``register_keras_serializable`` or a ``custom_object_scope`` / ``custom_objects``.
"""
from __future__ import annotations

import inspect
import types

import numpy as np

from minidl.keras import _registry

__all__ = ["serialize_keras_object", "deserialize_keras_object"]

# Keras' public module of each minidl.keras module that holds serializable built-ins.
_PUBLIC_MODULES = {"layers": "keras.layers", "losses": "keras.losses", "metrics": "keras.metrics",
                   "optimizers": "keras.optimizers", "initializers": "keras.initializers",
                   "regularizers": "keras.regularizers", "activations": "keras.activations",
                   "models": "keras.models", "callbacks": "keras.callbacks",
                   "feature_space": "keras.src.layers.preprocessing.feature_space"}


def _public_module(obj):
    """Keras' ``module`` for a minidl built-in object, None for a registered user object and the
    Python module for an unregistered one (as Keras writes them)."""
    cls = obj if inspect.isclass(obj) else type(obj)
    module = cls.__module__ or ""
    if module.startswith("minidl.keras.") and getattr(cls, "_keras_module", None):  # (keras.utils.FeatureSpace)
        return cls._keras_module
    if module.startswith("minidl.keras."):
        return _PUBLIC_MODULES.get(module.split(".")[2], "keras")
    return None if cls in _registry.GLOBAL_CUSTOM_NAMES else module


def _registered_name(obj):
    cls = type(obj)
    if (cls.__module__ or "").startswith("minidl.keras."):
        return None
    return _registry.get_registered_name(cls)


def serialize_keras_object(obj):
    """``obj`` as Keras 3's JSON-able description (see the module docstring).

    >>> serialize_keras_object(np.arange(2))
    {'class_name': '__numpy__', 'config': {'value': [0, 1], 'dtype': 'int64'}}
    """
    from minidl.keras.layers.base import Layer
    from minidl.keras.models.model import Model
    from minidl.tensor import Tensor
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, (np.ndarray, Tensor)) or hasattr(obj, "numpy") and not hasattr(obj, "get_config"):
        from minidl.keras._tensor import numpy_of
        arr = np.asarray(numpy_of(obj))
        return {"class_name": "__numpy__", "config": {"value": arr.tolist(), "dtype": str(arr.dtype)}}
    if isinstance(obj, (list, tuple)):
        return type(obj)(serialize_keras_object(v) for v in obj) if isinstance(obj, tuple) else \
            [serialize_keras_object(v) for v in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {"start": serialize_keras_object(obj.start),
                                                      "stop": serialize_keras_object(obj.stop),
                                                      "step": serialize_keras_object(obj.step)}}
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return {"module": "builtins", "class_name": "function", "config": _registry.get_registered_name(obj),
                "registered_name": "function"}
    if inspect.isclass(obj):
        raise TypeError(f"serialize_keras_object: cannot serialize the class {obj.__name__} itself; "
                        "pass an instance (or register it and save its name)")
    if isinstance(obj, Model) and (obj._graph is not None or type(obj).__name__ == "Sequential"):
        from minidl.keras.models.saving import model_config
        return model_config(obj)
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize object {obj!r} of type {type(obj).__name__}: it has no "
                        "get_config() method")
    out = {"module": _public_module(obj), "class_name": type(obj).__name__,
           "config": serialize_keras_object(obj.get_config()), "registered_name": _registered_name(obj)}
    if isinstance(obj, Layer) and obj.built and obj._build_shape is not None:
        out["build_config"] = {"input_shape": serialize_keras_object(obj._build_shape)}
    if isinstance(obj, Model) and getattr(obj, "compiled", False):
        from minidl.keras.models.saving import _json_value
        out["compile_config"] = _json_value(obj._compile_args)
    return out


def _builtin_modules():
    from minidl.keras import (
        activations,
        callbacks,
        feature_space,
        initializers,
        layers,
        losses,
        metrics,
        models,
        optimizers,
        regularizers,
    )
    return {"keras.layers": layers, "keras.losses": losses, "keras.metrics": metrics, "keras.optimizers": optimizers,
            "keras.initializers": initializers, "keras.regularizers": regularizers,
            "keras.activations": activations, "keras.models": models, "keras.callbacks": callbacks,
            "keras.src.layers.preprocessing.feature_space": feature_space}


def _find_builtin(class_name, module):
    """A minidl.keras class or function named ``class_name`` in Keras' ``module`` (any when unknown)."""
    modules = _builtin_modules()
    candidates = [modules[module]] if module in modules else list(modules.values())
    if module in ("keras", "keras.src.models.functional", "keras.src.models.sequential"):
        candidates = [modules["keras.models"]] + list(modules.values())
    for mod in candidates:
        found = getattr(mod, class_name, None)
        if found is not None and not isinstance(found, types.ModuleType):
            return found
    return None


def _not_found(config):
    return TypeError(f"Could not locate class '{config.get('class_name')}'. Make sure custom classes and "
                     "functions are decorated with `@keras.saving.register_keras_serializable()`. If they "
                     "are already decorated, make sure they are all imported so that the decorator is run "
                     f"before trying to load them. Full object config: {config}")


def _function(config, custom_objects):
    name = config["config"]
    found = _registry.lookup(name, custom_objects)
    if found is None:
        from minidl.keras import activations, losses, metrics
        for mod in (activations, losses, metrics):
            found = getattr(mod, name, None)
            if callable(found):
                break
            found = None
    if found is None:
        raise TypeError(f"Could not locate function '{name}'. Make sure custom classes and functions are "
                        "decorated with `@keras.saving.register_keras_serializable()`.")
    return found


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object :func:`serialize_keras_object` described: user classes come from
    ``custom_objects``, an open ``custom_object_scope`` or the registry, built-ins from
    minidl.keras; a class nobody knows raises ``TypeError`` (as Keras)."""
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(v, custom_objects, safe_mode) for v in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config}")
    if "class_name" not in config or "config" not in config:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode) for k, v in config.items()}
    class_name, inner = config["class_name"], config["config"]
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__tensor__":
        from minidl.keras.ops import convert_to_tensor
        return convert_to_tensor(np.array(inner["value"], dtype=inner["dtype"]))
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__slice__":
        return slice(*(deserialize_keras_object(inner[k], custom_objects) for k in ("start", "stop", "step")))
    if class_name == "function":
        return _function(config, custom_objects)
    from minidl.keras.layers.base import Layer
    from minidl.keras.layers.lambda_layer import safe_mode_scope
    cls = _registry.lookup(config.get("registered_name"), custom_objects) or \
        _registry.lookup(class_name, custom_objects) or _find_builtin(class_name, config.get("module"))
    if cls is None and class_name in ("Functional", "Sequential", "Model"):
        from minidl.keras.models import Model
        cls = Model
    if cls is None:
        raise _not_found(config)
    if not inspect.isclass(cls):
        return cls  # a registered function or instance
    with safe_mode_scope(safe_mode):
        if issubclass(cls, Layer):
            from minidl.keras.models.saving_custom import object_from_entry
            return object_from_entry(cls, config, custom_objects)
        if hasattr(cls, "from_config"):
            return cls.from_config(inner)
        return cls(**inner)
