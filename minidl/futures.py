"""``minidl.futures`` (as ``torch.futures``): :class:`Future`, :func:`collect_all`, :func:`wait_all`."""
from .jit._future import Future, collect_all, wait_all

__all__ = ["Future", "collect_all", "wait_all"]
