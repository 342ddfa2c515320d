"""Small helpers shared by the layers: argument normalisation and shape checks."""
from __future__ import annotations

import numpy as np

from minidl import backend


def _pair(value, name="argument"):
    """``3`` -> ``(3, 3)``; a 2-sequence -> a tuple of two ints."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return int(value[0]), int(value[1])
    return int(value), int(value)


def _factory(device, dtype):
    """Resolve the ``device=``/``dtype=`` constructor keywords (defaults: cpu, float32)."""
    dt = np.dtype(dtype) if dtype is not None else np.dtype(np.float32)
    dev = backend.Device(device) if device is not None else None
    return dev, dt


def _place(module, device):
    """Move a freshly initialised (CPU) module to ``device`` when one was asked for."""
    if device is not None and device.type != "cpu":
        module.to(device=device)


def _shape(x):
    return tuple(x.shape)
