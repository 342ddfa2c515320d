"""``keras.mixed_precision``: ``Policy``/``DTypePolicy``, ``set_global_policy``/``global_policy``
(see :mod:`minidl.keras.dtype_policies`: only ``"float32"`` can be made global on minidl)."""
from minidl.keras.dtype_policies import (
    DTypePolicy,
    Policy,
    dtype_policy,
    global_policy,
    set_dtype_policy,
    set_global_policy,
)

__all__ = ["DTypePolicy", "Policy", "dtype_policy", "global_policy", "set_dtype_policy", "set_global_policy"]
