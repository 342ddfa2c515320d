"""``torch.utils.benchmark.utils.timer``: :class:`Timer`."""
from .._timer import Timer, timer

__all__ = ["Timer", "timer"]
