"""``minidl.backends.cudnn``: PyTorch's cuDNN flags, as module attributes scripts may set.

minidl's GPU convolutions are cuBLAS GEMMs over im2col columns, so there is
no algorithm search to switch on: ``benchmark``, ``deterministic`` and
``enabled`` are kept (and read back) for compatibility; GPU results are
deterministic for a given seed either way.
"""
from __future__ import annotations

from .. import backend

__all__ = ["benchmark", "deterministic", "enabled", "allow_tf32", "is_available", "version"]

benchmark = False
deterministic = False
enabled = True
allow_tf32 = True


def is_available() -> bool:
    """True when a GPU is usable (minidl itself does not call cuDNN)."""
    return backend.gpu_available()


def version():
    """None: minidl does not link cuDNN."""
    return None
