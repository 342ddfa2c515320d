"""Keras 3's automatic ``get_config`` for user classes: a layer or model whose class does not
override ``get_config`` is saved with the constructor arguments it was created with (when they are
all plain values: str, int, float, bool, None, possibly nested in lists/dicts), so that
``cls(**config)`` rebuilds it. Arguments of other types make ``get_config`` raise
``NotImplementedError`` asking for a ``get_config`` override, as Keras does."""
from __future__ import annotations

import inspect

__all__ = ["record_auto_config", "with_auto_config"]

_SUPPORTED = (str, int, float, bool, type(None))


def _plain(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return isinstance(value, _SUPPORTED)


def record_auto_config(instance, cls, args, kwargs):
    """Store on ``instance`` (from ``Layer.__new__``) the constructor arguments of a user class, with
    defaults filled in and ``**kwargs`` spread, or None when they are not all plain values."""
    if (cls.__module__ or "").startswith("minidl."):
        return instance  # built-in layers write their own configs
    config, positional_error = None, False
    try:
        signature = inspect.signature(cls.__init__)
        params = list(signature.parameters.values())
        bound = signature.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        bound = None
    if bound is not None:
        if any(p.kind == inspect.Parameter.POSITIONAL_ONLY for p in params[1:]):
            positional_error = True
        else:
            bound.apply_defaults()
            values = dict(bound.arguments)
            values.pop(params[0].name, None)
            for p in params:
                if p.kind == inspect.Parameter.VAR_KEYWORD:
                    values.update(values.pop(p.name, {}))
                elif p.kind == inspect.Parameter.VAR_POSITIONAL and values.pop(p.name, ()):
                    positional_error = True
            values.pop("name", None)
            if not positional_error and all(_plain(v) for v in values.values()):
                config = values
    instance.__dict__["_auto_config"] = config
    instance.__dict__["_auto_config_error_args"] = positional_error
    return instance


def with_auto_config(layer, config: dict) -> dict:
    """``config`` (the base ``Layer.get_config``) plus the recorded constructor arguments when
    ``layer``'s class is a user class relying on the default ``get_config``."""
    from minidl.keras.layers.base import Layer
    from minidl.keras.models.model import Model
    cls = type(layer)
    if (cls.__module__ or "").startswith("minidl.") or cls.get_config not in (Layer.get_config, Model.get_config):
        return config
    auto = layer.__dict__.get("_auto_config")
    if auto is None:
        positional = layer.__dict__.get("_auto_config_error_args")
        why = "positional-only or variadic (*args) arguments" if positional else "non-serializable argument values"
        raise NotImplementedError(f"Object {cls.__name__} was created by passing {why} to `__init__()`, and therefore "
                                  "the object must override `get_config()` in order to be serializable. Please "
                                  "implement `get_config()` (returning `{**super().get_config(), 'arg1': self.arg1}`).")
    out = {**config, **auto}
    init_params = inspect.signature(cls.__init__).parameters
    has_kwargs = any(p.kind == inspect.Parameter.VAR_KEYWORD for p in init_params.values())
    if "name" not in init_params and not has_kwargs:
        out.pop("name", None)
    return out
