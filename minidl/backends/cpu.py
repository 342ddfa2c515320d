"""``minidl.backends.cpu``: ``get_cpu_capability()``, the widest vector instruction set the CPU offers, as
PyTorch names it ("AVX512", "AVX2" or "DEFAULT" on x86; NumPy's own CPU-feature detection answers)."""
from __future__ import annotations

__all__ = ["get_cpu_capability"]


def _cpu_features() -> dict:
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # NumPy < 2
        from numpy.core._multiarray_umath import __cpu_features__
    return __cpu_features__


def get_cpu_capability() -> str:
    """"AVX512" when the CPU has AVX-512 F/BW/VL/DQ, "AVX2" with AVX2 and FMA, else "DEFAULT"."""
    f = _cpu_features()
    if all(f.get(k) for k in ("AVX512F", "AVX512BW", "AVX512VL", "AVX512DQ")):
        return "AVX512"
    if f.get("AVX2") and f.get("FMA3"):
        return "AVX2"
    return "DEFAULT"
