"""The error minidl.cuda raises where PyTorch needs a GPU and none is usable."""
from __future__ import annotations

from .. import backend
from ..backend import DeviceError

__all__ = ["CudaUnavailableError", "require_gpu"]


class CudaUnavailableError(DeviceError, AssertionError):
    """No usable GPU for a ``minidl.cuda`` call that needs one.

    A :class:`minidl.DeviceError` (a RuntimeError, as CUDA builds of PyTorch raise without a driver) and an
    AssertionError (as CPU-only builds of PyTorch raise: "Torch not compiled with CUDA enabled").
    """


def require_gpu(what):
    """Raise :class:`CudaUnavailableError` naming ``what`` when no GPU is usable."""
    problem = backend.gpu_problem()
    if problem is not None:
        raise CudaUnavailableError(f"minidl.cuda.{what}: no GPU is usable: {problem}")
