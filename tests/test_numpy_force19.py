"""Tensor.numpy(force=True) and Python-number conversions of conjugate views, as PyTorch 2.13's.

Passes under PyTorch with only the import switched (checked with torch 2.13.0+cpu).
"""
import warnings

import numpy as np
import pytest

import minidl as torch


def test_numpy_force_resolves_the_conjugate_bit():
    z = torch.tensor([1 + 2j, 3 - 1j])
    with pytest.raises(RuntimeError, match="conjugate bit set"):
        z.conj().numpy()
    np.testing.assert_array_equal(z.conj().numpy(force=True), np.array([1 - 2j, 3 + 1j]))


def test_numpy_force_detaches():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    out = y.numpy(force=True)
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, [3.0, 6.0])


def test_python_numbers_from_a_conjugate_view():
    z = torch.tensor(1 + 2j)
    assert complex(z.conj()) == 1 - 2j
    assert z.conj().item() == 1 - 2j


def test_tensor_of_a_tensor_that_requires_grad_copies_its_values():
    x = torch.tensor([1.5, -2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # PyTorch warns to use x.detach().clone(); minidl does not
        y = torch.tensor(x)
        first = float(x[0])               # PyTorch 2.13 warns here too
    assert not y.requires_grad
    np.testing.assert_array_equal(y.numpy(), [1.5, -2.0])
    assert first == 1.5
