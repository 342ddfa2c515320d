"""``torch.utils.benchmark.utils.compare``: :class:`Compare` and :class:`Colorize`."""
from .._compare import Colorize, Compare

__all__ = ["Colorize", "Compare"]
