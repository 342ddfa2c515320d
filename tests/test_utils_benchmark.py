"""minidl.utils.benchmark as torch.utils.benchmark: Timer over Python statements and Measurement's statistics and
summary. The expected summaries and statistics were printed by torch 2.13 for the same Measurements."""
import itertools

import pytest

import minidl
from minidl.utils.benchmark import Measurement, TaskSpec, Timer, select_unit


def _summary(measurement):
    """The repr without its first line (``<... object at 0x...>``)."""
    return repr(measurement).split("\n", 1)[1]


def test_measurement_statistics_and_summary_match_pytorch():
    m = Measurement(10, [1e-3, 2e-3, 3.5e-3, 9e-3, 4e-3], TaskSpec("f(x)", "x=1", label="lab"))
    assert m.times == pytest.approx([1e-4, 2e-4, 3.5e-4, 9e-4, 4e-4])
    assert m.median == pytest.approx(3.5e-4) and m.mean == pytest.approx(3.9e-4) and m.iqr == pytest.approx(2e-4)
    assert m.significant_figures == 1 and m.has_warnings and not m.meets_confidence()
    assert _summary(m) == ("lab\nsetup: x=1\n  Median: 350.00 us\n  IQR:    200.00 us (200.00 to 400.00)\n"
                           "  5 measurements, 10 runs per measurement, 1 thread\n"
                           "  WARNING: Interquartile range is 57.1% of the median measurement.\n"
                           "           This suggests significant environmental influence.")
    assert m.stmt == "f(x)" and m.label == "lab" and m.env is None and m.title == "lab"
    two = Measurement(1, [2.5, 2.6], TaskSpec("a\nb", "pass", sub_label="s", description="dd"))
    assert _summary(two) == ("stmt: (s)\n  a\n  b\n\ndd\n  Median: 2.55 s\n"
                             "  2 measurements, 1 runs per measurement, 1 thread")
    assert Measurement.merge([two, two])[0].raw_times == [2.5, 2.6, 2.5, 2.6]
    with pytest.raises(AttributeError):
        m.no_such_field


@pytest.mark.parametrize("seconds, unit", [(3e-9, "ns"), (2e-6, "us"), (0.5, "ms"), (0.9e-3, "us"), (4.0, "s")])
def test_select_unit(seconds, unit):
    # 0.5 s -> "ms" is PyTorch's (log10(0.5) // 3 == -1)
    assert select_unit(seconds)[0] == unit


def test_timeit_runs_setup_warms_up_and_times_number_runs():
    calls, setups = [], []
    clock = itertools.count(0.0, 0.25)  # each reading of the clock is 0.25 s after the last
    timer = Timer(stmt="calls.append(torch.ones(2).sum().item())", setup="setups.append(1)",
                  globals={"calls": calls, "setups": setups},
                  timer=lambda: next(clock))
    measurement = timer.timeit(300)
    assert len(calls) == 3 + 300  # max(300 // 100, 2) warm-up runs, then the timed ones
    assert setups == [1, 1]  # as timeit.Timer: setup before each timed loop
    assert measurement.number_per_run == 300 and measurement.raw_times == [0.25]
    assert _summary(measurement) == ("calls.append(torch.ones(2).sum().item())\nsetup: setups.append(1)\n"
                                     "  833.33 us\n  1 measurement, 300 runs , 1 thread")
    assert minidl.get_num_threads() >= 1


def test_blocked_autorange_fills_min_run_time():
    seen = []
    measurement = Timer("sum(range(50))").blocked_autorange(callback=lambda n, t: seen.append((n, t)),
                                                            min_run_time=0.02)
    assert sum(measurement.raw_times) >= 0.02 and len(seen) == len(measurement.raw_times)
    assert all(n == measurement.number_per_run for n, _ in seen)
    adaptive = Timer("sum(range(50))").adaptive_autorange(min_run_time=0.01, max_run_time=0.5)
    assert len(adaptive.raw_times) >= 1 and adaptive.median > 0


def test_timer_errors():
    with pytest.raises(ValueError, match="only a `str` stmt"):
        Timer(stmt=lambda: None)
    with pytest.raises(ValueError, match="global_setup is C\\+\\+ only"):
        Timer("pass", global_setup="int x;")
    with pytest.raises(ValueError, match="Invalid language"):
        Timer("pass", language="fortran")


def test_timer_takes_the_language_enum():
    """``from torch.utils.benchmark import Language, Timer`` (the timer quick start): ``Language.PYTHON`` times
    Python as the default does; ``Language.CPP`` is PyTorch's C++ frontend, which minidl refuses clearly."""
    from minidl.utils.benchmark import Language

    assert [m.name for m in Language] == ["PYTHON", "CPP"] and Language.CPP.value == 1
    m = Timer("x * y", "x = torch.ones((128,))\ny = torch.ones((1,))", language=Language.PYTHON).timeit(5)
    assert m.number_per_run == 5 and m.setup == "x = torch.ones((128,))\ny = torch.ones((1,))"
    with pytest.raises(ValueError, match="C\\+\\+ statements"):
        Timer("x * y;", "auto x = torch::ones({128});", language=Language.CPP)
    with pytest.raises(NotImplementedError, match="blocked_autorange"):
        Timer("pass").repeat()


def test_compare_tables_match_pytorch():
    """``Compare`` of fixed Measurements: plain, trimmed to significant figures, colorized column- and row-wise with
    ``(! XX%)`` warnings, with two envs, and two labels, each table character for character as torch 2.13 printed
    it (``tests/fixtures/make_benchmark_compare.py`` made the fixture from the same cases)."""
    import json
    import sys
    from pathlib import Path

    import minidl.utils.benchmark as benchmark

    fixtures = Path(__file__).resolve().parent / "fixtures"
    sys.path.insert(0, str(fixtures))
    try:
        from benchmark_compare_cases import render
    finally:
        sys.path.remove(str(fixtures))
    expected = json.loads((fixtures / "benchmark_compare_torch.json").read_text())
    got = render(benchmark, Measurement, TaskSpec)
    assert list(got) == list(expected)
    for case, text in expected.items():
        assert got[case] == text, case
    with pytest.raises(ValueError, match="Expected an instance of `Measurement`"):
        benchmark.Compare([1.0])


def test_measurement_prints_and_pickles_under_pytorchs_module_path():
    """torch prints ``<torch.utils.benchmark.utils.common.Measurement object at 0x...>``; a pickled Measurement
    loads back with its times and labels."""
    import pickle

    from minidl.utils.benchmark import Compare
    from minidl.utils.benchmark.utils.common import trim_sigfig

    m = Measurement(4, [1e-3, 2e-3], TaskSpec("f()", "pass", label="L", env="E"))
    assert repr(m).startswith("<minidl.utils.benchmark.utils.common.Measurement object at 0x")
    back = pickle.loads(pickle.dumps(m))
    assert back.times == m.times and back.task_spec == m.task_spec
    assert Compare.__module__ == "minidl.utils.benchmark.utils.compare"
    assert trim_sigfig(3.14159, 2) == pytest.approx(3.1) and trim_sigfig(231.79, 3) == 232.0
