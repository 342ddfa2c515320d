"""Keras' progress bar text (``verbose=1``: a redrawn bar; ``verbose=2``: one line per epoch).

The layout is Keras 3's, e.g.::

    469/469 ━━━━━━━━━━━━━━━━━━━━ 3s 6ms/step - accuracy: 0.9012 - loss: 0.3121

(with the same ANSI bold/colour codes and ``\\b``/``\\r`` redraws), written
to standard output.
"""
from __future__ import annotations

import logging
import math
import re
import sys
import time

__all__ = ["Progbar", "format_time", "format_value"]


def format_time(time_per_unit: float, unit_name: str = "step") -> str:
    """`` 6ms/step``-style duration, as Keras prints it."""
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1000.0:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1000000.0:.0f}us/{unit_name}"


def format_value(value: float, signed_check: bool = True) -> str:
    """``0.1234`` with 4 decimals, or ``1.2346e-04`` for magnitudes up to 1e-3."""
    big = abs(value) > 1e-3 if signed_check else value > 1e-3
    return f"{value:.4f}" if big else f"{value:.4e}"


class Progbar:
    """A progress bar over ``target`` steps (None: unknown).

    ``update(current, values, finalize=None)`` shows ``values`` (a list of
    ``(name, value)``) as they are (the training loop passes running means).
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, unit_name="step", file=None):
        self.target, self.width, self.verbose = target, width, verbose
        self.interval, self.unit_name = interval, unit_name
        self.file = file
        self._values, self._order = {}, []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def _write(self, text):
        if self.file is None and not _interactive():  # keras.config.disable_interactive_logging()
            if text.endswith("\n"):  # finished lines only, without the redraw and colour codes
                logging.getLogger("minidl.keras").info(re.sub(r"\x1b\[[0-9;]*m|[\b\r]", "", text).strip())
            return
        out = self.file or sys.stdout
        out.write(text)
        out.flush()

    def _step_duration(self, current, now):
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per = (now - self._time_after_first_step) / (current - 1)
        else:
            per = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per

    def update(self, current, values=None, finalize=None):
        """Show step ``current`` with ``values``; ``finalize`` ends the line (default: at target)."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for k, v in values or []:
            if k not in self._order:
                self._order.append(k)
            self._values[k] = _mean(v)
        now = time.time()
        per_unit = self._step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw(current, per_unit, now, finalize)
        elif self.verbose == 2 and finalize and self.target:
            digits = int(math.log10(self.target)) + 1
            info = f"%{digits}d/%d" % (current, self.target)
            info += f" - {now - self._start:.0f}s -" + format_time(per_unit, self.unit_name)
            for k in self._order:
                info += f" - {k}: {format_value(self._values[k], signed_check=False)}"
            self._write(info + "\n")
        self._last_update = now

    def _draw(self, current, per_unit, now, finalize):
        message = "\b" * self._prev_total_width + "\r"
        special = 0
        if self.target:
            digits = int(math.log10(self.target)) + 1
            bar = f"\x1b[1m{f'%{digits}d/%d' % (current, self.target)}\x1b[0m "
            special += 8
            filled = int(self.width * float(current) / self.target)
            if filled > 0:
                bar += f"\x1b[32m{'━' * filled}\x1b[0m"
                special += 9
            bar += f"\x1b[37m{'━' * (self.width - filled)}\x1b[0m"
            special += 9
        else:
            bar = "%7d/Unknown" % current
        if self.target and not finalize:
            eta = per_unit * (self.target - current)
            if eta > 3600:
                eta_text = "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
            elif eta > 60:
                eta_text = "%d:%02d" % (eta // 60, eta % 60)
            else:
                eta_text = "%ds" % eta
            info = f" \x1b[1m{eta_text}\x1b[0m"
        else:
            info = f" \x1b[1m{now - self._start:.0f}s\x1b[0m"
        special += 8
        info += format_time(per_unit, self.unit_name)
        for k in self._order:
            info += f" - {k}: {format_value(self._values[k])}"
        total_width = len(bar) + len(info) - special
        message += bar + info
        if self._prev_total_width > total_width:
            message += " " * (self._prev_total_width - total_width)
        if finalize:
            message += "\n"
        self._write(message)
        self._prev_total_width = total_width


def _mean(value) -> float:
    """A value as shown: arrays (per-class metrics) by their mean, as Keras' progress bar does."""
    if hasattr(value, "__len__") or hasattr(value, "shape"):
        values = [float(v) for v in getattr(value, "ravel", lambda: value)()]
        return math.fsum(values) / len(values) if values else math.nan
    return float(value)
def _interactive() -> bool:
    """Whether progress output goes to stdout (``keras.config.is_interactive_logging_enabled()``)."""
    from minidl.keras._settings import get
    return get("interactive_logging")
