"""Run the ``>>>`` examples of minidl's docstrings and of the Markdown docs.

One test per module of the installed package (``minidl`` and its subpackages,
``minidl.kernels`` included), so a failing example names its module. The
examples run with ``doctest`` itself (the CI command is plain
``python -m pytest -q``, without ``--doctest-modules``), in a temporary working
directory so files they write land nowhere near the checkout. Modules that
need an optional dependency that is missing (CuPy, say) are skipped with the
reason.

The ``>>>`` blocks of ``docs/*.md`` (fenced as ```` ```pycon ````) run too, each
page as one session in order, so a page can build on its earlier blocks.
"""
from __future__ import annotations

import contextlib
import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import minidl

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
OPTIONAL = ("cupy", "cupyx", "torch")  # an ImportError naming one of these skips the module


def _module_names():
    names = ["minidl", "minidl.kernels"]
    for info in pkgutil.walk_packages(minidl.__path__, "minidl."):
        names.append(info.name)
    kernels = importlib.import_module("minidl.kernels")
    for info in pkgutil.walk_packages(kernels.__path__, "minidl.kernels."):
        names.append(info.name)
    return sorted(set(names))


MODULES = _module_names()


@pytest.fixture(autouse=True)
def _in_tmp_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    minidl.manual_seed(0)


def _run(tests, name):
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in tests:
        runner.run(test, out=lambda s: _run.report.append(s))
    return runner.summarize(verbose=False)


_run.report = []


def test_there_are_modules_to_check():
    assert "minidl.tensor" in MODULES and "minidl.kernels" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name):
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        if any(opt in str(exc) for opt in OPTIONAL):
            pytest.skip(f"{name} needs an optional dependency: {exc}")
        raise
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    tests = [t for t in tests if t.examples]
    if not tests:
        return
    _run.report.clear()
    result = _run(tests, name)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}:\n" + \
        "".join(_run.report)[-6000:]


def _markdown_pages():
    # api.md repeats the docstrings, which test_module_doctests already runs
    return sorted(p for p in DOCS.glob("*.md") if p.name != "api.md" and "```pycon" in p.read_text())


def _pycon_blocks(text):
    return re.findall(r"^```pycon\n(.*?)^```", text, flags=re.S | re.M)


@pytest.mark.parametrize("page", _markdown_pages(), ids=lambda p: p.name)
def test_markdown_examples(page):
    text = "\n".join(_pycon_blocks(page.read_text()))
    # quickstart.md trains a small CNN; on a busy machine OpenBLAS's spinning
    # threads make that several times slower, so use one thread when we can.
    try:
        from threadpoolctl import threadpool_limits
        limits = threadpool_limits(limits=1, user_api="blas")
    except ImportError:
        limits = contextlib.nullcontext()
    with limits:
        _run_page(page, text)


def _run_page(page, text):
    test = doctest.DocTestParser().get_doctest(text, {"__name__": page.stem}, page.name, str(page), 0)
    _run.report.clear()
    result = _run([test], page.name)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in docs/{page.name}:\n" + \
        "".join(_run.report)[-6000:]
