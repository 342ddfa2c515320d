"""``minidl.nn.attention``: PyTorch's backend switch for ``F.scaled_dot_product_attention``.

``sdpa_kernel`` enables only the given :class:`SDPBackend` values inside its
``with`` block (and restores the previous set after it). minidl has one
implementation, the math one, whose results every PyTorch backend
reproduces; the switch decides whether an attention call may run at all,
with PyTorch's CPU rule: it runs when ``MATH`` is enabled, or when
``FLASH_ATTENTION`` is and the call suits PyTorch's CPU flash kernel (4-D
inputs, ``dropout_p == 0``). On a GPU any of the math, flash, memory-efficient
and cuDNN backends lets it run (PyTorch's finer GPU eligibility rules are
not modelled). Otherwise the call raises PyTorch's RuntimeError.

>>> import minidl as mdl, minidl.nn.functional as F
>>> from minidl.nn.attention import SDPBackend, sdpa_kernel
>>> q = mdl.randn(1, 2, 3, 4)
>>> with sdpa_kernel([SDPBackend.MATH]):
...     F.scaled_dot_product_attention(q, q, q).shape
minidl.Size([1, 2, 3, 4])
"""
from __future__ import annotations

import contextlib
import enum

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS"]

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(enum.IntEnum):
    """The implementations PyTorch can choose for scaled dot-product attention."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


_ALL = (SDPBackend.MATH, SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.CUDNN_ATTENTION,
        SDPBackend.OVERRIDEABLE)
_enabled = list(_ALL)


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Enable only ``backends`` (one :class:`SDPBackend` or a list) for attention calls inside the block;
    ``set_priority`` (their order as priority) is accepted: minidl's one implementation gives every backend's
    values. Yields ``{}`` as PyTorch's."""
    global _enabled
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError(f"Backend must be an instance of SDPBackend or a list of SDPBackend instances, got "
                             f"{type(backends).__name__}")
    if isinstance(backends, SDPBackend):
        backends = [backends]
    for backend in backends:
        if not isinstance(backend, SDPBackend):
            raise AssertionError(f"Backend must be an instance of SDPBackend or a list of SDPBackend instances, "
                                 f"got a list holding {type(backend).__name__}")
    previous = list(_enabled)
    _enabled = [b for b in dict.fromkeys(backends) if b in _ALL]
    try:
        yield {}
    finally:
        _enabled = previous


def _check_backend(query, dropout_p):
    """PyTorch's RuntimeError when no enabled backend could run this attention call (see the module doc)."""
    enabled = set(_enabled)
    if SDPBackend.MATH in enabled:
        return
    if query.is_cuda:
        viable = enabled & {SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.CUDNN_ATTENTION}
    else:
        viable = SDPBackend.FLASH_ATTENTION in enabled and query.ndim == 4 and float(dropout_p) == 0.0
    if not viable:
        raise RuntimeError("No viable backend for scaled_dot_product_attention was found. This is likely due to "
                           "turning off both the math kernel and the fused kernels.")
