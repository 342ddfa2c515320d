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
