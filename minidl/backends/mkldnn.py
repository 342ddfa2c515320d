"""``minidl.backends.mkldnn``: Intel's oneDNN switch. minidl's CPU kernels are its own (NumPy and Numba), so
oneDNN is not available; ``enabled`` is a settable flag kept for scripts that set it."""
from __future__ import annotations

__all__ = ["is_available", "enabled"]

enabled = True


def is_available() -> bool:
    """False: minidl does not link oneDNN."""
    return False
