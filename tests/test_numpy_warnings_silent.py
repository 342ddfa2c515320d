"""Floating-point edge cases give inf/nan silently, as in PyTorch (the word-language-model example
builds its causal mask with ``torch.log(torch.tril(torch.ones(n, n)))``); a user's own NumPy code and
minidl's own RuntimeWarnings still warn."""
import warnings

import numpy as np
import pytest

import minidl


@pytest.mark.parametrize("compute", [
    lambda z: minidl.log(minidl.tril(minidl.ones(3, 3))),
    lambda z: z / 0,
    lambda z: 1 / z,
    lambda z: z.sqrt(),
    lambda z: z ** -1,
    lambda z: minidl.log10(z),
    lambda z: z.rsqrt(),
    lambda z: (z * 2).acos(),
    lambda z: (z * 1000).exp(),
    lambda z: minidl.fmod(z, 0.0),
    lambda z: minidl.tensor([1e38]) * 1e10,
])
def test_no_numpy_warning(compute):
    z = minidl.tensor([0.0, -1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the test's own filter goes first: re-install minidl's on top
        minidl._numpy_warnings.install()
        compute(z)


def test_gradient_of_log_at_zero_is_inf_silently():
    x = minidl.tensor([0.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        minidl._numpy_warnings.install()
        minidl.log(x).sum().backward()
    assert np.isinf(x.grad.numpy()[0]) and x.grad.numpy()[1] == 0.5


def test_user_numpy_still_warns():
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        np.log(np.zeros(1))
