"""Reprs of empty tensors as PyTorch prints them (expected strings from torch 2.13, 'torch.' -> 'minidl.')."""
import pytest

import minidl


@pytest.mark.parametrize("make, expected", [
    (lambda: minidl.zeros(2, 0), "tensor([], size=(2, 0))"),
    (lambda: minidl.zeros(0, 3, dtype=minidl.int32), "tensor([], size=(0, 3), dtype=minidl.int32)"),
    (lambda: minidl.zeros(2, 0, requires_grad=True), "tensor([], size=(2, 0), requires_grad=True)"),
    (lambda: minidl.zeros(0, dtype=minidl.float64), "tensor([], dtype=minidl.float64)"),
    (lambda: minidl.zeros(1, 0, dtype=minidl.float64, requires_grad=True) * 2,
     "tensor([], size=(1, 0), dtype=minidl.float64, grad_fn=<MulBackward0>)"),
    (lambda: minidl.zeros(0, dtype=minidl.int64), "tensor([], dtype=minidl.int64)"),
    (lambda: minidl.zeros(2, 0, dtype=minidl.int64), "tensor([], size=(2, 0), dtype=minidl.int64)"),
    (lambda: minidl.zeros(0, dtype=minidl.bool), "tensor([], dtype=minidl.bool)"),
    (lambda: minidl.tensor([]).long(), "tensor([], dtype=minidl.int64)"),
    (lambda: minidl.zeros(0), "tensor([])"),
    (lambda: minidl.tensor([1, 2]), "tensor([1, 2])"),
    (lambda: minidl.tensor([True]), "tensor([True])"),
])
def test_repr(make, expected):
    assert repr(make()) == expected
