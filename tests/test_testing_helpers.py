"""minidl.testing.assert_close and make_tensor, against PyTorch's behaviour.

The expected messages were printed by ``torch.testing.assert_close`` 2.13 on the same inputs
(with ``torch.`` written ``minidl.``); the test needs only minidl.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import minidl as mdl
from minidl.testing import assert_close, make_tensor

NAN, INF = float("nan"), float("inf")


def _message(actual, expected, **kwargs):
    with pytest.raises(AssertionError) as info:
        assert_close(actual, expected, **kwargs)
    return str(info.value)


def test_float32_mismatch_message():
    a, b = mdl.tensor([1., 2., 3., 4.]), mdl.tensor([1., 2.5, 3., 5.])
    assert _message(a, b) == ("Tensor-likes are not close!\n\nMismatched elements: 2 / 4 (50.0%)\n"
                              "Greatest absolute difference: 1.0 at index (3,) (up to 1e-05 allowed)\n"
                              "Greatest relative difference: 0.20000000298023224 at index (1,) "
                              "(up to 1.3e-06 allowed)")


def test_integer_mismatch_message_has_no_tolerances():
    assert _message(mdl.tensor([1, 2]), mdl.tensor([1, 3])) == (
        "Tensor-likes are not equal!\n\nMismatched elements: 1 / 2 (50.0%)\n"
        "Greatest absolute difference: 1 at index (1,)\nGreatest relative difference: 0.3333333432674408 at index (1,)")
    assert _message(mdl.tensor([True]), mdl.tensor([False])).endswith("Greatest relative difference: inf at index (0,)")


def test_scalar_messages():
    assert _message(mdl.tensor(1.), mdl.tensor(1.5)) == (
        "Scalars are not close!\n\nExpected 1.5 but got 1.0.\nAbsolute difference: 0.5 (up to 1e-05 allowed)\n"
        "Relative difference: 0.3333333333333333 (up to 1.3e-06 allowed)")
    assert _message(1.0, 1.1) == (
        "Scalars are not close!\n\nExpected 1.1 but got 1.0.\nAbsolute difference: 0.10000000000000009 "
        "(up to 1e-07 allowed)\nRelative difference: 0.09090909090909098 (up to 1e-07 allowed)")
    assert _message(1, 1.0) == "The (d)types do not match: <class 'int'> != <class 'float'>."
    assert _message(True, False) == "Booleans mismatch: True is not False"
    assert _message(None, 1) == "None mismatch: None is not 1"


def test_attribute_mismatches():
    a = mdl.tensor([1., 2., 3., 4.])
    assert _message(a, a.double()) == "The values for attribute 'dtype' do not match: minidl.float32 != minidl.float64."
    assert _message(a, a[:2]) == ("The values for attribute 'shape' do not match: minidl.Size([4]) != "
                                  "minidl.Size([2]).")
    assert_close(a, a.double(), check_dtype=False)
    assert_close(mdl.tensor([1, 2]), mdl.tensor([1., 2.]), check_dtype=False)


def test_default_tolerances_per_dtype():
    assert_close(mdl.tensor([1.0]), mdl.tensor([1.0 + 5e-6]))              # float32: atol 1e-5
    assert "not close" in _message(mdl.tensor([1.0], dtype=mdl.float64), mdl.tensor([1.0 + 5e-6],
                                                                                    dtype=mdl.float64))
    assert_close(mdl.tensor([1.0, 2.0], dtype=mdl.float16), mdl.tensor([1.001, 2.0], dtype=mdl.float16))
    assert_close(2.0, 2.0 + 1e-8)
    # mixed dtypes use the looser tolerance (float32's here)
    assert_close(mdl.tensor([1.0]), mdl.tensor([1.0 + 5e-6], dtype=mdl.float64), check_dtype=False)


def test_given_tolerances_and_nan_inf():
    a, b = mdl.tensor([1., 2., 3., 4.]), mdl.tensor([1., 2.5, 3., 5.])
    assert_close(a, b, rtol=0.5, atol=0.0)
    assert "not equal" in _message(a, b, rtol=0.0, atol=0.0)
    for only in ({"rtol": 1e-3}, {"atol": 1e-3}):
        with pytest.raises(ValueError, match="Both 'rtol' and 'atol' must be either specified or omitted"):
            assert_close(a, b, **only)
    assert "Greatest absolute difference: nan" in _message(mdl.tensor([NAN]), mdl.tensor([NAN]))
    assert_close(mdl.tensor([NAN]), mdl.tensor([NAN]), equal_nan=True)
    assert_close(mdl.tensor([INF]), mdl.tensor([INF]))
    assert "Greatest absolute difference: inf" in _message(mdl.tensor([INF]), mdl.tensor([1.]))
    assert "Greatest absolute difference: nan at index (1,)" in _message(mdl.tensor([1., NAN]),
                                                                          mdl.tensor([2., 1.]))


def test_containers_name_the_failing_item():
    a, b = mdl.tensor([1., 2.]), mdl.tensor([1., 3.])
    assert _message([a, a], [a, b]).endswith("\n\nThe failure occurred for item [1]")
    assert _message({"x": a}, {"x": b}).endswith("\n\nThe failure occurred for item ['x']")
    assert _message([a], [a, a]) == "The length of the sequences mismatch: 1 != 2"
    assert _message({"x": a}, {"y": a}).startswith("The keys of the mappings do not match:\n")
    assert_close((a, {"k": [1, 2.5]}), (a, {"k": [1, 2.5]}))


def test_custom_message_and_type_errors():
    a, b = mdl.tensor([1., 2.]), mdl.tensor([1., 3.])
    assert _message(a, b, msg="custom") == "custom"
    assert _message(a, b, msg=lambda m: "PREFIX " + m).startswith("PREFIX Tensor-likes are not close!")
    for other in ([1., 2.], np.array([1., 2.]), 1.0):
        with pytest.raises(TypeError, match="No comparison pair was able to handle inputs"):
            assert_close(a, other)
    assert "not close" in _message(np.array([1., 2.]), np.array([1., 2.1]))


def test_mismatch_index_is_multidimensional():
    msg = _message(mdl.tensor([[1., 0.], [3., 4.]]), mdl.tensor([[1., 1e-3], [3., 4.]]))
    assert "Mismatched elements: 1 / 4 (25.0%)" in msg and "at index (0, 1)" in msg


def test_make_tensor_ranges_and_dtypes():
    mdl.manual_seed(0)
    x = make_tensor(200, dtype=mdl.float32, device="cpu")
    assert x.dtype == mdl.float32 and float(x.min()) >= -9 and float(x.max()) < 9 and x.shape == (200,)
    ints = make_tensor((4, 50), dtype=mdl.int64, device="cpu")
    assert ints.dtype == mdl.int64 and int(ints.min()) >= -9 and int(ints.max()) <= 9
    u8 = make_tensor([300], dtype=mdl.uint8, device="cpu")
    assert int(u8.min()) >= 0 and int(u8.max()) <= 9
    flags = make_tensor(100, dtype=mdl.bool, device="cpu")
    assert flags.dtype == mdl.bool and 0 < int(flags.sum()) < 100
    small = make_tensor(50, dtype=mdl.int8, device="cpu", low=-1000, high=1000)
    assert int(small.min()) >= -128 and int(small.max()) <= 127
    given = make_tensor(100, dtype=mdl.int64, device="cpu", low=0, high=3)
    assert set(np.unique(given.numpy())) <= {0, 1, 2}
    assert make_tensor((), dtype=mdl.float64, device="cpu").shape == ()


def test_min_of_unsigned_and_bool_tensors():
    # found while testing make_tensor: min() negated its input, wrong for uint8 and an error for bool
    assert int(mdl.tensor([0, 5], dtype=mdl.uint8).min()) == 0
    assert int(mdl.tensor([3, 5], dtype=mdl.uint8).amin()) == 3
    assert bool(mdl.tensor([True, False]).min()) is False
    assert mdl.tensor([[4, 1], [2, 7]], dtype=mdl.uint8).min(dim=1).values.tolist() == [1, 2]


def test_make_tensor_options():
    x = make_tensor(2, 3, dtype=mdl.float32, device="cpu", noncontiguous=True)
    assert x.shape == (2, 3) and not x.is_contiguous()
    assert make_tensor(1, dtype=mdl.float32, device="cpu", noncontiguous=True).is_contiguous()
    w = make_tensor(2, 2, dtype=mdl.float64, device="cpu", requires_grad=True)
    assert w.requires_grad and w.is_leaf
    z = make_tensor(1000, dtype=mdl.int64, device="cpu", low=0, high=2, exclude_zero=True)
    assert int(z.min()) == 1
    tiny = make_tensor(20, dtype=mdl.float32, device="cpu", low=0, high=1e-46, exclude_zero=True)
    assert float(tiny.min()) >= mdl.finfo(mdl.float32).tiny


def test_make_tensor_errors():
    with pytest.raises(ValueError, match="`low` must be less than `high`, but got 3 >= 1"):
        make_tensor(2, dtype=mdl.float32, device="cpu", low=3, high=1)
    with pytest.raises(ValueError, match="cannot be NaN"):
        make_tensor(2, dtype=mdl.float32, device="cpu", low=math.nan)
    with pytest.raises(ValueError, match="requires_grad=True` is not supported"):
        make_tensor(2, dtype=mdl.int64, device="cpu", requires_grad=True)
    with pytest.raises(TypeError):
        make_tensor(2, dtype=mdl.float32)
    with pytest.warns(FutureWarning):
        make_tensor(2, dtype=mdl.float32, device="cpu", low=1.0, high=1.0)


def test_make_tensor_is_seeded():
    mdl.manual_seed(3)
    first = make_tensor(5, dtype=mdl.float32, device="cpu")
    mdl.manual_seed(3)
    assert_close(make_tensor(5, dtype=mdl.float32, device="cpu"), first, rtol=0, atol=0)
