"""The per-op rule of ``config.intra_op_parallel`` (kernels/_threads.py): which ops split over the scheme's
threads. Deterministic checks of the decisions (no timing), and that a net's results with the scheme on
equal those with it off (to float summation order: 1e-12 in float64), small and large ops alike.

``rule_threads`` forces the scheme's thread count to ``FORCED_PARTS`` (so the pool runs on any machine)
but, unlike ``force_parts``, keeps the rule's thresholds.
"""
import numpy as np
import pytest
from conftest import FORCED_PARTS

import minidl as mdl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl import config
from minidl.kernels import _threads


@pytest.fixture
def rule_threads(monkeypatch):
    """The scheme on with ``FORCED_PARTS`` threads for NumPy arrays, the per-op thresholds as shipped."""
    def forced(array=None):
        if not config.intra_op_parallel or _threads.in_section():
            return 1
        return 1 if array is not None and not isinstance(array, np.ndarray) else FORCED_PARTS
    monkeypatch.setattr(_threads, "intra_op_threads", forced)
    with mdl.using_config(intra_op_parallel=True):
        yield


class _NotNumPy:
    """Stands for a device array: anything that is not an ``np.ndarray``."""


def test_conv_split_starts_at_its_threshold(rule_threads):
    x = np.ones(3, np.float32)
    assert _threads.conv_threads(x, _threads.CONV_SPLIT_MIN - 1) == 1
    assert _threads.conv_threads(x, _threads.CONV_SPLIT_MIN) == FORCED_PARTS
    assert _threads.conv_threads(_NotNumPy(), 10 * _threads.CONV_SPLIT_MIN) == 1
    with mdl.using_config(intra_op_parallel=False):
        assert _threads.conv_threads(x, 10 * _threads.CONV_SPLIT_MIN) == 1


def test_launch_split_follows_the_largest_array_argument():
    limit = _threads.LAUNCH_SPLIT_MIN_BYTES
    small = np.empty(limit // 8 - 1, np.float64)
    exact = np.empty(limit // 4, np.float32)
    assert not _threads.launch_splits((small, small, 3, 2.5))
    assert _threads.launch_splits((small, exact, 7))
    assert _threads.launch_splits((exact,))
    assert not _threads.launch_splits((limit, 1.0 * limit))       # scalars are no work
    assert not _threads.launch_splits(())


def _conv_macs(n, c, o, k, oh, ow):
    return n * oh * ow * o * c * k * k


@pytest.mark.parametrize("n, c, size, splits", [(2, 3, 9, False), (8, 16, 32, True)])
def test_conv_splits_only_above_the_threshold(rule_threads, monkeypatch, n, c, size, splits):
    macs = _conv_macs(n, c, 16, 3, size, size)
    assert (macs >= _threads.CONV_SPLIT_MIN) == splits
    calls = []
    real_run = _threads.run

    def spy(task, parts):
        calls.append(parts)
        return real_run(task, parts)
    monkeypatch.setattr(_threads, "run", spy)
    rng = np.random.default_rng(n)
    x, w, b = rng.standard_normal((n, c, size, size)), rng.standard_normal((16, c, 3, 3)), rng.standard_normal(16)
    cot = rng.standard_normal((n, 16, size, size))
    results = {}
    for on in (False, True):
        calls.clear()
        with mdl.using_config(intra_op_parallel=on, conv_algorithm="im2col"):
            xt, wt, bt = (mdl.tensor(a, requires_grad=True) for a in (x, w, b))
            y = F.conv2d(xt, wt, bt, padding=1)
            (y * mdl.tensor(cot)).sum().backward()
        results[on] = [y.numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()]
        assert calls == ([FORCED_PARTS, FORCED_PARTS] if on and splits else [])    # forward, backward
    for name, got, want in zip(("y", "dx", "dw", "db"), results[True], results[False]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max(), err_msg=name)


def _small_net():
    """N1's kinds of op, smaller: direct and im2col convolutions, ReLU, pooling, batch norm, linear."""
    return nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 32, 5, stride=2),
                         nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(128, 40),
                         nn.ReLU(), nn.Linear(40, 10))


