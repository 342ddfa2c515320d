"""``minidl.signal`` (as ``torch.signal``): :mod:`minidl.signal.windows`, SciPy-style window functions."""
from . import windows

__all__ = ["windows"]
