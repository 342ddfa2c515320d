"""``torch.utils.benchmark.utils.timer``: :class:`Timer`."""
from .._timer import Language, Timer, timer

__all__ = ["Timer", "Language", "timer"]
