"""set_default_dtype / get_default_dtype, finfo / iinfo and the deterministic-algorithms flags.

Expected values were read from PyTorch 2.13 (``torch.set_default_dtype(torch.float64)`` then the same
calls); the test itself needs only minidl.
"""
from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
import minidl.nn as nn


@pytest.fixture(autouse=True)
def _restore_default_dtype():
    yield
    mdl.set_default_dtype(mdl.float32)
    mdl.use_deterministic_algorithms(False)


@pytest.mark.parametrize("default", [mdl.float64, mdl.float16, mdl.float32])
def test_python_floats_and_creation_functions_follow_the_default(default):
    mdl.set_default_dtype(default)
    assert mdl.get_default_dtype() is default
    made = [mdl.tensor([1.0]), mdl.tensor(1.0), mdl.tensor([]), mdl.zeros(2), mdl.ones(2, 3), mdl.empty(2),
            mdl.rand(2), mdl.randn(2), mdl.full((2,), 1.5), mdl.arange(0, 1, 0.5), mdl.arange(3.0),
            mdl.linspace(0, 1, 3), mdl.logspace(0, 1, 3), mdl.eye(2), mdl.Tensor(2), mdl.Tensor([1, 2]),
            mdl.as_tensor([1.0]), mdl.normal(0.0, 1.0, size=(2,))]
    assert [t.dtype for t in made] == [default] * len(made)
    kept = [mdl.tensor([1, 2]), mdl.arange(3), mdl.full((2,), 1), mdl.randint(0, 3, (2,)), mdl.tensor(True),
            mdl.tensor(np.array([1.0], np.float32)), mdl.zeros(2, dtype=mdl.float32).float()]
    assert [t.dtype for t in kept] == [mdl.int64, mdl.int64, mdl.int64, mdl.int64, mdl.bool, mdl.float32,
                                       mdl.float32]


@pytest.mark.parametrize("default", [mdl.float64, mdl.float32])
def test_integer_to_float_results_follow_the_default(default):
    mdl.set_default_dtype(default)
    ints = mdl.tensor([1, 4])
    results = [ints / 2, ints.sqrt(), ints.sigmoid(), ints ** 0.5, ints + 1.5, ints * 2.5, mdl.exp(ints)]
    assert [r.dtype for r in results] == [default] * len(results)
    np.testing.assert_allclose((ints / 2).numpy(), [0.5, 2.0])
    # a float32 tensor stays float32 next to a Python float, whatever the default
    assert (mdl.ones(2, dtype=mdl.float32) * 2.5).dtype == mdl.float32


def test_complex_python_numbers_follow_the_default():
    mdl.set_default_dtype(mdl.float64)
    assert mdl.tensor([1.5j]).dtype == np.complex128
    mdl.set_default_dtype(mdl.float32)
    assert mdl.tensor([1.5j]).dtype == np.complex64


def test_new_layers_parameters_follow_the_default():
    mdl.set_default_dtype(mdl.float64)
    layers = [nn.Linear(2, 2).weight, nn.Conv2d(1, 1, 2).bias, nn.BatchNorm2d(2).running_mean,
              nn.Embedding(3, 2).weight, nn.LayerNorm(3).weight, nn.LSTM(2, 3).weight_ih_l0, nn.Parameter()]
    assert [p.dtype for p in layers] == [mdl.float64] * len(layers)
    assert nn.Linear(2, 2, dtype=mdl.float32).weight.dtype == mdl.float32
    out = nn.Linear(3, 2)(mdl.randn(4, 3))
    assert out.dtype == mdl.float64


def test_repr_omits_only_the_default_dtype():
    mdl.set_default_dtype(mdl.float64)
    assert repr(mdl.tensor([1.5, 2.0])) == "tensor([1.5000, 2.0000])"
    assert repr(mdl.tensor([1.5], dtype=mdl.float32)) == "tensor([1.5000], dtype=minidl.float32)"
    mdl.set_default_dtype(mdl.float32)
    assert repr(mdl.tensor([1.5], dtype=mdl.float64)) == "tensor([1.5000], dtype=minidl.float64)"


@pytest.mark.parametrize("bad, message", [
    (mdl.int64, "^only floating-point types are supported as the default type$"),
    (mdl.bool, "^only floating-point types are supported as the default type$"),
    (float, "^invalid dtype object: only floating-point types"),
    ("float64", "^invalid dtype object: only floating-point types"),
    (None, "^invalid dtype object: only floating-point types"),
])
def test_set_default_dtype_refuses_non_float_types(bad, message):
    with pytest.raises(TypeError, match=message):
        mdl.set_default_dtype(bad)
    assert mdl.get_default_dtype() is mdl.float32


