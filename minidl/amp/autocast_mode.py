"""``minidl.autocast`` / ``minidl.amp.autocast``: PyTorch's mixed-precision context manager.

As PyTorch's: inside ``with minidl.autocast("cpu"):`` (bfloat16 by default; ``dtype=minidl.float16``
also works) matrix products, linear layers and convolutions cast their float32 inputs to the region's
dtype and return it, the losses of PyTorch's float32 list compute in float32, and every other op runs
in the dtypes it gets (``minidl/autograd/autocast_state.py``). bfloat16 arithmetic is computed in
float32 and rounded (``minidl/autograd/bfloat16_compute.py``). ``"cuda"`` regions lower to float16 on
a GPU (CuPy has no bfloat16: asking for it warns and disables the region, as PyTorch does for an
unsupported dtype); without a GPU they warn and disable themselves.
"""
from __future__ import annotations

import functools
import warnings

import numpy as np

from .. import backend
from ..autograd import autocast_state
from ..dtypes import BFLOAT16, as_dtype

__all__ = ["autocast", "is_autocast_enabled", "get_autocast_dtype", "custom_fwd", "custom_bwd"]

_DEVICE_TYPES = ("cpu", "cuda")
_warned = set()


def _check_device_type(device_type):
    """``device_type`` ('cpu' or 'cuda'); PyTorch's RuntimeError for anything else."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if device_type not in _DEVICE_TYPES:
        raise RuntimeError(f"autocast: device_type must be one of {', '.join(_DEVICE_TYPES)}, got {device_type!r}")
    return device_type


def _warn_once(device_type, reason):
    if device_type not in _warned:
        _warned.add(device_type)
        warnings.warn(reason, UserWarning, stacklevel=3)


_DEFAULT_DTYPES = {"cpu": BFLOAT16, "cuda": np.dtype(np.float16)}
_SUPPORTED = {"cpu": (BFLOAT16, np.dtype(np.float16)), "cuda": (np.dtype(np.float16),)}


class autocast:
    """``with minidl.autocast(device_type, dtype=None, enabled=True, cache_enabled=None):`` (also a decorator).

    ``device_type`` is 'cpu' or 'cuda' (``ValueError`` for a non-string, ``RuntimeError`` for another
    name). Inside an enabled region, :func:`is_autocast_enabled` (device_type) is True and ops follow
    PyTorch's autocast lists (see the module docstring); ``enabled=False`` switches a region off
    inside an enabled one. An unsupported ``dtype`` warns once and disables the region, as PyTorch.

    >>> import minidl as mdl
    >>> x, w = mdl.randn(2, 3), mdl.randn(4, 3)
    >>> with mdl.autocast("cpu"):
    ...     mdl.nn.functional.linear(x, w).dtype
    minidl.bfloat16
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        self.device = _check_device_type(device_type)
        self.fast_dtype = get_autocast_dtype(self.device) if dtype is None else as_dtype(dtype)
        self._enabled = bool(enabled)
        self._cache_enabled = cache_enabled
        self._previous = []

    def __enter__(self):
        self._previous.append(autocast_state.active.get(self.device))
        lower = None
        if self._enabled:
            wanted = self.fast_dtype.numpy_dtype
            if self.device == "cuda" and not backend.gpu_available():
                _warn_once("cuda", "CUDA is not available. Disabling autocast.")
            elif wanted not in _SUPPORTED[self.device]:
                names = ", ".join(f"minidl.{as_dtype(d).name}" for d in _SUPPORTED[self.device])
                _warn_once(self.device, f"In {self.device.upper()} autocast, but the target dtype is not "
                                        f"supported. Disabling autocast.\n{self.device.upper()} Autocast only "
                                        f"supports dtypes of {names} currently.")
            else:
                lower = wanted
        if lower is None:
            autocast_state.active.pop(self.device, None)
        else:
            autocast_state.active[self.device] = lower
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        previous = self._previous.pop()
        if previous is None:
            autocast_state.active.pop(self.device, None)
        else:
            autocast_state.active[self.device] = previous
        return False

    def __call__(self, func):
        """Use as a decorator: ``func`` runs inside this autocast region."""
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with self.__class__(self.device, self.fast_dtype, self._enabled, self._cache_enabled):
                return func(*args, **kwargs)
        return decorated


def is_autocast_enabled(device_type=None):
    """Whether an autocast region for ``device_type`` is open (PyTorch: no argument means 'cuda')."""
    device_type = "cuda" if device_type is None else _check_device_type(device_type)
    return device_type in autocast_state.active


def get_autocast_dtype(device_type):
    """The dtype autocast regions for ``device_type`` lower to: the open region's, else the one
    ``minidl.set_autocast_dtype`` set, else PyTorch's default (bfloat16 on the CPU, float16 on CUDA)."""
    device_type = _check_device_type(device_type)
    default = autocast_state.dtypes.get(device_type, _DEFAULT_DTYPES[device_type])
    return as_dtype(autocast_state.active.get(device_type, default))


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorator for a custom autograd ``forward`` (as ``torch.amp.custom_fwd``).

    With ``cast_inputs`` (a dtype), inside an enabled region for ``device_type`` the floating Tensor
    arguments are cast to it and ``fwd`` runs with that region switched off, as PyTorch's.
    """
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    _check_device_type(device_type)
    if cast_inputs is None:
        return fwd

    @functools.wraps(fwd)
    def decorated(*args, **kwargs):
        if device_type not in autocast_state.active:
            return fwd(*args, **kwargs)
        from ..tensor import Tensor
        target = as_dtype(cast_inputs)

        def cast(v):
            return v.to(target) if isinstance(v, Tensor) and v.is_floating_point() else v
        with autocast(device_type, enabled=False):
            return fwd(*[cast(a) for a in args], **{k: cast(v) for k, v in kwargs.items()})
    return decorated


def custom_bwd(bwd=None, *, device_type):
    """Decorator for a custom autograd ``backward`` (as ``torch.amp.custom_bwd``): runs ``bwd`` as it is."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    _check_device_type(device_type)
    return bwd
