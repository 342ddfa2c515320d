"""Keras' custom-object registry: ``register_keras_serializable``, ``get_custom_objects``,
``custom_object_scope`` / ``CustomObjectScope``, ``get_registered_name``, ``get_registered_object``.

A class or function registered with ``@register_keras_serializable(package="Custom", name=None)``
is stored under ``"package>name"`` (``"Custom>MyLayer"``); ``model.save`` writes that name as the
object's ``registered_name`` and ``load_model`` finds the class again without ``custom_objects``.
Objects given to a ``custom_object_scope`` (or to ``load_model(custom_objects=...)``) are found by
the name written in the file while the scope is open.
"""
from __future__ import annotations

import inspect
import threading

__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "register_keras_serializable",
           "get_registered_name", "get_registered_object", "lookup", "scope_objects"]

GLOBAL_CUSTOM_OBJECTS: dict = {}
GLOBAL_CUSTOM_NAMES: dict = {}
_SCOPE = threading.local()


def scope_objects() -> dict:
    """The objects of the innermost open :class:`CustomObjectScope` (``{}`` outside any)."""
    return getattr(_SCOPE, "objects", {})


class CustomObjectScope:
    """``with CustomObjectScope({"name": obj}):`` makes ``obj`` findable by ``name`` while
    deserializing (``load_model``, ``model_from_config``, ``deserialize_keras_object``,
    ``keras.losses.get``...). As in Keras, a scope replaces the objects of an enclosing one."""

    def __init__(self, custom_objects):
        self.custom_objects = dict(custom_objects or {})
        self.backup = None

    def __enter__(self):
        self.backup = dict(scope_objects())
        _SCOPE.objects = dict(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _SCOPE.objects = dict(self.backup or {})


custom_object_scope = CustomObjectScope


def get_custom_objects() -> dict:
    """The live global dict ``{registered name: object}`` of registered objects (scopes not included)."""
    return GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a class (which must have ``get_config``) or a function under
    ``f"{package}>{name or obj.__name__}"``, so that saved files name it and loading finds it.

    >>> @register_keras_serializable(package="demo")
    ... def scale(x):
    ...     return 2 * x
    >>> get_registered_name(scale)
    'demo>scale'
    """
    def decorator(arg):
        """Register ``arg`` and return it unchanged."""
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg
    return decorator


def get_registered_name(obj) -> str:
    """The name ``obj`` is registered under, or its ``__name__`` when it is not registered."""
    try:
        if obj in GLOBAL_CUSTOM_NAMES:
            return GLOBAL_CUSTOM_NAMES[obj]
    except TypeError:  # an unhashable object
        pass
    return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered as ``name``: looked up in the open scope, the global registry,
    ``custom_objects``, then ``module_objects`` (in Keras' order); None when none has it."""
    scoped = scope_objects()
    if name in scoped:
        return scoped[name]
    if name in GLOBAL_CUSTOM_OBJECTS:
        return GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def lookup(name, custom_objects=None):
    """A user object for a name written in a config: ``"package>name"`` or a bare name, from the
    scope, ``custom_objects`` or the registry (a bare name also matches ``"package>name"`` entries
    registered under it); None when there is none (the caller then tries the built-in names)."""
    if not isinstance(name, str) or not name:
        return None
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    found = get_registered_object(name)
    if found is not None or ">" in name:
        return found
    matches = [obj for key, obj in GLOBAL_CUSTOM_OBJECTS.items() if key.split(">", 1)[-1] == name]
    return matches[-1] if matches else None
