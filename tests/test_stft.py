"""minidl.stft / minidl.istft (torch.stft / torch.istft): values against a plain NumPy short-time Fourier
transform, the round trip istft(stft(x)) == x, PyTorch's arguments, dtypes and errors, and float64 first and
second derivatives (gradcheck/gradgradcheck) with respect to the signal and the window."""
import warnings

import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import gradcheck, gradgradcheck

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def numpy_stft(x, n_fft, hop, win_length, window, center, pad_mode, normalized, onesided, align=False):
    """The textbook STFT of a 1-D signal: (N, T) frames of n_fft samples hop apart, times the centred window."""
    if window is None:
        window = np.ones(win_length)
    left = (n_fft - win_length) // 2
    full = np.zeros(n_fft, dtype=np.result_type(window, np.float64))
    full[left:left + win_length] = window
    if center:
        x = np.pad(x, n_fft // 2, mode={"replicate": "edge", "circular": "wrap"}.get(pad_mode, pad_mode))
    if align:
        x = np.pad(x, (left, n_fft - win_length - left))
    count = 1 + (len(x) - n_fft) // hop
    frames = np.stack([x[m * hop:m * hop + n_fft] * full for m in range(count)], axis=1)
    spec = np.fft.fft(frames, axis=0)
    if normalized:
        spec = spec / np.sqrt(n_fft)
    return spec[:n_fft // 2 + 1] if onesided else spec


CASES = [dict(n_fft=16), dict(n_fft=16, hop_length=3, win_length=11, window=True),
         dict(n_fft=15, center=False, normalized=True), dict(n_fft=16, pad_mode="constant", onesided=False),
         dict(n_fft=12, pad_mode="replicate", hop_length=5), dict(n_fft=12, pad_mode="circular", hop_length=2),
         dict(n_fft=16, hop_length=5, win_length=11, window=True, center=False, align_to_window=True)]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("complex_input", [False, True])
def test_stft_matches_numpy(case, complex_input):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 57))
    if complex_input:
        if case.get("onesided") is not None:
            return
        x = x + 1j * rng.standard_normal((2, 57))
    window = rng.random(case.get("win_length", case["n_fft"])) + 0.5 if case.get("window") else None
    kwargs = dict(case, window=None if window is None else mdl.tensor(window))
    got = mdl.stft(mdl.tensor(x), return_complex=True, **kwargs)
    onesided = case.get("onesided", not complex_input)
    expected = np.stack([numpy_stft(row, case["n_fft"], case.get("hop_length", case["n_fft"] // 4),
                                    case.get("win_length", case["n_fft"]), window, case.get("center", True),
                                    case.get("pad_mode", "reflect"), case.get("normalized", False), onesided,
                                    case.get("align_to_window", False)) for row in x])
    assert got.dtype == mdl.complex128 and tuple(got.shape) == expected.shape
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-12)
    one = mdl.stft(mdl.tensor(x[0]), return_complex=True, **kwargs)
    np.testing.assert_allclose(one.numpy(), expected[0], atol=1e-12)


@pytest.mark.parametrize("case", CASES[:6])
@pytest.mark.parametrize("complex_input", [False, True])
def test_istft_inverts_stft(case, complex_input):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 61))
    if complex_input:
        if case.get("onesided") is not None:
            return
        x = x + 1j * rng.standard_normal((3, 61))
    window = mdl.tensor(rng.random(case.get("win_length", case["n_fft"])) + 0.5) if case.get("window") else None
    kwargs = {k: v for k, v in case.items() if k not in ("pad_mode", "window")}
    spec = mdl.stft(mdl.tensor(x), return_complex=True, window=window, pad_mode=case.get("pad_mode", "reflect"),
                    **kwargs)
    center = case.get("center", True)
    back = mdl.istft(spec, window=window, length=61 if center else None, return_complex=complex_input, **kwargs)
    expected = x if center else x[:, :back.shape[-1]]
    assert back.dtype == (mdl.complex128 if complex_input else mdl.float64)
    np.testing.assert_allclose(back.numpy(), expected, atol=1e-12)
    assert mdl.istft(spec[0], window=window, length=61 if center else None, return_complex=complex_input,
                     **kwargs).shape == back.shape[1:]


def test_istft_length_defaults_and_padding():
    x = mdl.randn(100, dtype=mdl.float64)
    spec = x.stft(16, window=mdl.hann_window(16, dtype=mdl.float64), return_complex=True)
    assert tuple(spec.shape) == (9, 26)
    back = spec.istft(16, window=mdl.hann_window(16, dtype=mdl.float64))
    assert tuple(back.shape) == (100,)                          # (T - 1) * hop_length
    np.testing.assert_allclose(back.numpy(), x.numpy(), atol=1e-12)
    with pytest.warns(UserWarning, match="padded with zeros"):
        longer = mdl.istft(spec, 16, window=mdl.hann_window(16, dtype=mdl.float64), length=120)
    assert tuple(longer.shape) == (120,) and not longer.numpy()[108:].any()


def test_dtypes_and_return_complex_false():
    x = mdl.randn(40)
    spec = mdl.stft(x, 8, window=mdl.hann_window(8), return_complex=True)
    assert spec.dtype == mdl.complex64
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        pairs = mdl.stft(x, 8, window=mdl.hann_window(8), return_complex=False)
    assert tuple(pairs.shape) == (5, 21, 2) and pairs.dtype == mdl.float32
    np.testing.assert_allclose(pairs.numpy(), mdl.view_as_real(spec).numpy())
    assert mdl.istft(spec, 8, window=mdl.hann_window(8)).dtype == mdl.float32
    assert mdl.stft(x.to(mdl.complex64), 8, window=mdl.hann_window(8)).shape == (8, 21)   # complex: two-sided


