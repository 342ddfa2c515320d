"""``minidl.utils.benchmark``: PyTorch's ``torch.utils.benchmark`` timing tools for Python statements.

* :class:`Timer`: times a statement string (``timeit``, ``blocked_autorange``, ``adaptive_autorange``), with
  ``minidl`` in its globals as ``torch`` (so ``setup="x = torch.ones(10)"`` reads as in PyTorch's docs);
* :class:`Measurement`: what a timing gives back: per-run ``times``, ``mean``, ``median``, ``iqr`` and
  PyTorch's multi-line ``repr``;
* :class:`TaskSpec`: the statement, setup and labels a Measurement describes;
* :class:`Compare`: many Measurements as PyTorch's text table (rows per thread count, env and sub-label).
"""
from ._compare import Colorize, Compare
from ._measurement import Measurement, TaskSpec, select_unit
from ._timer import Language, Timer

# PyTorch's classes live in torch.utils.benchmark.utils.{common,timer,compare}: reprs and pickles name those
for _cls, _module in ((Measurement, "common"), (TaskSpec, "common"), (Timer, "timer"), (Language, "timer"),
                      (Compare, "compare"),
                      (Colorize, "compare")):
    _cls.__module__ = f"{__name__}.utils.{_module}"
del _cls, _module
from . import utils  # noqa: E402,F401 (the submodules load with it, for unpickling)

__all__ = ["Timer", "Language", "Measurement", "TaskSpec", "select_unit", "Compare", "Colorize"]
