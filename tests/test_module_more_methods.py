"""nn.Module.half / get_buffer / set_submodule / to_empty / compile, as PyTorch's (messages from torch 2.13)."""
import numpy as np
import pytest

import minidl
import minidl.nn as nn


def _net():
    return nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))


def test_half_casts_floating_state():
    net = _net()
    assert net.half() is net
    assert net[0].weight.dtype == minidl.float16 and net[1].running_var.dtype == minidl.float16
    assert net[1].num_batches_tracked.dtype == minidl.int64
    net.float()
    assert net[0].weight.dtype == minidl.float32


def test_get_buffer():
    net = _net()
    assert net.get_buffer("1.running_mean") is net[1].running_mean
    with pytest.raises(AttributeError, match="^BatchNorm1d has no attribute `nope`$"):
        net.get_buffer("1.nope")
    with pytest.raises(AttributeError, match="^`weight` is not a buffer$"):
        net.get_buffer("0.weight")
    with pytest.raises(AttributeError):
        net.get_buffer("2.running_mean")


def test_set_submodule():
    net = _net()
    new = nn.Linear(2, 3)
    assert net.set_submodule("0", new) is None
    assert net[0] is new
    net.set_submodule("0.act", nn.ReLU())
    assert isinstance(net[0].act, nn.ReLU)
    with pytest.raises(ValueError, match="^Cannot set the submodule without a target name!$"):
        net.set_submodule("", nn.ReLU())
    with pytest.raises(AttributeError, match="^Sequential has no attribute `5`$"):
        net.set_submodule("5", nn.ReLU(), strict=True)
    with pytest.raises(AttributeError, match="^Linear has no attribute `x`$"):
        net.set_submodule("0.x.y", nn.ReLU())
    with pytest.raises(ValueError, match="^`module` is not an nn.Module, found <class 'int'>$"):
        net.set_submodule("0", 3)


def test_to_empty_and_compile():
    net = _net()
    assert net.to_empty(device="cpu") is net
    assert net[0].to_empty(device=minidl.device("cpu"), recurse=False) is net[0]
    x = minidl.randn(4, 2)
    expected = net(x).detach().numpy()
    assert net.compile() is None
    np.testing.assert_array_equal(net(x).detach().numpy(), expected)
    with pytest.raises(RuntimeError, match="Unrecognized mode=fast"):
        net.compile(mode="fast")
