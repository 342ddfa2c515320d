"""``Tensor.stft`` / ``Tensor.istft`` (PyTorch's methods), set on the class by :func:`install`."""
from __future__ import annotations

__all__ = ["install"]


def _stft(self, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode="reflect",
          normalized=False, onesided=None, return_complex=None, align_to_window=None):
    """Short-time Fourier transform of this (L,) or (B, L) tensor: see :func:`minidl.stft`."""
    from .spectral import stft
    return stft(self, n_fft, hop_length=hop_length, win_length=win_length, window=window, center=center,
                pad_mode=pad_mode, normalized=normalized, onesided=onesided, return_complex=return_complex,
                align_to_window=align_to_window)


def _istft(self, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
           onesided=None, length=None, return_complex=False):
    """Inverse short-time Fourier transform of this complex (B?, N, T) tensor: see :func:`minidl.istft`."""
    from .spectral import istft
    return istft(self, n_fft, hop_length=hop_length, win_length=win_length, window=window, center=center,
                 normalized=normalized, onesided=onesided, length=length, return_complex=return_complex)


def install():
    """Set ``stft`` and ``istft`` on :class:`minidl.Tensor`."""
    from .tensor import Tensor
    _stft.__name__, _istft.__name__ = "stft", "istft"
    Tensor.stft = _stft
    Tensor.istft = _istft
