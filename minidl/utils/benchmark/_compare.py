"""``Compare``: PyTorch's ``torch.utils.benchmark.Compare``, many Measurements as one text table per label.

Rows are ``(num_threads, env, sub_label or stmt)``, columns are descriptions; cells show each Measurement's
median in one time unit (the smallest median's). Thread counts start row groups (``4 threads: ----``), an ``env``
shown when the Measurements have more than one. ``trim_significant_figures()`` rounds cells to the digits the
timings support, ``colorize()`` marks cells with ANSI colours against the best of their column (or row), and
``highlight_warnings()`` appends ``(! XX%)`` to noisy cells. The layout is PyTorch's, character for character.
"""
from __future__ import annotations

import collections
import enum

import numpy as np

from ._measurement import Measurement, select_unit

__all__ = ["Colorize", "Compare", "trim_sigfig", "unit_to_english", "ordered_unique"]

_BEST, _GOOD = "\033[92m", "\033[34m"
_BAD, _VERY_BAD = "\033[2m\033[91m", "\033[31m"
_BOLD, _END = "\033[1m", "\033[0m"


class Colorize(enum.Enum):
    """How :class:`Compare` colours cells: not at all, against their column's best or their row's best."""

    NONE = "none"
    COLUMNWISE = "columnwise"
    ROWWISE = "rowwise"


def unit_to_english(unit: str) -> str:
    """``"us"`` -> ``"microsecond"`` (also ``ns``, ``ms``, ``s``)."""
    return {"ns": "nanosecond", "us": "microsecond", "ms": "millisecond", "s": "second"}[unit]


def _leading_digits(x: float) -> int:
    """``ceil(log10(|x|))`` in float32, as PyTorch computes it (on a float32 tensor)."""
    with np.errstate(divide="ignore"):
        return int(np.ceil(np.log10(np.abs(np.float32(x)))))


def trim_sigfig(x: float, n: int) -> float:
    """``x`` rounded to ``n`` significant figures (``3.14159, 2 -> 3.1``), in float32 as PyTorch's."""
    if n != int(n):
        raise AssertionError("Number of significant figures must be an integer")
    scale = 10 ** (_leading_digits(x) - n)
    return float(np.round(np.float32(x / scale)) * np.float32(scale))


def ordered_unique(elements) -> list:
    """``elements`` without repeats, in first-seen order."""
    return list(dict.fromkeys(elements))


class _Column:
    """One description's cells: a shared number format (digits before and after the point)."""

    def __init__(self, cells, trim, highlight):
        present = [m for m in cells if m is not None]
        self._trim = trim
        self._highlight = highlight and any(m.has_warnings for m in present)
        self.cells = cells
        self._scale = 1.0
        self._fmt = "{:>0.1f}{:>0}"

    def set_scale(self, scale):
        present = [m for m in self.cells if m is not None]
        self._scale = scale
        digits = [_leading_digits(m.median / scale) for m in present]
        decimals = min(max(m.significant_figures - d, 0) for d, m in zip(digits, present)) if self._trim else 1
        width = max(digits) + decimals + (1 if decimals else 0)
        self._fmt = f"{{:>{width}.{decimals}f}}{{:>{7 if self._highlight else 0}}}"

    def cell(self, m):
        """The text of Measurement ``m``'s cell (blanks of the same width for a missing one)."""
        if m is None:
            return " " * len(self._fmt.format(1.0, ""))
        value = m.median / self._scale
        if self._trim:
            value = trim_sigfig(value, m.significant_figures)
        note = f" (! {m.iqr / m.median * 100:.0f}%)" if self._highlight and m.has_warnings else ""
        return self._fmt.format(value, note)


def _paint(text, value, best):
    """``text`` in the colour PyTorch gives a time ``value`` against the ``best`` one."""
    if value <= best * 1.01 or value <= best + 100e-9:
        return _BEST + _BOLD + text + _END * 2
    if value <= best * 1.1:
        return _GOOD + _BOLD + text + _END * 2
    if value >= best * 5:
        return _VERY_BAD + _BOLD + text + _END * 2
    if value >= best * 2:
        return _BAD + text + _END * 2
    return text


