"""One-axis discrete Fourier transforms as differentiable ops (the pieces of :mod:`minidl.fft`).

Each op transforms one axis of an array with the backend's FFT (``numpy.fft``
or the GPU backend's, through :func:`minidl.backend.get_array_module`); the
n-dimensional transforms of :mod:`minidl.fft` apply them axis after axis.

Gradients follow PyTorch's complex convention (:mod:`minidl.ops.complex_conj`).
A DFT with normalisation ``norm`` is linear, so its backward is its adjoint:
the inverse transform with the dual normalisation (``"backward"`` and
``"forward"`` swap, ``"ortho"`` stays). For ``rfft`` the adjoint pads the
half spectrum with zeros before the inverse and keeps the real part; for
``irfft`` (real output from a Hermitian half spectrum, R-linear but not
C-linear) it is ``rfft`` of the gradient with the dual normalisation, the
bins that stand for two conjugate bins of the full spectrum counted twice.
Zero-padding and truncation (the ``n``/``s`` arguments) are :class:`Resize`,
whose adjoint is the opposite resize.
"""
from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module

__all__ = ["Resize", "C2C", "R2C", "C2R", "DUAL_NORM"]

DUAL_NORM = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _resize_array(x, axis, size):
    """``x`` truncated or zero-padded at the end of ``axis`` to ``size`` entries."""
    length = x.shape[axis]
    if length == size:
        return x
    if length > size:
        index = [slice(None)] * x.ndim
        index[axis] = slice(0, size)
        return x[tuple(index)].copy()
    xp = get_array_module(x)
    widths = [(0, 0)] * x.ndim
    widths[axis] = (0, size - length)
    return xp.pad(x, widths)


class Resize(Function):
    """Truncate or zero-pad ``axis`` to ``size``; the gradient is resized back (the adjoint)."""

    _reusable = True

    def name(self):
        """``ConstantPadNdBackward0`` when padding, ``SliceBackward0`` when truncating (PyTorch's nodes)."""
        return "ConstantPadNdBackward0" if self.size > self.length else "SliceBackward0"

    def forward(self, x, axis=-1, size=1):
        self.axis, self.size, self.length = axis, size, x.shape[axis]
        return _resize_array(x, axis, size)

    def backward(self, g):
        return _resize_array(g, self.axis, self.length)

    def backward_graph(self, g):
        return Resize.apply(g, axis=self.axis, size=self.length)


class C2C(Function):
    """Complex-to-complex DFT of one axis (``inverse``: the inverse DFT); gradient: the adjoint transform."""

    _reusable = True

    def name(self):
        """``FftC2CBackward0``: PyTorch's node for complex-to-complex transforms."""
        return "FftC2CBackward0"

    def forward(self, z, axis=-1, norm="backward", inverse=False):
        self.axis, self.norm, self.inverse = axis, norm, inverse
        fft = get_array_module(z).fft
        return (fft.ifft if inverse else fft.fft)(z, axis=axis, norm=norm)

    def backward(self, g):
        fft = get_array_module(g).fft
        return (fft.fft if self.inverse else fft.ifft)(g, axis=self.axis, norm=DUAL_NORM[self.norm])

    def backward_graph(self, g):
        return C2C.apply(g, axis=self.axis, norm=DUAL_NORM[self.norm], inverse=not self.inverse)


class R2C(Function):
    """Real-to-complex DFT of one axis (the n // 2 + 1 non-negative frequencies, as ``rfft``)."""

    def name(self):
        """``FftR2CBackward0``: PyTorch's node for real-to-complex transforms."""
        return "FftR2CBackward0"

    def forward(self, x, axis=-1, norm="backward"):
        self.axis, self.norm, self.length = axis, norm, x.shape[axis]
        return get_array_module(x).fft.rfft(x, axis=axis, norm=norm)

    def backward(self, g):
        full = _resize_array(g, self.axis, self.length)
        return get_array_module(g).fft.ifft(full, axis=self.axis, norm=DUAL_NORM[self.norm]).real

    def backward_graph(self, g):
        from .complex import real
        full = Resize.apply(g, axis=self.axis, size=self.length)
        return real(C2C.apply(full, axis=self.axis, norm=DUAL_NORM[self.norm], inverse=True))


class C2R(Function):
    """Complex-to-real inverse DFT of one axis from the n // 2 + 1 non-negative frequencies (``irfft``).

    The input must already hold exactly n // 2 + 1 bins along ``axis`` (:class:`Resize` first);
    the imaginary parts of the zero (and, for even n, the Nyquist) bin are ignored, as in ``irfft``.
    """

    def name(self):
        """``FftC2RBackward0``: PyTorch's node for complex-to-real transforms."""
        return "FftC2RBackward0"

    def forward(self, z, axis=-1, norm="backward", n=2):
        self.axis, self.norm, self.n = axis, norm, n
        return get_array_module(z).fft.irfft(z, n=n, axis=axis, norm=norm)

    def _twice(self, xp, ndim, dtype):
        """The weights of the half-spectrum bins: 2 for those standing for two conjugate bins, else 1."""
        bins = self.n // 2 + 1
        weights = xp.full(bins, 2, dtype=dtype)
        weights[0] = 1
        if self.n % 2 == 0:
            weights[-1] = 1
        shape = [1] * ndim
        shape[self.axis] = bins
        return weights.reshape(shape)

    def backward(self, g):
        xp = get_array_module(g)
        half = xp.fft.rfft(g, axis=self.axis, norm=DUAL_NORM[self.norm])
        return half * self._twice(xp, g.ndim, g.dtype)

    def backward_graph(self, g):
        from ..tensor import Tensor
        half = R2C.apply(g, axis=self.axis, norm=DUAL_NORM[self.norm])
        return half * Tensor(self._twice(get_array_module(g.array), g.ndim, g.array.dtype))
