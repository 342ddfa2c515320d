"""PyTorch's top-level autocast getters and setters (``torch.set_autocast_enabled``, ``torch.get_autocast_cpu_dtype``,
...), on minidl's real autocast state (``minidl/autograd/autocast_state.py``).

``set_autocast_enabled("cpu", True)`` opens the same state ``with minidl.autocast("cpu"):`` does: from then on
the ops of autocast's lists cast their inputs (until ``set_autocast_enabled("cpu", False)``).
``set_autocast_dtype`` chooses the dtype an enabled state, and an ``autocast(...)`` given no dtype, lowers to.
The other device types PyTorch names (``"ipu"``, ``"xla"``, ``"xpu"``, ``"hpu"``, ``"mps"``...) keep their flags and
dtypes here; minidl has no such devices, so nothing computes under them. minidl keeps no cache of cast
weights (each op casts afresh), so the cache switch only records its flag and :func:`clear_autocast_cache` has
nothing to clear.
"""
from __future__ import annotations

import numpy as np

from .autograd import autocast_state
from .dtypes import BFLOAT16, as_dtype

__all__ = ["set_autocast_enabled", "set_autocast_dtype", "is_autocast_cpu_enabled", "set_autocast_cpu_enabled",
           "get_autocast_cpu_dtype", "set_autocast_cpu_dtype", "get_autocast_gpu_dtype", "set_autocast_gpu_dtype",
           "is_autocast_ipu_enabled", "set_autocast_ipu_enabled", "get_autocast_ipu_dtype", "set_autocast_ipu_dtype",
           "is_autocast_xla_enabled", "set_autocast_xla_enabled", "get_autocast_xla_dtype", "set_autocast_xla_dtype",
           "is_autocast_cache_enabled", "set_autocast_cache_enabled", "clear_autocast_cache",
           "autocast_increment_nesting", "autocast_decrement_nesting"]

_REAL = ("cpu", "cuda")
_OTHER_DEFAULTS = {"ipu": np.dtype(np.float16), "xla": BFLOAT16, "xpu": np.dtype(np.float16),
                   "hpu": BFLOAT16, "mps": np.dtype(np.float16), "mtia": np.dtype(np.float16),
                   "privateuseone": np.dtype(np.float16)}
_other_enabled = {}
_other_dtypes = {}
_cache = {"enabled": True}
_nesting = [0]


def _device(device_type):
    if not isinstance(device_type, str):
        raise TypeError(f"autocast: device_type must be a str, got {type(device_type).__name__}")
    if device_type not in _REAL and device_type not in _OTHER_DEFAULTS:
        raise RuntimeError(f"Expected one of {', '.join(_REAL + tuple(_OTHER_DEFAULTS))} device type at start of "
                           f"device string: {device_type}")
    return device_type


def _get_dtype(device_type):
    from .amp.autocast_mode import get_autocast_dtype
    if device_type in _REAL:
        return get_autocast_dtype(device_type)
    return as_dtype(_other_dtypes.get(device_type, _OTHER_DEFAULTS[device_type]))


def _is_enabled(device_type):
    if device_type in _REAL:
        return device_type in autocast_state.active
    return _other_enabled.get(device_type, False)


def set_autocast_enabled(device_type, enabled=None) -> None:
    """``set_autocast_enabled(device_type, enabled)`` (or PyTorch's older ``set_autocast_enabled(enabled)``, for
    CUDA): switch autocast on or off for ``device_type`` outside any ``with`` block."""
    if enabled is None:   # the one-argument form
        device_type, enabled = "cuda", device_type
    device_type = _device(device_type)
    if device_type in _REAL:
        if enabled:
            autocast_state.active[device_type] = _get_dtype(device_type).numpy_dtype
        else:
            autocast_state.active.pop(device_type, None)
    else:
        _other_enabled[device_type] = bool(enabled)


def set_autocast_dtype(device_type, dtype) -> None:
    """The dtype autocast lowers to on ``device_type`` (from now on, and in an enabled state at once)."""
    device_type = _device(device_type)
    wanted = as_dtype(dtype).numpy_dtype
    if device_type in _REAL:
        autocast_state.dtypes[device_type] = wanted
        if device_type in autocast_state.active:
            autocast_state.active[device_type] = wanted
    else:
        _other_dtypes[device_type] = wanted


def is_autocast_cpu_enabled() -> bool:
    """Whether autocast is on for the CPU (``is_autocast_enabled("cpu")``)."""
    return _is_enabled("cpu")


def set_autocast_cpu_enabled(enabled) -> None:
    """``set_autocast_enabled("cpu", enabled)``."""
    set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype():
    """``get_autocast_dtype("cpu")`` (bfloat16 unless set)."""
    return _get_dtype("cpu")


def set_autocast_cpu_dtype(dtype) -> None:
    """``set_autocast_dtype("cpu", dtype)``."""
    set_autocast_dtype("cpu", dtype)


def get_autocast_gpu_dtype():
    """``get_autocast_dtype("cuda")`` (float16 unless set)."""
    return _get_dtype("cuda")


def set_autocast_gpu_dtype(dtype) -> None:
    """``set_autocast_dtype("cuda", dtype)``."""
    set_autocast_dtype("cuda", dtype)


def is_autocast_ipu_enabled() -> bool:
    """Whether autocast's flag for IPUs is set (minidl has no IPU)."""
    return _is_enabled("ipu")


def set_autocast_ipu_enabled(enabled) -> None:
    """Set autocast's flag for IPUs."""
    set_autocast_enabled("ipu", enabled)


def get_autocast_ipu_dtype():
    """Autocast's dtype for IPUs (float16 unless set)."""
    return _get_dtype("ipu")


def set_autocast_ipu_dtype(dtype) -> None:
    """Set autocast's dtype for IPUs."""
    set_autocast_dtype("ipu", dtype)


def is_autocast_xla_enabled() -> bool:
    """Whether autocast's flag for XLA is set (minidl has no XLA device)."""
    return _is_enabled("xla")


def set_autocast_xla_enabled(enabled) -> None:
    """Set autocast's flag for XLA."""
    set_autocast_enabled("xla", enabled)


def get_autocast_xla_dtype():
    """Autocast's dtype for XLA (bfloat16 unless set)."""
    return _get_dtype("xla")


def set_autocast_xla_dtype(dtype) -> None:
    """Set autocast's dtype for XLA."""
    set_autocast_dtype("xla", dtype)


def is_autocast_cache_enabled() -> bool:
    """The autocast weight-cache flag (True by default; minidl keeps no cache either way)."""
    return _cache["enabled"]


def set_autocast_cache_enabled(enabled) -> None:
    """Set the autocast weight-cache flag."""
    _cache["enabled"] = bool(enabled)


def clear_autocast_cache() -> None:
    """Drop autocast's cached casts: minidl casts afresh at every op and caches none, so there is none to drop."""


def autocast_increment_nesting() -> int:
    """Count one more open autocast level; returns the new depth (as PyTorch's)."""
    _nesting[0] += 1
    return _nesting[0]


def autocast_decrement_nesting() -> int:
    """Count one autocast level fewer; returns the new depth."""
    _nesting[0] = max(0, _nesting[0] - 1)
    return _nesting[0]
