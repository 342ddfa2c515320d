"""``minidl.cuda.amp``: PyTorch's older spelling of :mod:`minidl.amp` for CUDA (deprecated there too).

``autocast(enabled=True, dtype=float16, cache_enabled=True)`` is
``minidl.amp.autocast("cuda", ...)`` and ``GradScaler(...)`` is
``minidl.amp.GradScaler("cuda", ...)``; both emit PyTorch's deprecation
``FutureWarning``. Without a usable GPU the scaler disables itself (a
``UserWarning``), as PyTorch's does.

>>> import warnings, minidl as mdl
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     scaler = mdl.cuda.amp.GradScaler(enabled=False)
>>> scaler.is_enabled(), scaler.get_scale()
(False, 1.0)
"""
from __future__ import annotations

import functools
import warnings

from .. import amp as _amp
from ..dtypes import float16

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd"]


class autocast(_amp.autocast):
    """``minidl.cuda.amp.autocast(enabled=True, dtype=minidl.float16, cache_enabled=True)``: deprecated
    spelling of ``minidl.amp.autocast("cuda", ...)``, which keeps full precision (see there)."""

    def __init__(self, enabled=True, dtype=float16, cache_enabled=True):
        warnings.warn("`minidl.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`minidl.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    def __call__(self, func):
        """Use as a decorator: ``func`` runs inside this autocast region."""
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with _amp.autocast("cuda", self.fast_dtype, self._enabled, self._cache_enabled):
                return func(*args, **kwargs)
        return decorated


class GradScaler(_amp.GradScaler):
    """``minidl.cuda.amp.GradScaler(init_scale=65536.0, growth_factor=2.0, backoff_factor=0.5,
    growth_interval=2000, enabled=True)``: deprecated spelling of ``minidl.amp.GradScaler("cuda", ...)``."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        warnings.warn("`minidl.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`minidl.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval, enabled=enabled)


def custom_fwd(fwd=None, *, cast_inputs=None):
    """``minidl.amp.custom_fwd(device_type="cuda")``: ``fwd`` runs as it is (autocast never lowers precision)."""
    return _amp.custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def custom_bwd(bwd=None):
    """``minidl.amp.custom_bwd(device_type="cuda")``: ``bwd`` runs as it is."""
    return _amp.custom_bwd(bwd, device_type="cuda")
