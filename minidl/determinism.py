"""``minidl.use_deterministic_algorithms`` and its companions, as PyTorch's.

minidl has one algorithm per operation, chosen by shape and configuration
(:mod:`minidl.config`) and never by timing, and its random numbers all come
from the seeded generator, so a run repeats itself for a given seed whether
or not the flag is set. The flag (and ``warn_only``) is recorded so that
scripts that set and query it behave as under PyTorch.
"""
from __future__ import annotations

__all__ = ["use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled", "set_deterministic_debug_mode",
           "get_deterministic_debug_mode"]

_enabled = False
_warn_only = False
_MODES = ("default", "warn", "error")


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Record whether operations must be deterministic (``mode``) and whether to only warn (``warn_only``).

    Both must be bools (``TypeError`` otherwise, as PyTorch). minidl's
    operations are deterministic already (see the module docstring).
    """
    global _enabled, _warn_only
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'mode' (position 1) must be bool, "
                        f"not {type(mode).__name__}")
    if not isinstance(warn_only, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'warn_only' must be bool, "
                        f"not {type(warn_only).__name__}")
    _enabled, _warn_only = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """True when :func:`use_deterministic_algorithms` was last called with ``True``."""
    return _enabled


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """True when :func:`use_deterministic_algorithms` was last called with ``warn_only=True``."""
    return _warn_only


def set_deterministic_debug_mode(debug_mode) -> None:
    """``"default"``/0 (off), ``"warn"``/1 (on, warn only) or ``"error"``/2 (on): the same flags as
    :func:`use_deterministic_algorithms`, spelt as one value."""
    if isinstance(debug_mode, str):
        if debug_mode not in _MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, "
                               f"but got {debug_mode}")
        debug_mode = _MODES.index(debug_mode)
    elif not isinstance(debug_mode, int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> int:
    """0 when deterministic algorithms are off, 1 when on with ``warn_only``, 2 when on."""
    if not _enabled:
        return 0
    return 1 if _warn_only else 2
