"""``keras.layers.serialize`` / ``keras.layers.deserialize``: a layer to and from Keras' config dict
``{"module", "class_name", "config", "registered_name"[, "build_config"]}`` (the entry a ``.keras``
file holds for it), through the same code as model saving."""
from __future__ import annotations

__all__ = ["serialize", "deserialize"]


def serialize(layer) -> dict:
    """Keras' config dict of ``layer`` (with ``build_config`` once it is built)."""
    from minidl.keras.layers.base import Layer
    from minidl.keras.models.saving import _layer_entry
    if not isinstance(layer, Layer):
        raise TypeError(f"keras.layers.serialize expects a Layer, got {type(layer).__name__}")
    return _layer_entry(layer)


def deserialize(config, custom_objects=None):
    """A new layer (or model) from :func:`serialize`'s dict; ``custom_objects`` maps class names of user
    layers to their classes. A ``build_config`` builds it for that input shape."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("`keras.layers.deserialize` was passed a `config` object that is not a "
                         f"`keras.layers.Layer`. Received: {config}")
    from minidl.keras.models.saving import _layer_from_entry
    try:
        layer = _layer_from_entry(config, custom_objects)
    except ValueError as err:
        if "Unknown layer class" in str(err):
            raise TypeError(f"Could not locate class '{config['class_name']}'. Make sure custom classes are passed "
                            f"in `custom_objects`. Full object config: {config}") from None
        raise
    shape = (config.get("build_config") or {}).get("input_shape")
    if shape is not None and not layer.built:
        shape = [tuple(s) for s in shape] if shape and isinstance(shape[0], (list, tuple)) else tuple(shape)
        layer._ensure_built(shape)
    return layer
