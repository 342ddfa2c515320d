"""The global settings behind ``keras.config`` / ``keras.backend``: float type, fuzz factor, image
data format, dtype policy, unsafe deserialization, interactive logging, traceback filtering, and
the epoch / step caps of ``fit``. Kept in one place so that every module reads the same values."""
from __future__ import annotations

import numpy as np

__all__ = ["floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format", "set_image_data_format",
           "unsafe_deserialization", "enable_unsafe_deserialization"]

_FLOAT_TYPES = ("float16", "bfloat16", "float32", "float64")
_STATE = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last", "policy": None,
          "unsafe_deserialization": False, "interactive_logging": True, "traceback_filtering": True,
          "max_epochs": None, "max_steps_per_epoch": None, "flash_attention": None}


def floatx() -> str:
    """The default float type of new weights and tensors (``"float32"`` unless :func:`set_floatx`)."""
    return _STATE["floatx"]


def set_floatx(value) -> None:
    """Set the default float type. Keras takes ``"float16"``, ``"bfloat16"``, ``"float32"`` and
    ``"float64"``; minidl.keras' layers create float32 weights and cast their inputs to float32,
    so only ``"float32"`` is accepted and the others raise (rather than being ignored)."""
    value = str(value)
    if value not in _FLOAT_TYPES:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {set(_FLOAT_TYPES)}")
    if value != "float32":
        raise ValueError(f"set_floatx({value!r}): minidl.keras' layers compute in float32 only (their "
                         "weights and inputs are float32); float64 and half precision are not supported")
    _STATE["floatx"] = value


def epsilon() -> float:
    """The fuzz factor the losses and metrics clip with (1e-7 unless :func:`set_epsilon`)."""
    return _STATE["epsilon"]


def set_epsilon(value) -> None:
    """Set the fuzz factor read by the probability losses (``keras.config.epsilon()``)."""
    _STATE["epsilon"] = float(value)


def image_data_format() -> str:
    """``"channels_last"``: minidl.keras' image layers take NHWC arrays."""
    return _STATE["image_data_format"]


def set_image_data_format(data_format) -> None:
    """Only ``"channels_last"`` is supported: minidl.keras' image layers (and their saved weights)
    are NHWC at the edge; ``"channels_first"`` raises rather than being silently ignored."""
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
                         f"Received: data_format={data_format}")
    if data_format == "channels_first":
        raise ValueError("set_image_data_format('channels_first'): minidl.keras' image layers take "
                         "channels_last (NHWC) inputs only; transpose your data instead")
    _STATE["image_data_format"] = data_format


def unsafe_deserialization() -> bool:
    """Whether :func:`enable_unsafe_deserialization` was called (Python lambdas then load everywhere)."""
    return _STATE["unsafe_deserialization"]


def enable_unsafe_deserialization() -> None:
    """Allow loading ``Lambda`` layers saved with Python lambdas (their bytecode runs) even under
    ``load_model(safe_mode=True)``, as Keras' global switch does."""
    _STATE["unsafe_deserialization"] = True


def get(key):
    """A raw setting (internal)."""
    return _STATE[key]


def put(key, value) -> None:
    """Set a raw setting (internal)."""
    _STATE[key] = value


def float_dtype():
    """:func:`floatx` as a NumPy dtype."""
    return np.dtype(floatx())