def test_window_warning():
    with pytest.warns(UserWarning, match="A window was not provided"):
        mdl.stft(mdl.randn(40), 8, return_complex=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mdl.stft(mdl.randn(40), 8, window=mdl.ones(8), return_complex=True)


@pytest.mark.parametrize("call, error, match", [
    (lambda x: mdl.stft(x, 16), RuntimeError, "requires the return_complex parameter"),
    (lambda x: mdl.stft(x, 16, window=mdl.ones(10), return_complex=True), RuntimeError,
     "expected a 1D window tensor of size equal to win_length=16"),
    (lambda x: mdl.stft(x, 200, return_complex=True), RuntimeError, "Padding size should be less than"),
    (lambda x: mdl.stft(x, 200, center=False, return_complex=True), RuntimeError, "expected 0 < n_fft < 100"),
    (lambda x: mdl.stft(x, 16, hop_length=0, return_complex=True), RuntimeError, "expected hop_length > 0"),
    (lambda x: mdl.stft(x, 16, win_length=20, return_complex=True), RuntimeError, "0 < win_length <= n_fft"),
    (lambda x: mdl.stft(x.reshape(2, 5, 10), 4, return_complex=True), RuntimeError, "expected a 1D or 2D tensor"),
    (lambda x: mdl.stft(x, 16, pad_mode="foo", return_complex=True), NotImplementedError, "padding mode foo"),
    (lambda x: mdl.stft(mdl.arange(20), 16, return_complex=True), RuntimeError, "floating point or complex"),
    (lambda x: mdl.stft(x.to(mdl.complex128), 16, onesided=True), RuntimeError, "Cannot have onesided output"),
    (lambda x: mdl.stft(x, 16, return_complex=True, align_to_window=True), RuntimeError,
     "align_to_window should only be set when center = false"),
    (lambda x: mdl.istft(x, 16), RuntimeError, "istft requires a complex-valued input"),
    (lambda x: mdl.istft(mdl.stft(x, 16, return_complex=True), 12), RuntimeError, "match n_fft / 2 \\+ 1"),
    (lambda x: mdl.istft(mdl.stft(x, 16, return_complex=True), 16, onesided=False), RuntimeError,
     "match n_fft when onesided=False"),
    (lambda x: mdl.istft(mdl.zeros(3, 3, 3, 3, dtype=mdl.cfloat), 4), RuntimeError, "3 or 4 dimensions, but got 5"),
    (lambda x: mdl.istft(mdl.stft(x, 16, return_complex=True), 16, return_complex=True), RuntimeError,
     "Cannot have onesided output"),
    (lambda x: mdl.istft(mdl.stft(x, 16, window=mdl.hann_window(16, dtype=mdl.float64), center=False,
                                  return_complex=True), 16, window=mdl.hann_window(16, dtype=mdl.float64),
                         center=False), RuntimeError, "window overlap add min"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(mdl.randn(100, dtype=mdl.float64))


def test_complex_window_round_trip_and_refusal():
    x = mdl.arange(40, dtype=mdl.float64) / 7
    window = mdl.hann_window(8, dtype=mdl.float64).to(mdl.cdouble) * (1 + 0.5j)
    spec = mdl.stft(x, 8, hop_length=2, window=window, return_complex=True)
    assert tuple(spec.shape) == (8, 21)                          # complex window: two-sided
    back = mdl.istft(spec, 8, hop_length=2, window=window, return_complex=True, length=40)
    np.testing.assert_allclose(back.numpy(), x.numpy(), atol=1e-12)
    with pytest.raises(RuntimeError, match="^Complex windows are incompatible with return_complex=False$"):
        mdl.istft(spec, 8, hop_length=2, window=window)


def test_gradcheck_stft_signal_and_window():
    rng = np.random.default_rng(3)
    x = mdl.tensor(rng.standard_normal((2, 13)), requires_grad=True)
    w = mdl.tensor(rng.random(5) + 0.5, requires_grad=True)

    def fn(signal, window):
        return mdl.stft(signal, 6, hop_length=2, win_length=5, window=window, return_complex=True)

    assert gradcheck(fn, (x, w))
    assert gradgradcheck(fn, (x, w))
    z = mdl.tensor(rng.standard_normal(11) + 1j * rng.standard_normal(11), requires_grad=True)

    def two_sided(signal):
        return mdl.stft(signal, 4, window=mdl.hann_window(4, dtype=mdl.float64), normalized=True,
                        pad_mode="constant")

    assert gradcheck(two_sided, (z,))
    assert gradgradcheck(two_sided, (z,))


def test_gradcheck_istft():
    rng = np.random.default_rng(4)
    spec = mdl.stft(mdl.tensor(rng.standard_normal(13)), 6, hop_length=2, window=mdl.hann_window(6, dtype=mdl.float64),
                    return_complex=True).detach().requires_grad_()
    w = mdl.tensor(rng.random(6) + 0.5, requires_grad=True)

    def fn(s, window):
        return mdl.istft(s, 6, hop_length=2, window=window, length=13)

    assert gradcheck(fn, (spec, w))
    assert gradgradcheck(fn, (spec, w))
    full = mdl.tensor(rng.standard_normal((6, 4)) + 1j * rng.standard_normal((6, 4)), requires_grad=True)
    assert gradcheck(lambda s: mdl.istft(s, 6, hop_length=2, window=w.detach(), return_complex=True), (full,))
