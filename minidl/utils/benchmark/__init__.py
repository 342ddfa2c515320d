"""``minidl.utils.benchmark``: PyTorch's ``torch.utils.benchmark`` timing tools for Python statements.

* :class:`Timer`: times a statement string (``timeit``, ``blocked_autorange``, ``adaptive_autorange``), with
  ``minidl`` in its globals as ``torch`` (so ``setup="x = torch.ones(10)"`` reads as in PyTorch's docs);
* :class:`Measurement`: what a timing gives back: per-run ``times``, ``mean``, ``median``, ``iqr`` and
  PyTorch's multi-line ``repr``;
* :class:`TaskSpec`: the statement, setup and labels a Measurement describes.
"""
from ._measurement import Measurement, TaskSpec, select_unit
from ._timer import Timer

__all__ = ["Timer", "Measurement", "TaskSpec", "select_unit"]
