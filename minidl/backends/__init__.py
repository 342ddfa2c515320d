"""``minidl.backends``: PyTorch's backend switches (``cudnn`` and ``cuda`` flags, ``mps`` answers False,
``cpu.get_cpu_capability``, ``openmp``/``mkldnn``/``mkl`` availability)."""
from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp  # noqa: F401

__all__ = ["cudnn", "mps"]
__all__ += ["cpu", "cuda", "mkl", "mkldnn", "openmp"]
