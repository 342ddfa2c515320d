"""``detect_anomaly`` / ``set_detect_anomaly``: NaN checks in the backward pass, as PyTorch's anomaly mode.

With anomaly detection on (and ``check_nan``), the engine checks every
gradient a node's backward returns and raises ``RuntimeError: Function
'DivBackward0' returned nan values in its 1th output.`` at the first NaN,
naming the operation whose derivative produced it.
"""
from __future__ import annotations

import warnings

from minidl.dtypes import is_float_or_complex

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]

_enabled = False
_check_nan = True


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on."""
    return _enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection checks gradients for NaN (its ``check_nan``)."""
    return _check_nan


def _set(mode, check_nan):
    global _enabled, _check_nan
    _enabled, _check_nan = bool(mode), bool(check_nan)


class detect_anomaly:
    """Context manager (and decorator) turning anomaly detection on for its block.

    Warns, as PyTorch does, that it slows the backward pass.

    >>> import minidl as mdl
    >>> x = mdl.tensor([0.0], requires_grad=True)
    >>> with mdl.autograd.detect_anomaly():
    ...     (x / x).sum().backward()
    Traceback (most recent call last):
    ...
    RuntimeError: Function 'DivBackward0' returned nan values in its 1th output.
    """

    def __init__(self, check_nan=True):
        self.prev, self.prev_check_nan, self.check_nan = _enabled, _check_nan, check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        _set(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        _set(self.prev, self.prev_check_nan)
        return False

    def __call__(self, func):
        """Use as a decorator."""
        import functools

        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with self.__class__(self.check_nan):
                return func(*args, **kwargs)
        return decorated


class set_detect_anomaly:
    """``set_detect_anomaly(mode, check_nan=True)``: turn anomaly detection on or off now; used as a
    context manager, the previous setting comes back at the end of the block."""

    def __init__(self, mode, check_nan=True):
        self.prev, self.prev_check_nan = _enabled, _check_nan
        _set(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(self.prev, self.prev_check_nan)
        return False


def check_gradients(fn, input_grads, graph):
    """Raise PyTorch's RuntimeError when a gradient ``fn``'s backward returned holds a NaN (engine helper)."""
    from ..backend import get_array_module
    from .function import _op_name
    for index, grad in enumerate(input_grads):
        if grad is None:
            continue
        array = grad.array if graph else grad
        if getattr(array, "dtype", None) is not None and is_float_or_complex(array.dtype) and \
                bool(get_array_module(array).isnan(array).any()):
            raise RuntimeError(f"Function '{_op_name(fn)}' returned nan values in its {index}th output.")
