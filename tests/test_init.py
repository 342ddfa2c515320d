"""nn.init: gains, fans, distributions (statistics on large tensors), dtype and seeding."""
import math

import numpy as np
import pytest

import minidl as mdl
from minidl.nn import init
from minidl.nn.module import Parameter
from minidl.tensor import Tensor


def _t(shape, dtype=np.float32):
    return Parameter(np.zeros(shape, dtype=dtype))


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("conv2d") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_fan_in_fan_out_linear_and_conv():
    assert init._calculate_fan_in_and_fan_out(_t((10, 20))) == (20, 10)
    # conv weight (out, in/groups, kh, kw): receptive field kh*kw
    assert init._calculate_fan_in_and_fan_out(_t((16, 3, 5, 3))) == (3 * 15, 16 * 15)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(_t((5,)))


def test_uniform_and_normal_statistics():
    t = _t((400, 500))
    init.uniform_(t, -2.0, 3.0)
    a = t.numpy()
    assert a.min() >= -2.0 and a.max() <= 3.0
    assert a.mean() == pytest.approx(0.5, abs=0.02)
    assert a.std() == pytest.approx(5 / math.sqrt(12), rel=0.01)
    init.normal_(t, mean=1.5, std=0.5)
    a = t.numpy()
    assert a.mean() == pytest.approx(1.5, abs=0.005)
    assert a.std() == pytest.approx(0.5, rel=0.01)
    init.uniform_(t)  # default U(0, 1)
    assert t.numpy().min() >= 0 and t.numpy().max() <= 1


def test_constant_zeros_ones():
    t = _t((3, 4))
    init.constant_(t, 0.25)
    np.testing.assert_array_equal(t.numpy(), 0.25)
    init.ones_(t)
    np.testing.assert_array_equal(t.numpy(), 1.0)
    init.zeros_(t)
    np.testing.assert_array_equal(t.numpy(), 0.0)


def test_kaiming_uniform_bounds_and_std():
    t = _t((256, 128, 3, 3))
    fan_in = 128 * 9
    init.kaiming_uniform_(t, mode="fan_in", nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / fan_in)
    a = t.numpy()
    assert np.abs(a).max() <= bound
    assert np.abs(a).max() > 0.99 * bound
    assert a.std() == pytest.approx(math.sqrt(2 / fan_in), rel=0.01)
    # default a=0, leaky_relu: gain sqrt(2 / (1 + 0)) = sqrt(2)
    init.kaiming_uniform_(t)
    assert t.numpy().std() == pytest.approx(math.sqrt(2 / fan_in), rel=0.01)
    # fan_out mode
    init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu")
    assert t.numpy().std() == pytest.approx(math.sqrt(2 / (256 * 9)), rel=0.01)


def test_kaiming_normal_std():
    t = _t((512, 256))
    init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")
    assert t.numpy().std() == pytest.approx(math.sqrt(2 / 512), rel=0.01)
    assert abs(t.numpy().mean()) < 0.002
    init.kaiming_normal_(t, a=0.2)
    assert t.numpy().std() == pytest.approx(math.sqrt(2 / 1.04) / math.sqrt(256), rel=0.01)
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(t, mode="fan_avg")


def test_xavier_uniform_and_normal():
    t = _t((300, 200))
    init.xavier_uniform_(t, gain=2.0)
    a = 2.0 * math.sqrt(6 / 500)
    arr = t.numpy()
    assert np.abs(arr).max() <= a and np.abs(arr).max() > 0.99 * a
    assert arr.std() == pytest.approx(2.0 * math.sqrt(2 / 500), rel=0.01)
    init.xavier_normal_(t)
    assert t.numpy().std() == pytest.approx(math.sqrt(2 / 500), rel=0.01)


def test_trunc_normal_within_bounds():
    t = _t((200, 100))
    init.trunc_normal_(t, std=1.0, a=-0.5, b=0.5)
    assert np.abs(t.numpy()).max() <= 0.5


def test_in_place_keeps_object_dtype_and_float64():
    t = _t((50, 40), dtype=np.float64)
    arr = t.array
    out = init.kaiming_uniform_(t)
    assert out is t and t.array is arr and t.dtype == np.float64
    t32 = _t((50, 40))
    init.normal_(t32)
    assert t32.dtype == np.float32
    plain = Tensor(np.zeros((4, 4), dtype=np.float32))
    init.ones_(plain)
    assert plain.numpy().sum() == 16


def test_manual_seed_makes_init_reproducible():
    t1, t2 = _t((8, 8)), _t((8, 8))
    mdl.manual_seed(42)
    init.kaiming_uniform_(t1)
    mdl.manual_seed(42)
    init.kaiming_uniform_(t2)
    np.testing.assert_array_equal(t1.numpy(), t2.numpy())
    init.kaiming_uniform_(t2)
    assert not np.array_equal(t1.numpy(), t2.numpy())


def test_explicit_generator():
    t1, t2 = _t((5,)), _t((5,))
    init.uniform_(t1, generator=np.random.default_rng(3))
    init.uniform_(t2, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(t1.numpy(), t2.numpy())
