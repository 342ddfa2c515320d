"""Small helpers shared by the layers: argument normalisation and shape checks."""
from __future__ import annotations

import math

import numpy as np

from minidl import backend
from minidl.kernels.shapes import pair as _pair  # noqa: F401  (re-exported for the layers)
from minidl.nn import init


def _factory(device, dtype):
    """Resolve the ``device=``/``dtype=`` constructor keywords (defaults: cpu, float32)."""
    dt = np.dtype(dtype) if dtype is not None else np.dtype(np.float32)
    dev = backend.Device(device) if device is not None else None
    return dev, dt


def _place(module, device):
    """Move a freshly initialised (CPU) module to ``device`` when one was asked for."""
    if device is not None and backend.is_gpu(device):
        module.to(device=device)


def _shape(x):
    return tuple(x.shape)


def default_init_(weight, bias):
    """PyTorch's default for Linear and Conv2d: weight ~ kaiming_uniform_(a=sqrt(5)), i.e.
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias from the same uniform."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)
