"""Small helpers shared by the layers: argument normalisation and shape checks."""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.kernels.shapes import pair as _pair  # noqa: F401  (re-exported for the layers)


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
