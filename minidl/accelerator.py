"""``minidl.accelerator``: PyTorch's device-agnostic accelerator queries (the accelerator is CUDA or none)."""
from __future__ import annotations

from . import backend

__all__ = ["is_available", "current_accelerator", "device_count", "synchronize"]


def is_available() -> bool:
    """True when a GPU is usable."""
    return backend.gpu_available()


def current_accelerator(check_available=False):
    """``minidl.device('cuda')`` when a GPU is usable, else None (as PyTorch on a CPU-only machine)."""
    return backend.Device("cuda") if backend.gpu_available() else None


def device_count() -> int:
    """Number of usable accelerator devices."""
    return backend.gpu_device_count()


def synchronize(device=None) -> None:
    """Wait for the accelerator's queued work (no-op without one)."""
    backend.gpu_synchronize()
