"""``keras.backend`` / ``keras.config``: the few global settings Keras scripts read."""
from __future__ import annotations

from minidl.keras._naming import clear_session as _clear_names

__all__ = ["clear_session", "image_data_format", "set_image_data_format", "floatx", "epsilon",
           "backend"]


def clear_session(free_memory=True):
    """Reset the automatic layer names (``dense``, ``dense_1``, ... start again) and :func:`get_uid`'s counters."""
    _clear_names()
    _UIDS.clear()


# The settings live in minidl.keras._settings / keras.config; Keras 3's other keras.backend names.
from minidl.keras._dtypes import is_float_dtype, is_int_dtype, result_type, standardize_dtype  # noqa: E402
from minidl.keras._settings import floatx, image_data_format, set_floatx, set_image_data_format  # noqa: E402
from minidl.keras.config import backend, epsilon, set_epsilon  # noqa: E402

_UIDS: dict = {}


def get_uid(prefix="") -> int:
    """1, 2, 3... on successive calls with the same ``prefix`` (until :func:`clear_session`)."""
    _UIDS[prefix] = _UIDS.get(prefix, 0) + 1
    return _UIDS[prefix]


def is_keras_tensor(x) -> bool:
    """Whether ``x`` is a symbolic tensor (from ``keras.Input`` and layer calls on it)."""
    from minidl.keras.layers import KerasTensor
    return isinstance(x, KerasTensor)


__all__ += ["get_uid", "is_float_dtype", "is_int_dtype", "is_keras_tensor", "result_type", "set_epsilon",
            "set_floatx", "standardize_dtype"]
