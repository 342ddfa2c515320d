"""``minidl.amp``: PyTorch's automatic-mixed-precision API.

:class:`GradScaler` scales losses for real (inf/NaN checks, skipped steps,
growth and backoff of the scale). :class:`autocast` lowers matrix products,
linear layers and convolutions to bfloat16 on the CPU (float16 on a GPU)
and keeps the losses in float32, as PyTorch's.

>>> import minidl as mdl
>>> scaler = mdl.amp.GradScaler("cpu")
>>> scaler.get_scale(), scaler.is_enabled()
(65536.0, True)
"""
from .autocast_mode import autocast, custom_bwd, custom_fwd, get_autocast_dtype, is_autocast_enabled
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd", "is_autocast_enabled", "get_autocast_dtype"]