def _table(results, colorize, trim, highlight):
    """One label's Measurements as PyTorch's table text."""
    unit, scale = select_unit(min(m.median for m in results))

    def row_key(m):
        return m.num_threads, m.env, m.as_row_name

    row_keys = ordered_unique(row_key(m) for m in results)
    row_keys.sort(key=lambda k: k[:2])  # stable: statements keep their order within a thread count and env
    col_keys = ordered_unique(m.description for m in results)
    grid = {k: [None] * len(col_keys) for k in row_keys}
    for m in results:
        grid[row_key(m)][col_keys.index(m.description)] = m

    envs = {m.env for m in results}
    show_env = len(envs) > 1
    env_width = max(len(e) for e in envs) if show_env else 0
    group_of, groups, prior_threads = [], [], None
    for key in row_keys:
        if key[0] != prior_threads:
            groups.append([])
            prior_threads = key[0]
        groups[-1].append(key)
        group_of.append(len(groups) - 1)
    columns = []
    for j in range(len(col_keys)):
        column = _Column([grid[k][j] for k in row_keys], trim, highlight)
        column.set_scale(scale)
        column.groups = [[grid[k][j] for k in g] for g in groups]
        columns.append(column)

    text_rows = [[""] + list(col_keys)]
    prior_threads, prior_env = None, ""
    for key in row_keys:
        if key[0] != prior_threads:  # a new thread group shows its first env again
            prior_threads, prior_env = key[0], ""
        first = next(m for m in grid[key] if m is not None)
        env_str = f"({first.env})" if show_env and key[1] != prior_env else ""
        text_rows.append(["  " + env_str.ljust(env_width + 4) + first.as_row_name]
                         + [c.cell(m) for c, m in zip(columns, grid[key])])
        prior_env = key[1]
    n_cols = max(len(r) for r in text_rows)
    for r in text_rows:
        r.extend([""] * (n_cols - len(r)))
    widths = [max(len(r[i]) for r in text_rows) for i in range(n_cols)]
    lines = ["  |  ".join(s.center(w) for s, w in zip(text_rows[0], widths))]
    overall = len(lines[0])
    prior_threads = None
    for i, (key, cells) in enumerate(zip(row_keys, text_rows[1:])):
        if key[0] != prior_threads:
            lines.append(f"{key[0]} threads: ".ljust(overall, "-"))
            prior_threads = key[0]
        row = grid[key]
        if colorize == Colorize.ROWWISE:
            bests = [min(m.median for m in row if m is not None)] * len(columns)
        elif colorize == Colorize.COLUMNWISE:
            bests = [min((m.median for m in c.groups[group_of[i]] if m is not None), default=None)
                     for c in columns]
        else:
            bests = [None] * len(columns)
        out = [cells[0].ljust(widths[0])]
        for text, width, m, best in zip(cells[1:], widths[1:], row, bests):
            text = text.center(width)
            if best is not None and m is not None:
                text = _paint(text, m.median, best)
            out.append(text)
        lines.append("  |  ".join(out))
    warn = highlight and any(m.has_warnings for m in results)
    body = "\n".join(lines)
    title = (" " + (results[0].label or "") + " ").center(overall - 2, "-")
    note = "(! XX%) Measurement has high variance, where XX is the IQR / median * 100.\n" if warn else ""
    return f"[{title}]\n{body}\n\nTimes are in {unit_to_english(unit)}s ({unit}).\n{note}"


class Compare:
    """Show many :class:`Measurement` s as tables (one per ``label``): ``print(Compare(results))``.

    Args:
        results: the Measurements (replicates of one TaskSpec are merged into one cell).
    """

    def __init__(self, results):
        self._results = []
        self.extend_results(results)
        self._trim_significant_figures = False
        self._colorize = Colorize.NONE
        self._highlight_warnings = False

    def extend_results(self, results) -> None:
        """Add more Measurements; anything else raises ``ValueError``."""
        for r in results:
            if not isinstance(r, Measurement):
                raise ValueError(f"Expected an instance of `Measurement`, got {type(r)} instead.")
        self._results.extend(results)

    def trim_significant_figures(self) -> None:
        """Round each cell to the significant figures its timings support."""
        self._trim_significant_figures = True

    def colorize(self, rowwise: bool = False) -> None:
        """Colour cells against the best of their column (``rowwise=True``: of their row)."""
        self._colorize = Colorize.ROWWISE if rowwise else Colorize.COLUMNWISE

    def highlight_warnings(self) -> None:
        """Mark cells whose timings are noisy with ``(! XX%)``."""
        self._highlight_warnings = True

    def _render(self) -> list:
        by_label = collections.defaultdict(list)
        for m in Measurement.merge(self._results):
            by_label[m.label].append(m)
        return [_table(group, self._colorize, self._trim_significant_figures, self._highlight_warnings)
                for group in by_label.values()]

    def __str__(self):
        return "\n".join(self._render())

    def print(self) -> None:
        """Print the tables."""
        print(str(self))

