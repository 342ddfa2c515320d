"""``minidl.backends.mkl``: whether the BLAS under NumPy is Intel MKL (as ``torch.backends.mkl``)."""
from __future__ import annotations

__all__ = ["is_available"]


def is_available() -> bool:
    """True when NumPy's BLAS is MKL (threadpoolctl reports the loaded BLAS libraries)."""
    from threadpoolctl import threadpool_info
    return any(info.get("internal_api") == "mkl" for info in threadpool_info())
