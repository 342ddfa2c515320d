"""Errors raised inside a sub-module's forward name the layer's path.

``model(x)`` with a bad input deep inside reads
``features.3 (Conv2d): conv2d: input must be float32 or float64, got int64``.
Each ``Module.__call__`` that sees a ValueError / TypeError / RuntimeError
pass through re-labels it with the path of the layer that raised it, relative
to itself; the outermost call's label (the full path from the model the user
called) is the one that remains. The exception keeps its type and traceback.
"""
from __future__ import annotations

__all__ = ["label_error"]

_LABELLED = (ValueError, TypeError, RuntimeError)
_ATTR = "_minidl_layer"  # (module that raised, original message) on the exception


def label_error(module, exc) -> None:
    """Prefix ``exc``'s message with the path (inside ``module``) of the layer that raised it."""
    if not isinstance(exc, _LABELLED) or len(exc.args) != 1 or not isinstance(exc.args[0], str):
        return
    origin = getattr(exc, _ATTR, None)
    if origin is None:
        origin = (module, exc.args[0])
        try:
            setattr(exc, _ATTR, origin)
        except AttributeError:  # exceptions without a __dict__
            return
    layer, message = origin
    if layer is module:
        return  # raised by this module itself: its own message already says what it is
    path = next((name for name, m in module.named_modules() if m is layer), None)
    if path:
        own = f"{layer!r}: "  # layers' own checks start with their repr; the path replaces it
        if message.startswith(own):
            message = message[len(own):]
        exc.args = (f"{path} ({type(layer).__name__}): {message}",)