# (3, 37): every op below the thresholds; (13, 93): the first layer's kernels launch on the threads
# (arrays over 4 MB) and the second (im2col) convolution splits its batch (25 M multiply-adds)
@pytest.mark.parametrize("batch, size", [(3, 37), (13, 93)])
def test_net_results_equal_with_the_scheme_on_and_off(rule_threads, monkeypatch, batch, size):
    """A step of a small net, float64: the scheme on (with its rule) equals the scheme off."""
    sections = []
    real_run = _threads.run
    monkeypatch.setattr(_threads, "run", lambda task, parts: sections.append(parts) or real_run(task, parts))
    rng = np.random.default_rng(batch)
    x = rng.standard_normal((batch, 3, size, size))
    target = rng.integers(0, 10, batch)
    results = {}
    for on in (False, True):
        mdl.manual_seed(0)
        net = _small_net().double()
        with mdl.using_config(intra_op_parallel=on):
            out = net(mdl.tensor(x))
            F.cross_entropy(out, mdl.tensor(target)).backward()
        results[on] = [out.numpy()] + [p.grad.numpy() for p in net.parameters()]
    assert sections == ([FORCED_PARTS] * 2 if batch == 13 else [])     # the second convolution, both ways
    for i, (got, want) in enumerate(zip(results[True], results[False])):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * max(np.abs(want).max(), 1.0),
                                   err_msg=f"result {i}")


def test_matmul_path_by_size(rule_threads, monkeypatch, fake_blas):
    """Below MATMUL_ONE_THREAD_MIN plain; then one BLAS thread; then split over the threads; from
    MATMUL_BLAS_THREADS_MIN plain on BLAS's own threads (no section, BLAS's count untouched)."""
    fake = fake_blas
    monkeypatch.setattr(_threads, "MATMUL_ONE_THREAD_MIN", 100)
    monkeypatch.setattr(_threads, "MATMUL_SPLIT_MIN", 1000)
    monkeypatch.setattr(_threads, "MATMUL_BLAS_THREADS_MIN", 10000)
    sections = []
    real_run = _threads.run
    monkeypatch.setattr(_threads, "run", lambda task, parts: sections.append(parts) or real_run(task, parts))
    rng = np.random.default_rng(5)
    # (M, K, N) -> (BLAS count changes, sections): 99, 960, 9999 and 10000 multiply-adds
    expected = {(3, 11, 3): ([], []), (8, 12, 10): ([1, 2], []), (9, 101, 11): ([1, 2], [FORCED_PARTS]),
                (10, 100, 10): ([], [])}
    for (m, k, n), (history, parts) in expected.items():
        fake.history.clear()
        sections.clear()
        a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
        np.testing.assert_allclose(_threads.matmul(a, b), a @ b, rtol=1e-12, atol=1e-12)
        assert (fake.history, sections) == (history, parts), (m, k, n)
    assert _threads.MATMUL_ONE_THREAD_MIN <= _threads.MATMUL_SPLIT_MIN <= _threads.MATMUL_BLAS_THREADS_MIN


def test_small_conv_runs_as_with_the_scheme_off(rule_threads, monkeypatch, fake_blas):
    """A convolution below CONV_SPLIT_MIN leaves BLAS's thread count alone (its GEMMs on BLAS's own
    threads, as with the scheme off), forward and backward; one above it sets BLAS to one thread for
    its parts and restores it, both ways."""
    fake = fake_blas
    rng = np.random.default_rng(4)
    for n, c, history in ((2, 8, []), (8, 16, [1, 2, 1, 2])):
        x, w = rng.standard_normal((n, c, 32, 32)), rng.standard_normal((c, c, 3, 3))
        assert (_conv_macs(n, c, c, 3, 32, 32) >= _threads.CONV_SPLIT_MIN) == bool(history)
        fake.history.clear()
        with mdl.using_config(conv_algorithm="im2col"):
            F.conv2d(mdl.tensor(x, requires_grad=True), mdl.tensor(w, requires_grad=True), padding=1).sum().backward()
        assert fake.history == history, n

