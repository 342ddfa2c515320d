"""minidl.signal.windows against PyTorch's values (fixture made by tests/fixtures/make_signal_windows.py with
PyTorch 2.13), its argument checks, dtypes and gradients."""
import inspect
import json
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
from minidl.signal import windows

FIXTURE = Path(__file__).parent / "fixtures" / "signal_windows.json"
CASES = json.loads(FIXTURE.read_text())


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['name']}-{c['M']}-{c['sym']}-{c['kwargs']}")
def test_values_equal_pytorchs(case):
    fn = getattr(windows, case["name"])
    got64 = fn(case["M"], sym=case["sym"], dtype=mdl.float64, **case["kwargs"])
    assert got64.dtype == mdl.float64 and tuple(got64.shape) == (case["M"],)
    np.testing.assert_allclose(got64.numpy(), case["float64"], rtol=0, atol=1e-10)
    got32 = fn(case["M"], sym=case["sym"], **case["kwargs"])     # the default dtype
    assert got32.dtype == mdl.float32
    np.testing.assert_allclose(got32.numpy(), case["float64"], rtol=0, atol=2e-6)


def test_known_values_from_pytorchs_docs():
    np.testing.assert_allclose(windows.hann(10, sym=False).numpy(),
                               [0.0, 0.0955, 0.3455, 0.6545, 0.9045, 1.0, 0.9045, 0.6545, 0.3455, 0.0955], atol=1e-4)
    np.testing.assert_allclose(windows.bartlett(10).numpy(),
                               [0, 0.2222, 0.4444, 0.6667, 0.8889, 0.8889, 0.6667, 0.4444, 0.2222, 0], atol=1e-4)
    assert windows.exponential(0).shape == (0,) and windows.cosine(1).tolist() == [pytest.approx(1.0)]


def test_signatures_are_keyword_only_as_pytorchs():
    for name in windows.__all__:
        params = inspect.signature(getattr(windows, name)).parameters
        assert list(params)[0] == "M"
        assert all(p.kind is p.KEYWORD_ONLY for p in list(params.values())[1:]), name
        assert params["sym"].default is True and params["requires_grad"].default is False
    with pytest.raises(TypeError):
        windows.hann(5, False)


def test_errors_as_pytorch():
    with pytest.raises(ValueError, match="requires non-negative window length, got M=-1"):
        windows.hann(-1)
    with pytest.raises(ValueError, match="expects float32 or float64 dtypes"):
        windows.hann(5, dtype=mdl.int64)
    with pytest.raises(ValueError, match="Tau must be positive"):
        windows.exponential(5, tau=0)
    with pytest.raises(ValueError, match="Center must be None for symmetric windows"):
        windows.exponential(5, center=1.0)
    with pytest.raises(ValueError, match="Standard deviation must be positive"):
        windows.gaussian(5, std=-1)
    with pytest.raises(ValueError, match="beta must be non-negative"):
        windows.kaiser(5, beta=-1)
    with pytest.raises(ValueError, match="Coefficients cannot be empty"):
        windows.general_cosine(5, a=[])
    with pytest.raises(TypeError, match="Coefficients must be a list/tuple"):
        windows.general_cosine(5, a=3)


def test_requires_grad_gives_a_differentiable_result():
    w = windows.gaussian(6, requires_grad=True, dtype=mdl.float64)
    assert w.requires_grad and w.grad_fn is not None
    w.sum().backward()        # reaches the linspace leaf, as PyTorch's


def test_windows_match_the_torch_window_functions():
    for sym_name, old in (("hann", mdl.hann_window), ("hamming", mdl.hamming_window),
                          ("blackman", mdl.blackman_window), ("bartlett", mdl.bartlett_window)):
        np.testing.assert_allclose(getattr(windows, sym_name)(9, sym=False, dtype=mdl.float64).numpy(),
                                   old(9, dtype=mdl.float64).numpy(), atol=1e-12)
    np.testing.assert_allclose(windows.kaiser(9, sym=False, dtype=mdl.float64).numpy(),
                               mdl.kaiser_window(9, dtype=mdl.float64).numpy(), atol=1e-12)
