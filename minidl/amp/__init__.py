"""``minidl.amp``: PyTorch's automatic-mixed-precision API.

:class:`GradScaler` scales losses for real (inf/NaN checks, skipped steps,
growth and backoff of the scale). :class:`autocast` accepts PyTorch's
arguments but keeps full precision (minidl has no bfloat16 and lowers
nothing to float16): it warns once and disables itself, so a script's
autocast regions compute what they would without them.

>>> import minidl as mdl
>>> scaler = mdl.amp.GradScaler("cpu")
>>> scaler.get_scale(), scaler.is_enabled()
(65536.0, True)
"""
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_enabled
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd", "is_autocast_enabled"]
