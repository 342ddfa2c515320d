"""``minidl.utils.benchmark.utils``: the module layout of PyTorch's ``torch.utils.benchmark.utils`` (``common``,
``timer``, ``compare``), so that Measurements print and pickle under PyTorch's module path."""
from . import common, compare, timer  # noqa: E402

__all__ = ["common", "compare", "timer"]
