"""minidl.fft (torch.fft): values against numpy.fft on odd and even sizes, PyTorch's dtypes and errors, and
float64 first and second derivatives (gradcheck/gradgradcheck) of every transform."""
import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck

F = mdl.fft
NORMS = [None, "backward", "forward", "ortho"]


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 6, 7))
    return x, x + 1j * rng.standard_normal((5, 6, 7))


def close(tensor, expected):
    got = tensor.numpy()
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("norm", NORMS)
def test_complex_transforms_match_numpy(data, norm):
    x, z = data
    tx, tz = mdl.tensor(x), mdl.tensor(z)
    close(F.fft(tz, n=9, dim=1, norm=norm), np.fft.fft(z, n=9, axis=1, norm=norm))
    close(F.ifft(tx, n=4, norm=norm), np.fft.ifft(x, n=4, norm=norm))
    close(F.fft2(tz, norm=norm), np.fft.fft2(z, norm=norm))
    close(F.ifft2(tz, s=(3, 8), norm=norm), np.fft.ifft2(z, s=(3, 8), norm=norm))
    close(F.fftn(tz, norm=norm), np.fft.fftn(z, norm=norm))
    close(F.ifftn(tz, s=(4, 5), dim=(0, 2), norm=norm), np.fft.ifftn(z, s=(4, 5), axes=(0, 2), norm=norm))
    close(F.fftn(tz, s=(3, 3), norm=norm), np.fft.fftn(z, s=(3, 3), axes=(1, 2), norm=norm))   # the last len(s) dims


@pytest.mark.parametrize("norm", NORMS)
def test_real_and_hermitian_transforms_match_numpy(data, norm):
    x, z = data
    tx, tz = mdl.tensor(x), mdl.tensor(z)
    close(F.rfft(tx, n=10, dim=0, norm=norm), np.fft.rfft(x, n=10, axis=0, norm=norm))
    close(F.irfft(tz, norm=norm), np.fft.irfft(z, norm=norm))
    close(F.irfft(tz, n=9, dim=1, norm=norm), np.fft.irfft(z, n=9, axis=1, norm=norm))
    close(F.rfft2(tx, norm=norm), np.fft.rfft2(x, norm=norm))
    close(F.irfft2(tz, s=(5, 7), norm=norm), np.fft.irfft2(z, s=(5, 7), norm=norm))
    close(F.rfftn(tx, norm=norm), np.fft.rfftn(x, norm=norm))
    close(F.irfftn(tz, norm=norm), np.fft.irfftn(z, norm=norm))
    close(F.hfft(tz, n=11, norm=norm), np.fft.hfft(z, n=11, norm=norm))
    close(F.ihfft(tx, norm=norm), np.fft.ihfft(x, norm=norm))


def test_hermitian_nd_transforms_are_the_dual_real_transforms(data):
    """As PyTorch defines them: hfftn(x) = irfftn(conj x) and ihfftn(x) = conj(rfftn(x)), dual scaling."""
    x, z = data
    tx, tz = mdl.tensor(x), mdl.tensor(z)
    close(F.hfftn(tz), np.fft.irfftn(np.conj(z), norm="forward"))
    close(F.hfft2(tz, s=(3, 8), norm="ortho"), np.fft.irfft2(np.conj(z), s=(3, 8), norm="ortho"))
    close(F.ihfftn(tx, norm="forward"), np.conj(np.fft.rfftn(x, norm="backward")))
    close(F.ihfft2(tx), np.conj(np.fft.rfft2(x, norm="forward")))
    # round trips
    half = z[0, 0].copy()
    half[0] = half[0].real   # a Hermitian signal's first sample is real
    np.testing.assert_allclose(F.ihfft(F.hfft(mdl.tensor(half), n=13)).numpy(), half, atol=1e-12)
    np.testing.assert_allclose(F.irfftn(F.rfftn(tx), s=x.shape).numpy(), x, atol=1e-12)
    np.testing.assert_allclose(F.ifftn(F.fftn(tz)).numpy(), z, atol=1e-12)


