"""Shared test configuration: the `gpu` marker skips cleanly without a usable device."""
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def pytest_collection_modifyitems(config, items):
    import minidl.backend as backend
    if backend.gpu_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device and CuPy (minidl.gpu_available() is False)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def rng():
    """A seeded NumPy Generator for random test inputs."""
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def _seed_minidl():
    import minidl
    minidl.manual_seed(0)
    yield


#: threads the intra-op scheme is forced to use in ``force_parts`` (3, so the pool runs on any machine)
FORCED_PARTS = 3


@pytest.fixture
def force_parts(monkeypatch):
    """``config.intra_op_parallel`` on with ``FORCED_PARTS`` threads, whatever BLAS's count here, and the
    per-op rule's size thresholds at zero, so that the small test shapes split too (``rule_threads`` in
    test_intra_op_rule.py keeps them)."""
    import minidl
    from minidl import config
    from minidl.kernels import _threads

    monkeypatch.setattr(_threads, "CONV_SPLIT_MIN", 0)
    monkeypatch.setattr(_threads, "LAUNCH_SPLIT_MIN_BYTES", 0)

    def forced(array=None):
        if not config.intra_op_parallel or _threads.in_section():
            return 1
        return 1 if array is not None and not isinstance(array, np.ndarray) else FORCED_PARTS
    monkeypatch.setattr(_threads, "intra_op_threads", forced)
    with minidl.using_config(intra_op_parallel=True):
        yield


class FakeBlas:
    """Stands in for BLAS's thread control in ``kernels._threads``: ``count`` threads, every ``set`` logged."""

    def __init__(self):
        self.count, self.history = 2, []

    def get(self):
        return self.count

    def set(self, count):
        self.count = count
        self.history.append(count)


@pytest.fixture
def fake_blas(monkeypatch):
    """A :class:`FakeBlas` (2 threads) installed as ``kernels._threads``' BLAS control."""
    from minidl.kernels import _threads
    fake = FakeBlas()
    monkeypatch.setattr(_threads, "_blas_control", lambda: fake)
    return fake
