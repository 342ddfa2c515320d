"""Legacy tensor types (minidl.FloatTensor, ...), set_default_tensor_type and the float32 matmul precision
flag, with PyTorch 2.13's behaviour (read once in a scratch script; the test needs only minidl)."""
from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl


@pytest.fixture(autouse=True)
def _restore():
    yield
    mdl.set_default_dtype(mdl.float32)
    mdl.set_float32_matmul_precision("highest")


@pytest.mark.parametrize("legacy, dtype", [
    (mdl.FloatTensor, mdl.float32), (mdl.DoubleTensor, mdl.float64), (mdl.HalfTensor, mdl.float16),
    (mdl.LongTensor, mdl.int64), (mdl.IntTensor, mdl.int32), (mdl.ShortTensor, mdl.int16),
    (mdl.CharTensor, mdl.int8), (mdl.ByteTensor, mdl.uint8), (mdl.BoolTensor, mdl.bool)])
def test_legacy_types_build_and_check(legacy, dtype):
    assert legacy.dtype is dtype
    made = legacy([1, 0])
    assert made.dtype is dtype
    assert made.tolist() == ([True, False] if dtype is mdl.bool else [1, 0])
    assert legacy(2, 3).shape == (2, 3) and legacy(mdl.Size([4])).shape == (4,) and legacy().shape == (0,)
    assert isinstance(made, legacy) and not isinstance(np.zeros(2), legacy)
    assert mdl.ones(2).type(legacy).dtype is dtype
    assert mdl.ones(2, dtype=dtype).type() == f"torch.{legacy.__name__}"


def test_legacy_type_instance_checks_and_aliasing():
    x = mdl.ones(2)
    assert isinstance(x, mdl.FloatTensor) and not isinstance(x, mdl.DoubleTensor)
    assert mdl.FloatTensor(x) is x
    with pytest.raises(TypeError, match="expected a tensor of dtype minidl.float32"):
        mdl.FloatTensor(mdl.ones(2, dtype=mdl.float64))
    assert repr(mdl.FloatTensor) == "<class 'minidl.FloatTensor'>"


def test_set_default_tensor_type():
    with pytest.warns(UserWarning, match="set_default_tensor_type\\(\\) is deprecated"):
        mdl.set_default_tensor_type(mdl.DoubleTensor)
    assert mdl.get_default_dtype() is mdl.float64 and mdl.tensor([1.0]).dtype == mdl.float64
    with pytest.warns(UserWarning):
        mdl.set_default_tensor_type("torch.FloatTensor")
    assert mdl.get_default_dtype() is mdl.float32
    with pytest.warns(UserWarning), pytest.raises(TypeError, match="only floating-point types"):
        mdl.set_default_tensor_type(mdl.LongTensor)
    with pytest.warns(UserWarning), pytest.raises(TypeError, match="invalid type"):
        mdl.set_default_tensor_type("torch.NoSuchTensor")


def test_float32_matmul_precision_flag():
    assert mdl.get_float32_matmul_precision() == "highest"
    for value in ("high", "medium", "highest"):
        mdl.set_float32_matmul_precision(value)
        assert mdl.get_float32_matmul_precision() == value
    mdl.set_float32_matmul_precision("high")
    with pytest.warns(UserWarning, match="is not one of 'highest', 'high', or 'medium'"):
        mdl.set_float32_matmul_precision("HIGH")
    assert mdl.get_float32_matmul_precision() == "high"
    with pytest.raises(RuntimeError, match="expects a str, but got int"):
        mdl.set_float32_matmul_precision(3)
    a = np.random.default_rng(0).standard_normal((5, 7)).astype(np.float32)
    np.testing.assert_allclose((mdl.tensor(a) @ mdl.tensor(a.T)).numpy(), a @ a.T, rtol=1e-6)   # full float32


def test_bfloat16_legacy_type():
    """``torch.BFloat16Tensor`` as PyTorch 2.13's: sizes or data, bfloat16, instance checks by dtype."""
    t = mdl.BFloat16Tensor(2, 3)
    assert t.dtype == mdl.bfloat16 and t.shape == (2, 3) and isinstance(t, mdl.BFloat16Tensor)
    assert mdl.BFloat16Tensor([1.5]).tolist() == [1.5] and not isinstance(mdl.zeros(2), mdl.BFloat16Tensor)
    assert mdl.zeros(2, dtype=mdl.bfloat16).type() == "torch.BFloat16Tensor"
    assert mdl.zeros(2).type(mdl.BFloat16Tensor).dtype == mdl.bfloat16
