"""``minidl.cpu``: what PyTorch's ``torch.cpu`` answers (the CPU is always there, as one device).

>>> import minidl as mdl
>>> mdl.cpu.is_available(), mdl.cpu.device_count(), mdl.cpu.current_device()
(True, 1, 'cpu')
"""
from __future__ import annotations

__all__ = ["is_available", "device_count", "current_device", "synchronize", "is_initialized", "set_device", "amp"]


def is_available() -> bool:
    """Always True."""
    return True


def is_initialized() -> bool:
    """Always True."""
    return True


def device_count() -> int:
    """Always 1 (the CPU counts as one device)."""
    return 1


def current_device() -> str:
    """Always ``'cpu'``."""
    return "cpu"


def set_device(device) -> None:
    """Accepted for PyTorch compatibility; there is only one CPU device."""


def synchronize(device=None) -> None:
    """Nothing to wait for: CPU operations finish before they return."""


from . import amp  # noqa: E402  (minidl.cpu.amp, as torch.cpu.amp)
