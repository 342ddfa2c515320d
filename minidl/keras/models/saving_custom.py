"""Saving and loading user-defined classes: custom layers (``get_config``) and subclassed models
(``Model`` subclasses with ``call``/``get_config``/``from_config``), as Keras 3 writes them.

A user class is written with ``module`` None (registered) or its Python module, and its
``registered_name`` (``"Custom>MyLayer"`` after ``@register_keras_serializable()``, else the class
name). A subclassed model is rebuilt with ``cls.from_config(config)`` and built from its
``build_config`` (``model.build(input_shape)``) before its weights are read, as Keras does.
"""
from __future__ import annotations

from minidl.keras import _registry

__all__ = ["entry_names", "subclassed_model_config", "resolve_class", "object_from_entry"]


def is_builtin(obj) -> bool:
    """Whether ``obj``'s class is one of minidl.keras' own."""
    cls = obj if isinstance(obj, type) else type(obj)
    return (cls.__module__ or "").startswith("minidl.keras.")


def entry_names(obj, builtin_module="keras.layers"):
    """``(module, registered_name)`` of ``obj`` in a saved config, as Keras writes them."""
    if is_builtin(obj):
        return builtin_module, None
    cls = type(obj)
    registered = cls in _registry.GLOBAL_CUSTOM_NAMES
    return (None if registered else cls.__module__), _registry.get_registered_name(cls)


def subclassed_model_config(model, compile_config=True) -> dict:
    """Keras' entry for a subclassed model: its class, ``get_config()``, build and compile configs."""
    from minidl.keras.models.saving import _config_value, _json_value
    module, registered = entry_names(model)
    try:
        config = model.get_config()
    except NotImplementedError as err:
        raise NotImplementedError(f"Model {type(model).__name__} ({model.name}) cannot be saved: {err}. "
                                  "Implement get_config() (and from_config() if its constructor needs "
                                  "more than the config's keys), or use save_weights") from None
    out = {"module": module, "class_name": type(model).__name__, "config": _config_value(config),
           "registered_name": registered}
    shape = getattr(model, "_build_shape", None)
    if model.built and shape is not None:
        out["build_config"] = {"input_shape": _json_value(shape)}
    if compile_config and getattr(model, "compiled", False):
        out["compile_config"] = compile_config_of(model)
    return out


def _overrides(model, hook) -> bool:
    from minidl.keras.models.custom_steps import StepsMixin
    return getattr(type(model), hook, None) is not getattr(StepsMixin, hook)


def compile_config_of(model):
    """Keras' ``compile_config`` entry of a compiled ``model``: a user class's own ``get_compile_config()``
    serialized as Keras' ``serialize_dict`` does (functions and objects as their configs), else the
    ``compile()`` arguments minidl recorded."""
    if _overrides(model, "get_compile_config"):
        from minidl.keras.serialization import serialize_keras_object
        config = model.get_compile_config()
        return None if config is None else serialize_keras_object(config)
    from minidl.keras.models.saving import _json_value
    return _json_value(model._compile_args)


def compile_loaded(model, compile_config, custom_objects) -> None:
    """Compile a loaded model from its ``compile_config``: a user class's own ``compile_from_config``
    (called as Keras calls it), else minidl's rebuilding of the ``compile()`` arguments."""
    if _overrides(model, "compile_from_config"):
        model.compile_from_config(compile_config)
    else:
        from minidl.keras.models.saving import _compile_from
        _compile_from(model, compile_config, custom_objects)


def resolve_class(entry, custom_objects=None):
    """The user class a saved entry names (by ``registered_name``, then ``class_name``), or None."""
    registered, name = entry.get("registered_name"), entry.get("class_name")
    found = _registry.lookup(registered, custom_objects) if registered else None
    if found is None and str(entry.get("module") or "").startswith("keras"):  # a built-in's entry:
        found = (custom_objects or {}).get(name) or _registry.get_registered_object(name)  # exact names only
    elif found is None:
        found = _registry.lookup(name, custom_objects)
    return found


def object_from_entry(cls, entry, custom_objects=None):
    """A layer or model of class ``cls`` from its saved ``entry``: built-in configs go through the
    model loader (it cleans Keras' extra keys); a user class through ``cls.from_config``, then
    ``build`` with the saved input shape (a subclassed model is built by running it once)."""
    import inspect

    from minidl.keras.models.model import Model
    from minidl.keras.models.saving import _layer_from_entry, model_from_config
    config = entry.get("config", {})
    if entry.get("class_name") in ("Functional", "Sequential") or isinstance(config, dict) and "layers" in config \
            and issubclass(cls, Model):
        return model_from_config(entry, custom_objects)
    if is_builtin(cls) or not issubclass(cls, Model):
        return _layer_from_entry({**entry, "class_name": entry.get("class_name") or cls.__name__}, custom_objects,
                                 cls=cls)
    params = inspect.signature(cls.from_config).parameters
    model = cls.from_config(config, custom_objects) if "custom_objects" in params else cls.from_config(config)
    shape = (entry.get("build_config") or {}).get("input_shape")
    if shape is not None and not model.built:
        model.build(_shape(shape))
    return model


def _shape(shape):
    """A saved input shape (lists) as the tuple (or list / dict of tuples) ``build`` takes."""
    if isinstance(shape, dict):
        return {k: _shape(v) for k, v in shape.items()}
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, dict)):
        return [_shape(s) for s in shape]
    return tuple(shape)


def is_subclassed(model) -> bool:
    """Whether ``model`` is a subclassed Model (neither functional nor Sequential)."""
    from minidl.keras.models.model import Model
    from minidl.keras.models.sequential import Sequential
    return isinstance(model, Model) and model._graph is None and not isinstance(model, Sequential)


def _children(model):
    """``(attribute name, layer)`` of a subclassed model's sublayers, in assignment order."""
    from minidl.keras.layers.base import Layer
    return [(key, child) for key, child in model._modules.items() if isinstance(child, Layer)]


def write_subclassed_weights(f, model, write_layer):
    """Keras 3's weights layout of a subclassed model: each sublayer under its attribute name at
    the top of the file (``d/vars/0``, ``d2/vars/0``...), then the model's own ``vars``."""
    for key, child in _children(model):
        write_layer(f.create_group(key), child)


def load_subclassed_weights(model, f, assign_layer, skip_mismatch, where) -> bool:
    """Read a file written by :func:`write_subclassed_weights` (by minidl or Keras) into ``model``;
    False when the file is not in that layout (the caller then reads the ``layers/`` layout)."""
    children = _children(model) if is_subclassed(model) else []
    if not children or not all(key in f for key, _ in children):
        return False
    for key, child in children:
        assign_layer(child, f[key], skip_mismatch, where)
    return True


def user_layer_children(layer):
    """``[(attribute, sublayer)]`` of a user-defined layer that has sublayers and no weights of its
    own (Keras' file layout for it: ``<layer>/<attribute>/vars``...); None otherwise."""
    if is_builtin(layer) or layer._weight_specs:
        return None
    from minidl.keras.layers.base import Layer
    from minidl.keras.models.model import Model
    if isinstance(layer, Model):
        return None
    children = [(key, child) for key, child in layer._modules.items() if isinstance(child, Layer)]
    return children or None


def overrides_hook(obj, hook) -> bool:
    """True when ``obj``'s class overrides Keras' saving ``hook`` of ``Layer`` (``get_build_config``...)."""
    from minidl.keras.layers.base import Layer
    method = getattr(type(obj), hook, None)
    return method is not None and method is not getattr(Layer, hook, None)
