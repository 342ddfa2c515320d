"""autograd.detect_anomaly / set_detect_anomaly: PyTorch's NaN check in the backward pass
(messages and flags as PyTorch 2.13 prints them; the test needs only minidl)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import minidl as mdl
from minidl import autograd


@pytest.fixture(autouse=True)
def _quiet_and_restore():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
    autograd.set_detect_anomaly(False)


def test_nan_gradient_names_the_operation():
    x = mdl.tensor([0.0], requires_grad=True)
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        region = autograd.detect_anomaly()
    with region:
        assert mdl.is_anomaly_enabled() and mdl.is_anomaly_check_nan_enabled()
        with pytest.raises(RuntimeError, match="Function 'DivBackward0' returned nan values in its 1th output."):
            (x / x).sum().backward()
        with pytest.raises(RuntimeError, match="returned nan values"):
            autograd.grad((x / x).sum(), x, create_graph=True)          # the graph path checks too
    assert not mdl.is_anomaly_enabled()
    (x / x).sum().backward()                                              # off again: NaNs pass silently
    assert np.isnan(x.grad.numpy()).all()


def test_infinities_are_not_anomalies():
    x = mdl.tensor([0.0], requires_grad=True)
    with pytest.warns(UserWarning):
        region = autograd.detect_anomaly()
    with region:
        x.sqrt().sum().backward()
    assert x.grad.tolist() == [np.inf]


def test_set_detect_anomaly_as_call_and_context():
    autograd.set_detect_anomaly(True)
    assert mdl.is_anomaly_enabled()
    autograd.set_detect_anomaly(False)
    with autograd.set_detect_anomaly(True, check_nan=False):
        assert mdl.is_anomaly_enabled() and not mdl.is_anomaly_check_nan_enabled()
        x = mdl.tensor([0.0], requires_grad=True)
        (x / x).sum().backward()                                          # check_nan=False: no error
    assert not mdl.is_anomaly_enabled() and mdl.is_anomaly_check_nan_enabled()


def test_detect_anomaly_as_decorator():
    with pytest.warns(UserWarning):
        decorator = autograd.detect_anomaly()

    @decorator
    def run():
        x = mdl.tensor([0.0], requires_grad=True)
        (x / x).sum().backward()

    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="DivBackward0"):
        run()
