"""``keras.backend`` / ``keras.config``: the few global settings Keras scripts read."""
from __future__ import annotations

from minidl.keras._naming import clear_session as _clear_names

__all__ = ["clear_session", "image_data_format", "set_image_data_format", "floatx", "epsilon",
           "backend"]


def clear_session(free_memory=True):
    """Reset the automatic layer names (``dense``, ``dense_1``, ... start again)."""
    _clear_names()


def image_data_format() -> str:
    """``"channels_last"``: Keras-facing arrays are NHWC."""
    return "channels_last"


def set_image_data_format(data_format):
    """Only ``"channels_last"`` is supported."""
    if data_format != "channels_last":
        raise ValueError("minidl.keras supports only the 'channels_last' image data format")


def floatx() -> str:
    """The default float type, ``"float32"``."""
    return "float32"


def epsilon() -> float:
    """The fuzz factor of the losses, 1e-7."""
    return 1e-7


def backend() -> str:
    """The name of the backend: ``"minidl"``."""
    return "minidl"
