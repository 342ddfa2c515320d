"""``minidl.cpu.amp``: PyTorch's older spelling of ``minidl.amp.autocast("cpu", ...)`` (deprecated there too).

>>> import warnings, minidl as mdl
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     with mdl.cpu.amp.autocast(enabled=False):
...         (mdl.ones(2) * 2).dtype
minidl.float32
"""
from __future__ import annotations

import functools
import warnings

from .. import amp as _amp

__all__ = ["autocast", "GradScaler"]


class autocast(_amp.autocast):
    """``minidl.cpu.amp.autocast(enabled=True, dtype=None, cache_enabled=True)``: deprecated spelling of
    ``minidl.amp.autocast("cpu", ...)``, which keeps full precision (see there). ``dtype=None`` stands
    for PyTorch's default, bfloat16, which minidl does not have."""

    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        warnings.warn("`minidl.cpu.amp.autocast(args...)` is deprecated. Please use "
                      "`minidl.amp.autocast('cpu', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    def __call__(self, func):
        """Use as a decorator: ``func`` runs inside this autocast region."""
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with _amp.autocast("cpu", self.fast_dtype, self._enabled, self._cache_enabled):
                return func(*args, **kwargs)
        return decorated


class GradScaler(_amp.GradScaler):
    """``minidl.cpu.amp.GradScaler(init_scale=65536.0, growth_factor=2.0, backoff_factor=0.5,
    growth_interval=2000, enabled=True)``: deprecated spelling of ``minidl.amp.GradScaler("cpu", ...)``."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        warnings.warn("`minidl.cpu.amp.GradScaler(args...)` is deprecated. Please use "
                      "`minidl.amp.GradScaler('cpu', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cpu", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval, enabled=enabled)
