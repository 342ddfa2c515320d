"""``torch.utils.benchmark.utils.common``: :class:`Measurement`, :class:`TaskSpec` and their helpers."""
from .._compare import ordered_unique, trim_sigfig, unit_to_english
from .._measurement import Measurement, TaskSpec, select_unit

__all__ = ["Measurement", "TaskSpec", "select_unit", "trim_sigfig", "unit_to_english", "ordered_unique"]
