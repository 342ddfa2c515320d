"""The model registry: every zoo constructor records how it was built.

A constructor decorated with :func:`register_model` sets, on the module it
returns::

    model.config = {"name": "<constructor name>", "kwargs": {<every argument>}}

with all arguments (defaults included, tuples as lists so the dict survives
JSON/HDF5). :func:`build` turns such a config back into a model, which is how
``minidl.load_model`` rebuilds a saved zoo model.
"""
from __future__ import annotations

import functools
import inspect

__all__ = ["register_model", "build", "build_from_config", "list_models", "get_model_fn"]

_REGISTRY: dict = {}


def _plain(value):
    """``value`` with tuples turned into lists (recursively), for serialisation."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def register_model(fn=None, *, name: str | None = None):
    """Decorator: register ``fn`` under ``name`` (default ``fn.__name__``) and
    make it record ``model.config`` on the module it returns.

    Usage: ``@register_model`` or ``@register_model(name="vgg16")``.
    """
    def decorate(f):
        key = name or f.__name__
        if key in _REGISTRY and _REGISTRY[key] is not f:
            raise ValueError(f"a model named {key!r} is already registered")
        sig = inspect.signature(f)

        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            model = f(*bound.args, **bound.kwargs)
            model.config = {"name": key, "kwargs": _plain(dict(bound.arguments))}
            return model

        _REGISTRY[key] = wrapper
        return wrapper

    return decorate(fn) if fn is not None else decorate


def get_model_fn(name: str):
    """The registered constructor called ``name``; KeyError listing the known names."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def build(name: str, **kwargs):
    """Build the registered model ``name`` with ``kwargs``:
    ``build(m.config["name"], **m.config["kwargs"])`` rebuilds ``m`` (fresh weights).
    """
    return get_model_fn(name)(**kwargs)


def build_from_config(config: dict):
    """Rebuild a model from its ``config`` dict (``{"name": ..., "kwargs": {...}}``)."""
    return build(config["name"], **dict(config.get("kwargs", {})))


def list_models() -> list:
    """The names of every registered model, sorted."""
    return sorted(_REGISTRY)