def test_dtypes_as_pytorch():
    assert F.fft(mdl.ones(4)).dtype == mdl.complex64
    assert F.fft(mdl.ones(4, dtype=mdl.float64)).dtype == mdl.complex128
    assert F.fft(mdl.arange(4)).dtype == mdl.complex64
    assert F.rfft(mdl.ones(4)).dtype == mdl.complex64
    assert F.irfft(mdl.ones(3, dtype=mdl.cfloat)).dtype == mdl.float32
    assert F.irfft(mdl.ones(3)).dtype == mdl.float32
    assert F.hfft(mdl.ones(3, dtype=mdl.cdouble)).dtype == mdl.float64
    assert F.ihfft(mdl.ones(4, dtype=mdl.float64)).dtype == mdl.complex128
    np.testing.assert_allclose(F.fft(mdl.tensor([1.0, 2.0, 3.0, 4.0])).numpy(), [10, -2 + 2j, -2, -2 - 2j])


@pytest.mark.parametrize("expr, error, message", [
    ("F.fft(mdl.ones(4, dtype=mdl.half))", RuntimeError, "Unsupported dtype Half"),
    ("F.fft(x, norm='bad')", RuntimeError, "Invalid normalization mode"),
    ("F.fft(x, n=0)", RuntimeError, r"Invalid number of data points \(0\)"),
    ("F.rfft(mdl.ones(3, dtype=mdl.cfloat))", RuntimeError, "rfft expects a real input tensor, but got ComplexFloat"),
    ("F.fft(x, dim=5)", IndexError, "Dimension out of range"),
    ("F.fftn(x, s=(2,), dim=(0, 1))", RuntimeError, "same length"),
    ("F.fftn(x, dim=(0, 0))", RuntimeError, "FFT dims must be unique"),
    ("F.fft(mdl.tensor(1.0))", IndexError, "no dimensions"),
    ("F.irfft(mdl.ones(1, dtype=mdl.cfloat))", RuntimeError, "Invalid number of data points"),
    ("F.fft('abc')", TypeError, "must be Tensor")])
def test_errors_as_pytorch(expr, error, message):
    x = mdl.ones(2, 3)
    with pytest.raises(error, match=message):
        eval(expr, globals(), {"x": x})


def test_frequencies_and_shifts():
    np.testing.assert_allclose(F.fftfreq(5).numpy(), np.fft.fftfreq(5), rtol=1e-6)
    np.testing.assert_allclose(F.fftfreq(8, d=0.1).numpy(), np.fft.fftfreq(8, d=0.1), rtol=1e-6)
    np.testing.assert_allclose(F.rfftfreq(7, d=0.5).numpy(), np.fft.rfftfreq(7, d=0.5), rtol=1e-6)
    assert F.fftfreq(4).dtype == mdl.float32 and F.fftfreq(4, dtype=mdl.float64).dtype == mdl.float64
    a = np.arange(30).reshape(5, 6)
    assert F.fftshift(mdl.tensor(a)).tolist() == np.fft.fftshift(a).tolist()
    assert F.ifftshift(mdl.tensor(a), dim=1).tolist() == np.fft.ifftshift(a, axes=1).tolist()
    assert F.ifftshift(F.fftshift(mdl.arange(7))).tolist() == list(range(7))


def test_out_argument():
    out = mdl.empty(4, dtype=mdl.cfloat)
    result = F.fft(mdl.tensor([1.0, 2.0, 3.0, 4.0]), out=out)
    assert result is out and out.tolist() == [10, -2 + 2j, -2, -2 - 2j]
    freq = mdl.empty(5)
    assert F.fftfreq(5, out=freq) is freq and np.allclose(freq.numpy(), np.fft.fftfreq(5))


def test_grad_fn_names():
    x = mdl.ones(4, requires_grad=True)
    assert F.rfft(x).grad_fn.name() == "FftR2CBackward0"
    assert F.irfft(F.rfft(x)).grad_fn.name() == "FftC2RBackward0"
    assert F.fft(x.to(mdl.cfloat)).grad_fn.name() == "FftC2CBackward0"


