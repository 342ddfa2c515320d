"""``minidl.backends.openmp``: whether minidl's parallel CPU kernels can use OpenMP (Numba's OpenMP
threading layer is present)."""
from __future__ import annotations

import importlib.util

__all__ = ["is_available"]


def is_available() -> bool:
    """True when Numba's OpenMP threading layer is installed."""
    try:
        return importlib.util.find_spec("numba.np.ufunc.omppool") is not None
    except ImportError:
        return False
