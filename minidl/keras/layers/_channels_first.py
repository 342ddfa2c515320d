"""``data_format="channels_first"`` for the image/sequence layers, as Keras 3 takes it.

minidl.keras' layers compute on channels-last semantics at the Keras edge. A layer built with
``data_format="channels_first"`` (Keras' (N, C, d1, ...) inputs) runs that same computation on
its input with the channel axis moved last, and moves the channel axis of a same-rank output
back to position 1 (a lower-rank output, e.g. global pooling without ``keepdims`` or Flatten,
is left as it comes, as Keras does). Its ``build`` and ``compute_output_shape`` see and give
channels-first shapes; its weights have the same shapes as with ``channels_last`` (Keras' kernels
do not depend on the data format).
"""
from __future__ import annotations

import types

from minidl.keras._tensor import permute, to_external, to_internal

__all__ = ["standardize_data_format", "use_data_format"]


def standardize_data_format(data_format):
    """Keras' ``standardize_data_format``: ``None`` -> ``keras.config.image_data_format()``."""
    if data_format is None:
        from minidl.keras._settings import image_data_format
        return image_data_format()
    value = str(data_format).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
                         f"Received: data_format={data_format}")
    return value


def _first_to_last(shape):
    s = tuple(shape)
    return s if len(s) < 3 else (s[0],) + s[2:] + (s[1],)


def _last_to_first(shape):
    s = tuple(shape)
    return s if len(s) < 3 else (s[0], s[-1]) + s[1:-1]


def _move(x, to_last):
    """Move the channel axis of a Keras-layout Tensor (1 -> -1, or -1 -> 1)."""
    n = x.ndim
    if n < 3:
        return x
    axes = [0] + list(range(2, n)) + [1] if to_last else [0, n - 1] + list(range(1, n - 1))
    return permute(x, axes)


def _cf_forward(self, x, training=False):
    rank = x.ndim
    inner = to_internal(_move(to_external(x), True))
    out = type(self)._forward(self, inner, training)
    out = to_external(out)
    if out.ndim == rank:
        out = _move(out, False)
    return to_internal(out)


def _cf_build(self, input_shape):
    return type(self).build(self, _first_to_last(input_shape))


def _cf_compute_output_shape(self, input_shape):
    out = type(self).compute_output_shape(self, _first_to_last(input_shape))
    if len(out) == len(tuple(input_shape)):
        out = _last_to_first(out)
    return type(out)(out) if isinstance(out, list) else tuple(out)


def use_data_format(layer, data_format):
    """Set ``layer.data_format`` (Keras' standardized value) and, for ``"channels_first"``, run the
    layer's channels-last computation on its input with the channel axis moved last."""
    value = standardize_data_format(data_format)
    layer.__dict__["data_format"] = value
    if value == "channels_first":
        for name, fn in (("_forward", _cf_forward), ("build", _cf_build),
                         ("compute_output_shape", _cf_compute_output_shape)):
            layer.__dict__[name] = types.MethodType(fn, layer)
    return value
