"""What a :class:`~minidl.utils.benchmark.Timer` measures: :class:`TaskSpec` (the statement and its labels)
and :class:`Measurement` (the timings, their statistics and PyTorch's multi-line summary)."""
from __future__ import annotations

import collections
import dataclasses
import math
import statistics
import textwrap

# The IQR/median ratios above which a Measurement's summary warns of noisy timings (PyTorch's thresholds).
_IQR_WARN_THRESHOLD = 0.1
_IQR_GROSS_WARN_THRESHOLD = 0.25
_MAX_SIGNIFICANT_FIGURES = 4
_MIN_CONFIDENCE_INTERVAL = 25e-9  # seconds


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """The statement a Timer runs, with its setup and the labels its Measurement shows."""

    stmt: str
    setup: str
    global_setup: str = ""
    label: str | None = None
    sub_label: str | None = None
    description: str | None = None
    env: str | None = None
    num_threads: int = 1

    @property
    def title(self) -> str:
        """``label[: sub_label]``, else the one-line statement, else ``stmt:`` and the indented statement."""
        suffix = f": {self.sub_label}" if self.sub_label else ""
        if self.label is not None:
            return self.label + suffix
        if "\n" not in self.stmt:
            return self.stmt + suffix
        return f"stmt:{f' ({self.sub_label})' if self.sub_label else ''}\n" + textwrap.indent(self.stmt, "  ")

    def setup_str(self) -> str:
        """``setup: <one line>``, ``setup:`` and the indented lines, or '' when there is no setup."""
        if not self.setup or self.setup == "pass":
            return ""
        if "\n" in self.setup:
            return "setup:\n" + textwrap.indent(self.setup, "  ")
        return f"setup: {self.setup}"

    def summarize(self) -> str:
        """Title, description and setup, one block each (multi-line blocks followed by a blank line)."""
        sections = [s for s in (self.title, self.description or "", self.setup_str()) if s]
        return "\n".join(f"{s}\n" if "\n" in s else s for s in sections)


def _quantile(sorted_values, q):
    """The ``q`` quantile of ascending ``sorted_values`` with linear interpolation (``torch.quantile``'s)."""
    position = q * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def select_unit(t: float) -> tuple[str, float]:
    """The unit (``"ns"``, ``"us"``, ``"ms"`` or ``"s"``) and its length in seconds that show ``t`` seconds as a
    number of order 1 to 999."""
    exponent = math.floor(math.log10(t) // 3) if t > 0 else -3
    unit = {-3: "ns", -2: "us", -1: "ms"}.get(exponent, "s")
    return unit, {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


@dataclasses.dataclass(repr=False)
class Measurement:
    """One or more timings of a statement: ``raw_times[i]`` seconds for ``number_per_run`` runs each.

    ``times`` are per run; ``median``, ``mean`` and ``iqr`` summarise them; the TaskSpec's fields (``stmt``,
    ``label``, ``num_threads``...) read through as attributes.
    """

    number_per_run: int
    raw_times: list
    task_spec: TaskSpec
    metadata: dict | None = None

    def __getattr__(self, name):
        if name in {f.name for f in dataclasses.fields(TaskSpec)}:
            return getattr(self.task_spec, name)
        raise AttributeError(f"'Measurement' object has no attribute '{name}'")

    @property
    def times(self) -> list:
        """Seconds per run of the statement, one per timing."""
        return [t / self.number_per_run for t in self.raw_times]

    def _sorted(self):
        return sorted(self.times)

    @property
    def median(self) -> float:
        """The median of :attr:`times`."""
        return _quantile(self._sorted(), 0.5)

    @property
    def mean(self) -> float:
        """The mean of :attr:`times`."""
        return statistics.fmean(self.times)

    @property
    def iqr(self) -> float:
        """The interquartile range (75th minus 25th percentile) of :attr:`times`."""
        ordered = self._sorted()
        return _quantile(ordered, 0.75) - _quantile(ordered, 0.25)

    @property
    def significant_figures(self) -> int:
        """A rough count (1 to 4) of the median's digits the spread of the middle half of the timings supports."""
        ordered = self._sorted()
        middle = ordered[len(ordered) // 4: math.ceil(3 * len(ordered) / 4)]
        spread = statistics.pstdev(middle) if len(middle) > 1 else 0.0
        interval = max(1.645 * spread / math.sqrt(len(middle)), _MIN_CONFIDENCE_INTERVAL)
        return min(max(math.floor(math.log10(self.median / interval)), 1), _MAX_SIGNIFICANT_FIGURES)

    def meets_confidence(self, threshold: float = _IQR_WARN_THRESHOLD) -> bool:
        """Whether ``iqr / median`` is under ``threshold``."""
        return self.iqr / self.median < threshold

    @property
    def _warnings(self) -> list:
        if not self.raw_times:
            return []
        if not self.meets_confidence(_IQR_GROSS_WARN_THRESHOLD):
            why = "This suggests significant environmental influence."
        elif not self.meets_confidence(_IQR_WARN_THRESHOLD):
            why = "This could indicate system fluctuation."
        else:
            return []
        return [f"  WARNING: Interquartile range is {self.iqr / self.median * 100:.1f}% of the median "
                f"measurement.\n           {why}"]

    @property
    def has_warnings(self) -> bool:
        """Whether the timings spread by more than 10 % of their median."""
        return bool(self._warnings)

    @property
    def title(self) -> str:
        """The TaskSpec's title."""
        return self.task_spec.title

    @property
    def as_row_name(self) -> str:
        """``sub_label``, else the statement, else ``"[Unknown]"``."""
        return self.task_spec.sub_label or self.task_spec.stmt or "[Unknown]"

    def __repr__(self):
        count = len(self.raw_times)
        unit, scale = select_unit(self.median)
        threads = self.task_spec.num_threads
        ordered = self._sorted()
        lines = [object.__repr__(self), self.task_spec.summarize(),
                 f"  {'Median: ' if count > 1 else ''}{self.median / scale:.2f} {unit}"]
        if count >= 4:
            lines.append(f"  IQR:    {self.iqr / scale:.2f} {unit} ({_quantile(ordered, 0.25) / scale:.2f} to "
                         f"{_quantile(ordered, 0.75) / scale:.2f})")
        lines.append(f"  {count} measurement{'s' if count > 1 else ''}, {self.number_per_run} runs "
                     f"{'per measurement,' if count > 1 else ','} {threads} thread{'s' if threads > 1 else ''}")
        lines.extend(self._warnings)
        return "\n".join(lines).strip()

    __str__ = __repr__

    @staticmethod
    def merge(measurements) -> list:
        """One Measurement per distinct TaskSpec, holding the per-run times of all its replicates
        (``number_per_run=1``; metadata is dropped)."""
        grouped = collections.defaultdict(list)
        for measurement in measurements:
            grouped[measurement.task_spec].extend(measurement.times)
        return [Measurement(1, times, spec) for spec, times in grouped.items()]