def test_set_default_dtype_accepts_numpy_spellings():
    mdl.set_default_dtype(np.float64)
    assert mdl.get_default_dtype() is mdl.float64
    mdl.set_default_dtype(np.dtype("float32"))
    assert mdl.get_default_dtype() is mdl.float32


@pytest.mark.parametrize("dtype", [mdl.float16, mdl.float32, mdl.float64])
def test_finfo_matches_numpy_and_pytorch(dtype):
    info, ref = mdl.finfo(dtype), np.finfo(dtype.numpy_dtype)
    assert (info.bits, info.eps, info.max, info.min, info.tiny, info.smallest_normal) == (
        ref.bits, float(ref.eps), float(ref.max), float(ref.min), float(ref.smallest_normal),
        float(ref.smallest_normal))
    assert info.resolution == 10.0 ** -ref.precision and info.dtype == dtype.name
    assert type(info.max) is float and type(info.bits) is int and info == mdl.finfo(dtype)


def test_finfo_repr_and_default():
    assert repr(mdl.finfo(mdl.float32)) == ("finfo(resolution=1e-06, min=-3.40282e+38, max=3.40282e+38, "
                                           "eps=1.19209e-07, smallest_normal=1.17549e-38, tiny=1.17549e-38, "
                                           "dtype=float32)")
    assert repr(mdl.finfo(mdl.float16)).startswith("finfo(resolution=0.001, min=-65504, max=65504,")
    mdl.set_default_dtype(mdl.float64)
    assert mdl.finfo().dtype == "float64" and mdl.finfo().eps == 2.220446049250313e-16


@pytest.mark.parametrize("dtype", [mdl.uint8, mdl.int8, mdl.int16, mdl.int32, mdl.int64])
def test_iinfo_matches_numpy(dtype):
    info, ref = mdl.iinfo(dtype), np.iinfo(dtype.numpy_dtype)
    assert (info.bits, info.max, info.min, info.dtype) == (ref.bits, int(ref.max), int(ref.min), dtype.name)
    assert type(info.max) is int


def test_iinfo_repr():
    assert repr(mdl.iinfo(mdl.int64)) == "iinfo(min=-9.22337e+18, max=9.22337e+18, dtype=int64)"
    assert repr(mdl.iinfo(mdl.uint8)) == "iinfo(min=0, max=255, dtype=uint8)"


@pytest.mark.parametrize("fn, arg", [(mdl.finfo, mdl.int64), (mdl.finfo, mdl.bool), (mdl.iinfo, mdl.float32),
                                     (mdl.iinfo, mdl.bool), (mdl.finfo, "float32"), (mdl.iinfo, int)])
def test_type_info_refuses_the_wrong_kind(fn, arg):
    with pytest.raises(TypeError):
        fn(arg)


def test_deterministic_algorithm_flags():
    assert not mdl.are_deterministic_algorithms_enabled() and mdl.get_deterministic_debug_mode() == 0
    mdl.use_deterministic_algorithms(True)
    assert mdl.are_deterministic_algorithms_enabled() and not mdl.is_deterministic_algorithms_warn_only_enabled()
    assert mdl.get_deterministic_debug_mode() == 2
    mdl.use_deterministic_algorithms(True, warn_only=True)
    assert mdl.is_deterministic_algorithms_warn_only_enabled() and mdl.get_deterministic_debug_mode() == 1
    for mode, expected in [("default", 0), ("warn", 1), ("error", 2), (0, 0), (True, 1), (2, 2)]:
        mdl.set_deterministic_debug_mode(mode)
        assert mdl.get_deterministic_debug_mode() == expected
        assert mdl.are_deterministic_algorithms_enabled() == (expected > 0)


@pytest.mark.parametrize("call, error", [
    (lambda: mdl.use_deterministic_algorithms(1), TypeError),
    (lambda: mdl.use_deterministic_algorithms(True, warn_only=1), TypeError),
    (lambda: mdl.set_deterministic_debug_mode("x"), RuntimeError),
    (lambda: mdl.set_deterministic_debug_mode(3), RuntimeError),
    (lambda: mdl.set_deterministic_debug_mode(1.0), TypeError),
])
def test_deterministic_flag_errors(call, error):
    with pytest.raises(error):
        call()
