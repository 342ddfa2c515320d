"""``minidl.version`` as ``torch.version``: ``__version__``, ``cuda`` (the CUDA runtime version CuPy
uses, None on a CPU-only install), ``hip`` (None), ``git_version`` and ``debug``."""
from __future__ import annotations

from minidl import backend as _backend

__all__ = ["__version__", "cuda", "hip", "git_version", "debug"]

__version__ = "0.1.0"
#: the CUDA runtime version as "12.4", or None where no GPU is usable
cuda = _backend.cuda_runtime_version()
hip = None
git_version = "Unknown"
debug = False