def _c(rng, *shape):
    return mdl.tensor(rng.standard_normal(shape) + 1j * rng.standard_normal(shape), dtype=mdl.complex128,
                      requires_grad=True)


def _r(rng, *shape):
    return mdl.tensor(rng.standard_normal(shape), dtype=mdl.float64, requires_grad=True)


GRAD_CASES = {
    "fft_pad_ortho": (lambda a: F.fft(a, n=7, norm="ortho"), "c", (3, 5)),
    "fft_real_input": (lambda a: F.fft(a, dim=0), "r", (4, 3)),
    "ifft_truncate": (lambda a: F.ifft(a, n=3, norm="forward"), "c", (5,)),
    "fft2": (lambda a: F.fft2(a, s=(4, 3)), "c", (3, 5)),
    "ifftn": (lambda a: F.ifftn(a), "r", (2, 3, 3)),
    "rfft_pad": (lambda a: F.rfft(a, n=6), "r", (2, 5)),
    "rfft_odd": (lambda a: F.rfft(a, norm="forward"), "r", (7,)),
    "irfft": (lambda a: F.irfft(a), "c", (2, 5)),
    "irfft_odd_n": (lambda a: F.irfft(a, n=7, norm="ortho"), "c", (5,)),
    "irfft_pad": (lambda a: F.irfft(a, n=10), "c", (3,)),
    "irfft_real_input": (lambda a: F.irfft(a, n=6), "r", (4,)),
    "rfft2": (lambda a: F.rfft2(a), "r", (3, 4)),
    "irfft2": (lambda a: F.irfft2(a, s=(3, 5)), "c", (3, 3)),
    "rfftn": (lambda a: F.rfftn(a, norm="ortho"), "r", (2, 3, 4)),
    "irfftn": (lambda a: F.irfftn(a), "c", (2, 2, 3)),
    "hfft": (lambda a: F.hfft(a, n=5), "c", (3,)),
    "ihfft": (lambda a: F.ihfft(a), "r", (6,)),
    "hfft2": (lambda a: F.hfft2(a), "c", (3, 3)),
    "ihfft2": (lambda a: F.ihfft2(a), "r", (3, 4)),
    "hfftn": (lambda a: F.hfftn(a, s=(2, 5)), "c", (2, 3)),
    "ihfftn": (lambda a: F.ihfftn(a, norm="forward"), "r", (2, 5)),
    "fftshift": (lambda a: F.fftshift(a), "c", (3, 4)),
    "ifftshift": (lambda a: F.ifftshift(a, dim=0), "r", (5,)),
    "power_spectrum": (lambda a: F.rfft(a).abs().pow(2).sum(), "r", (8,)),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradcheck_and_gradgradcheck(name):
    fn, kind, shape = GRAD_CASES[name]
    rng = np.random.default_rng(sorted(GRAD_CASES).index(name))
    a = (_c if kind == "c" else _r)(rng, *shape)
    assert gradcheck(fn, (a,))
    assert gradgradcheck(fn, (a,))


def test_gradients_equal_pytorchs():
    """Values from PyTorch 2.13 for the same inputs (irfft's doubled bins, and |fft|^2 of a padded real signal)."""
    z = mdl.tensor([1 + 2j, -0.5 + 1j, 2 - 1j, 0.25 + 0.5j], dtype=mdl.complex128, requires_grad=True)
    w = mdl.tensor([1.0, -2.0, 0.5, 3.0, -1.0, 2.0], dtype=mdl.float64)
    (F.irfft(z, n=6) * w).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), 2 * np.fft.rfft(w.numpy(), norm="forward") * [0.5, 1, 1, 0.5])
    x = mdl.tensor([1.0, -2.0, 0.5], dtype=mdl.float64, requires_grad=True)
    F.fft(x, n=5).abs().pow(2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 5 * x.detach().numpy())   # Parseval: sum |X|^2 = n sum x^2
