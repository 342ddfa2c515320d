"""``minidl.backends``: PyTorch's backend switches (``cudnn`` flags, ``mps`` answers False)."""
from . import cudnn, mps  # noqa: F401

__all__ = ["cudnn", "mps"]
