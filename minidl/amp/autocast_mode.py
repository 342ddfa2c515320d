"""``minidl.autocast`` / ``minidl.amp.autocast``: PyTorch's mixed-precision context manager, keeping full precision.

minidl does not lower precision inside an autocast region: it has no
bfloat16 (PyTorch's CPU autocast type), and its CPU float16 arithmetic is
emulated by NumPy and slower than float32. So ``autocast`` does what
PyTorch's own autocast does when it cannot honour the request: it warns
(once per process and device type) and disables itself, and the code inside
runs in the tensors' own dtypes (float32 for a float32 model). Scripts that
wrap their forward pass in ``with torch.autocast(...)`` therefore run
unchanged and compute what they would compute without the ``with`` line.
"""
from __future__ import annotations

import functools
import warnings

from .. import backend
from ..dtypes import as_dtype

__all__ = ["autocast", "is_autocast_enabled", "custom_fwd", "custom_bwd"]

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


class autocast:
    """``with minidl.autocast(device_type, dtype=None, enabled=True, cache_enabled=None):`` (also a decorator).

    Accepts PyTorch's arguments and checks ``device_type`` ('cpu' or 'cuda';
    ``ValueError`` for a non-string, ``RuntimeError`` for another name), then
    keeps full precision: minidl
    has no bfloat16 and lowers nothing to float16, so an enabled region warns
    once per device type (a ``UserWarning``, as PyTorch's "target dtype is not
    supported. Disabling autocast.") and runs in the tensors' own dtypes;
    :func:`is_autocast_enabled` stays False inside, as in PyTorch after it
    disables itself. ``enabled=False`` regions are silent.

    >>> import minidl as mdl
    >>> x = mdl.randn(2, 3)
    >>> with mdl.autocast("cpu", enabled=False):
    ...     (x @ x.T).dtype
    minidl.float32
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        self.device = _check_device_type(device_type)
        self.fast_dtype = None if dtype is None else as_dtype(dtype)
        self._enabled = bool(enabled)
        self._cache_enabled = cache_enabled

    def __enter__(self):
        if not self._enabled:
            return self
        if self.device == "cuda" and not backend.gpu_available():
            _warn_once("cuda", "CUDA is not available. Disabling autocast.")
        else:
            wanted = self.fast_dtype or ("bfloat16" if self.device == "cpu" else "float16")
            _warn_once(self.device, f"In {self.device.upper()} autocast, but minidl does not lower precision "
                                    f"(asked for {wanted}): the region runs in the tensors' own dtypes. "
                                    "Disabling autocast.")
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        return False

    def __call__(self, func):
        """Use as a decorator: ``func`` runs inside this autocast region."""
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with self.__class__(self.device, self.fast_dtype, self._enabled, self._cache_enabled):
                return func(*args, **kwargs)
        return decorated


def is_autocast_enabled(device_type=None):
    """Whether an autocast region is lowering precision now: always False in minidl (see :class:`autocast`)."""
    if device_type is not None:
        _check_device_type(device_type)
    return False


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorator for a custom autograd ``forward`` (as ``torch.amp.custom_fwd``).

    ``cast_inputs`` would cast floating inputs inside an enabled autocast
    region; minidl's autocast never lowers precision, so ``fwd`` runs as it is.
    """
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    _check_device_type(device_type)
    return fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorator for a custom autograd ``backward`` (as ``torch.amp.custom_bwd``): runs ``bwd`` as it is."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    _check_device_type(device_type)
    return bwd
