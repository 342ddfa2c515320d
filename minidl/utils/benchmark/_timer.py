"""``Timer``: PyTorch's ``torch.utils.benchmark.Timer`` for Python statements, built on :mod:`timeit`."""
from __future__ import annotations

import contextlib
import enum
import textwrap
import timeit

from ._measurement import Measurement, TaskSpec


class Language(enum.Enum):
    """The language of a Timer's statement: ``Language.PYTHON`` (timed) or ``Language.CPP`` (PyTorch's C++
    frontend, which minidl cannot time)."""

    PYTHON = 0
    CPP = 1


def timer() -> float:
    """The default clock: :func:`timeit.default_timer` (``time.perf_counter``)."""
    return timeit.default_timer()


def _dedent(code: str) -> str:
    """``code`` dedented, without a leading newline or trailing blanks (as PyTorch's Timer stores it)."""
    code = textwrap.dedent(code)
    return (code[1:] if code.startswith("\n") else code).rstrip()


@contextlib.contextmanager
def _threads(count: int):
    """Run the body with ``minidl.set_num_threads(count)``, restoring the previous count after."""
    import minidl
    previous = minidl.get_num_threads()
    minidl.set_num_threads(count)
    try:
        yield
    finally:
        minidl.set_num_threads(previous)


class Timer:
    """Time a Python statement: ``Timer(stmt, setup, globals=...).timeit(number)`` gives a :class:`Measurement`.

    Args:
        stmt: the statement (a string) to time.
        setup: a statement run once before timing.
        global_setup: C++ only in PyTorch; a non-empty one raises ``ValueError``.
        timer: the clock (seconds as a float).
        globals: the namespace ``stmt`` and ``setup`` run in (copied; ``torch`` defaults to ``minidl``).
        label, sub_label, description, env: labels shown by the Measurement.
        num_threads: the thread count (``minidl.set_num_threads``) while timing.
        language: ``Language.PYTHON`` (``"python"``, ``"py"``); C++ timing is not available and raises ``ValueError``.
    """

    def __init__(self, stmt="pass", setup="pass", global_setup="", timer=timer, globals=None, label=None,
                 sub_label=None, description=None, env=None, num_threads=1, language="python"):
        if not isinstance(stmt, str):
            raise ValueError("Currently only a `str` stmt is supported.")
        if language not in (Language.PYTHON, "py", "python"):
            if language in (Language.CPP, "c++", "cpp"):
                raise ValueError("Timer: C++ statements (language='cpp') cannot be timed by minidl; pass Python")
            raise ValueError(f"Invalid language `{language}`.")
        if global_setup:
            raise ValueError(f"global_setup is C++ only, got `{global_setup}`. Most likely this code can simply "
                             "be moved to `setup`.")
        import minidl
        self._globals = dict(globals or {})
        self._globals.setdefault("torch", minidl)
        stmt, setup = _dedent(stmt), _dedent(setup)
        self._timer = timeit.Timer(stmt=stmt, setup=setup, timer=timer, globals=self._globals)
        self._task_spec = TaskSpec(stmt=stmt, setup=setup, global_setup=global_setup, label=label,
                                   sub_label=sub_label, description=description, env=env, num_threads=num_threads)

    def _timeit(self, number: int) -> float:
        return max(self._timer.timeit(number), 1e-9)

    def timeit(self, number: int = 1000000) -> Measurement:
        """Run ``stmt`` ``number`` times (after ``max(number // 100, 2)`` warm-up runs): one Measurement."""
        with _threads(self._task_spec.num_threads):
            self._timeit(max(int(number // 100), 2))
            return Measurement(number_per_run=number, raw_times=[self._timeit(number)], task_spec=self._task_spec)

    def repeat(self, repeat=-1, number=-1):
        """Not provided (as in PyTorch): use :meth:`blocked_autorange`."""
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def autorange(self, callback=None):
        """Not provided (as in PyTorch): use :meth:`blocked_autorange`."""
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def _block_size(self, min_run_time: float) -> int:
        """Runs per timed block: grown tenfold until the clock's overhead is under 0.01 % of a block (and a block
        takes a thousandth of ``min_run_time``), or a block alone exceeds ``min_run_time``."""
        overheads = sorted(self._timeit(0) for _ in range(5))
        overhead = overheads[2]
        number = 1
        while True:
            taken = self._timeit(number)
            if (overhead / taken <= 1e-4 and taken >= min_run_time / 1000) or taken > min_run_time:
                return number
            if number * 10 > 2147483647:
                return number
            number *= 10

    def _measure(self, number, min_run_time, stop, callback=None, max_run_time=None):
        times, total = [], 0.0
        while total < min_run_time or not stop(times):
            spent = self._timeit(number)
            times.append(spent)
            total += spent
            if callback:
                callback(number, spent)
            if max_run_time and total > max_run_time:
                break
        return Measurement(number_per_run=number, raw_times=times, task_spec=self._task_spec)

    def blocked_autorange(self, callback=None, min_run_time: float = 0.2) -> Measurement:
        """Time blocks of a self-chosen number of runs until ``min_run_time`` seconds are spent; ``callback(number,
        seconds)`` is called after each block."""
        with _threads(self._task_spec.num_threads):
            number = self._block_size(min_run_time)
            return self._measure(number, min_run_time, lambda times: True, callback)

    def adaptive_autorange(self, threshold: float = 0.1, *, min_run_time: float = 0.01, max_run_time: float = 10.0,
                           callback=None) -> Measurement:
        """As :meth:`blocked_autorange`, but go on (up to ``max_run_time`` seconds) until more than 3 blocks have
        ``iqr / median`` under ``threshold``."""
        def stop(times):
            return len(times) > 3 and Measurement(number, times, self._task_spec).meets_confidence(threshold)

        with _threads(self._task_spec.num_threads):
            number = self._block_size(0.05)
            return self._measure(number, min_run_time, stop, callback, max_run_time)
