"""Which implementation an array goes to: ``"numpy"``, ``"numba"`` or ``"cuda"``.

NumPy arrays go where ``minidl.config.cpu_kernels`` says: the Numba kernels
(``"numba"``, the default), the vectorised references (``"numpy"``), or, under
Numba's CUDA simulator only, the CUDA kernels (``"cudasim"``: each GPU thread
runs in Python, for tests and teaching). Device (CuPy) arrays go to the CUDA
kernels when Numba can launch them, else to the references, which are written
against ``xp`` and run on device arrays too (with a warning, once).
"""
from __future__ import annotations

import warnings

import numpy as np

from minidl import config
from minidl.backend import get_array_module, is_meta_array

__all__ = ["implementation", "gpu_implementation"]

_gpu = None


def gpu_implementation() -> str:
    """``"cuda"`` when Numba can compile and launch CUDA kernels, else ``"numpy"`` (warns once)."""
    global _gpu
    if _gpu is None:
        try:
            from . import _cuda
            why = _cuda.launch_problem()
            ok = why is None
        except Exception as exc:  # ImportError or a broken CUDA toolkit
            ok, why = False, f"{type(exc).__name__}: {exc}"
        if not ok:
            warnings.warn(f"minidl.kernels: Numba CUDA kernels unavailable ({why}); "
                          "using the slower vectorised reference kernels on the GPU", RuntimeWarning,
                          stacklevel=3)
        _gpu = "cuda" if ok else "numpy"
    return _gpu


def implementation(array) -> str:
    """The implementation for ``array``: ``"numpy"``, ``"numba"`` or ``"cuda"``."""
    if is_meta_array(array):   # the meta device: the vectorised reference only shapes its results
        return "numpy"
    if get_array_module(array) is not np:
        return gpu_implementation()
    choice = config.cpu_kernels
    if choice == "cudasim":
        from . import _cuda
        if not _cuda.simulating():
            raise ValueError("minidl.config.cpu_kernels='cudasim' needs Numba's CUDA simulator: "
                             "set NUMBA_ENABLE_CUDASIM=1 before Numba is imported")
        return "cuda"
    return choice
