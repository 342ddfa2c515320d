"""Short-time Fourier transforms: PyTorch's ``torch.stft`` and ``torch.istft``, differentiable.

Both are built from differentiable ops (padding, ``Tensor.unfold`` framing,
the one-axis FFTs of :mod:`minidl.fft`, ``nn.functional.fold`` for the
overlap-add), so gradients of any order reach the signal and the window.
Argument checks, defaults, dtypes and error messages follow PyTorch 2.13.
"""
from __future__ import annotations

import numbers
import warnings

from . import fft as _fft
from .tensor import Tensor

__all__ = ["stft", "istft"]

_TYPE_NAMES = {"float32": "Float", "float64": "Double", "complex64": "ComplexFloat", "complex128": "ComplexDouble",
               "float16": "Half", "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
               "uint8": "Byte", "bool": "Bool"}
_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _type_name(array):
    return _TYPE_NAMES.get(array.dtype.name, array.dtype.name)


def _describe(t):
    return f"torch.{_type_name(t.array)}Tensor[{', '.join(str(n) for n in t.shape)}]"


def _int_or(value, default, name):
    if value is None:
        return default
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return int(value)


def _padded_window(window, win_length, n_fft, real_dtype, xp):
    """The window as an n_fft-long Tensor, zero-padded equally on both sides (ones when ``window`` is None)."""
    from .nn.functional import pad
    if window is None:
        window = Tensor(xp.ones(win_length, dtype=real_dtype))
    left = (n_fft - win_length) // 2
    if win_length < n_fft:
        window = pad(window, (left, n_fft - win_length - left))
    return window


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode="reflect",
         normalized=False, onesided=None, return_complex=None, align_to_window=None):
    """Short-time Fourier transform of a (L,) or (B, L) signal.

    Frames of ``n_fft`` samples, ``hop_length`` apart (default ``n_fft // 4``), are multiplied by ``window``
    (length ``win_length``, default ``n_fft``, zero-padded to ``n_fft`` in the middle; ``None`` means ones)
    and Fourier transformed. ``center`` pads ``n_fft // 2`` samples on both sides with ``pad_mode`` first;
    ``normalized`` scales by ``n_fft ** -0.5``; ``onesided`` (default True for real input and window) keeps
    the ``n_fft // 2 + 1`` non-negative frequencies. Returns a complex (B?, N, T) tensor when
    ``return_complex=True`` (required for real input, as PyTorch), or its ``view_as_real`` (B?, N, T, 2) when
    False (deprecated in PyTorch). ``align_to_window`` (only with ``center=False``) starts each frame's
    window, rather than its ``n_fft`` span, at ``m * hop_length``.
    """
    from .nn.functional import pad
    from .ops.complex import view_as_real
    if not isinstance(input, Tensor):
        raise TypeError(f"stft(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    n_fft = _int_or(n_fft, None, "n_fft")
    hop_length = _int_or(hop_length, n_fft // 4, "hop_length")
    win_length = _int_or(win_length, n_fft, "win_length")
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied,which is known to cause "
                      "spectral leakage. Other windows such as torch.hann_window or torch.hamming_window are "
                      "recommended to reduce spectral leakage.To suppress this warning and use a rectangular window, "
                      "explicitly set `window=torch.ones(n_fft, device=<device>)`.", UserWarning, stacklevel=2)
    x = input
    if center:
        if pad_mode not in _PAD_MODES:
            raise NotImplementedError(f"Unrecognised padding mode {pad_mode}")
        if x.ndim in (1, 2):
            half = n_fft // 2
            length = x.shape[-1]
            if pad_mode == "reflect" and half >= length or pad_mode == "circular" and half > length:
                batch = 1 if x.ndim == 1 else x.shape[0]
                raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input "
                                   f"dimension, but got: padding ({half}, {half}) at dimension 2 of input "
                                   f"[{batch}, 1, {length}]")
            x = pad(x.reshape((-1, 1, length)), (half, half), mode=pad_mode).reshape(x.shape[:-1] + (-1,))
    window_text = "None" if window is None else f"torch.{_type_name(window.array)}Tensor{{[{window.shape[0]}]}}"

    def fail(message):
        raise RuntimeError(f"stft({_describe(x)}, n_fft={n_fft}, hop_length={hop_length}, win_length={win_length}, "
                           f"window={window_text}, normalized={int(bool(normalized))}, onesided={onesided}, "
                           f"return_complex={None if return_complex is None else int(return_complex)}, "
                           f"align_to_window={align_to_window}) : {message}")

    kind = x.array.dtype.kind
    complex_in = kind == "c" or (window is not None and window.array.dtype.kind == "c")
    if return_complex is None:
        if not complex_in:
            raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will "
                               "further require that return_complex=True in a future PyTorch release.")
        return_complex = True
    if kind not in "fc" or x.array.dtype.itemsize < 4 and kind == "f":
        fail("expected a tensor of floating point or complex values")
    if x.ndim not in (1, 2):
        fail("expected a 1D or 2D tensor")
    signal = x.unsqueeze(0) if x.ndim == 1 else x
    length = signal.shape[1]
    if not 0 < n_fft <= length:
        fail(f"expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop_length <= 0:
        fail(f"expected hop_length > 0, but got hop_length={hop_length}")
    if not 0 < win_length <= n_fft:
        fail(f"expected 0 < win_length <= n_fft, but got win_length={win_length}")
    if window is not None and (window.ndim != 1 or window.shape[0] != win_length):
        fail(f"expected a 1D window tensor of size equal to win_length={win_length}, but got window with size "
             f"{list(window.shape)}")
    onesided = not complex_in if onesided is None else bool(onesided)
    if onesided and complex_in:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    if not return_complex:
        warnings.warn("stft with return_complex=False is deprecated. In a future pytorch release, stft will return "
                      "complex tensors for all inputs, and return_complex=False will raise an error.\nNote: you can "
                      "still call torch.view_as_real on the complex output to recover the old return format.",
                      UserWarning, stacklevel=2)
    real_dtype = x.array.real.dtype
    full_window = _padded_window(window, win_length, n_fft, real_dtype, x.xp)
    if align_to_window:
        left = (n_fft - win_length) // 2
        signal = pad(signal, (left, n_fft - win_length - left))
    frames = signal.unfold(-1, n_fft, hop_length) * full_window          # (B, T, n_fft)
    norm = "ortho" if normalized else "backward"
    spectrum = _fft.rfft(frames, dim=-1, norm=norm) if onesided else _fft.fft(frames, dim=-1, norm=norm)
    out = spectrum.transpose(1, 2)                                          # (B, N, T)
    if input.ndim == 1:
        out = out.squeeze(0)
    return out if return_complex else view_as_real(out)


def _overlap_add(frames, hop_length, total):
    """Sum (B, n_fft, T) real frames placed ``hop_length`` apart into (B, total) signals (``fold``)."""
    from .nn.functional import fold
    n_fft = frames.shape[1]
    return fold(frames, (1, total), (1, n_fft), stride=(1, hop_length)).reshape((frames.shape[0], total))


def _overlap_add_any(frames, hop_length, total, make_complex):
    """:func:`_overlap_add` of real or complex frames (complex ones part by part)."""
    if frames.array.dtype.kind != "c":
        return _overlap_add(frames, hop_length, total)
    return make_complex(_overlap_add(frames.real.contiguous(), hop_length, total),
                        _overlap_add(frames.imag.contiguous(), hop_length, total))


def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
          onesided=None, length=None, return_complex=False):
    """Inverse short-time Fourier transform: the least-squares signal whose :func:`stft` is ``input``.

    ``input``: complex (B?, N, T) as from ``stft(..., return_complex=True)`` (N = ``n_fft // 2 + 1`` when
    onesided, else ``n_fft``); the other arguments must be those given to ``stft``. Frames are inverse
    transformed, multiplied by the window, overlap-added and divided by the overlap-added squared window
    (which must not vanish: PyTorch's NOLA check). ``center`` trims ``n_fft // 2`` samples at both ends;
    ``length`` trims or zero-pads the result to that many samples. Returns a real (B?, L) tensor, or a complex
    one with ``return_complex=True`` (for two-sided input or complex windows).
    """
    from .nn.functional import pad
    from .ops.complex import complex as make_complex
    if not isinstance(input, Tensor):
        raise TypeError(f"istft(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.array.dtype.kind != "c":
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    n_fft = _int_or(n_fft, None, "n_fft")
    hop_length = _int_or(hop_length, n_fft // 4, "hop_length")
    win_length = _int_or(win_length, n_fft, "win_length")
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied.Please provide the same "
                      "window used by stft to make the inversion lossless.To suppress this warning and use a "
                      "rectangular window, explicitly set `window=torch.ones(n_fft, device=<device>)`.",
                      UserWarning, stacklevel=2)
    fft_size = input.shape[-2] if input.ndim >= 2 else 0
    shown_onesided = "None" if onesided is None else int(bool(onesided))
    window_text = "None" if window is None else f"torch.{_type_name(window.array)}Tensor{{[{window.shape[0]}]}}"

    def fail(message):
        raise RuntimeError(f"istft(CPU{_type_name(input.array)}Type[{', '.join(str(n) for n in input.shape)}], "
                           f"n_fft={n_fft}, hop_length={hop_length}, win_length={win_length}, window={window_text}, "
                           f"center={int(bool(center))}, normalized={int(bool(normalized))}, onesided="
                           f"{shown_onesided}, length={length}, "
                           f"return_complex={int(bool(return_complex))}) {message}")

    if input.ndim not in (2, 3):
        fail(f": expected a tensor with 3 or 4 dimensions, but got {input.ndim + 1}")
    spec = input.unsqueeze(0) if input.ndim == 2 else input
    n_frames = spec.shape[-1]
    if not 0 < win_length <= n_fft:
        fail(f": expected 0 < win_length <= n_fft, but got win_length={win_length}")
    if not 0 < hop_length <= win_length:
        fail(f": expected 0 < hop_length <= win_length, but got hop_length={hop_length}")
    if window is not None and (window.ndim != 1 or window.shape[0] != win_length):
        fail(": Invalid window shape. window has to be 1D and length of `win_length`")
    onesided = fft_size != n_fft if onesided is None else bool(onesided)
    if onesided and fft_size != n_fft // 2 + 1:
        fail(f": expected the frequency dimension (3rd to the last) of the input tensor to match n_fft / 2 + 1 "
             f"when onesided=True, but got {fft_size}")
    if not onesided and fft_size != n_fft:
        fail(f": expected the frequency dimension (3rd to the last) of the input tensor to match n_fft when "
             f"onesided=False, but got {fft_size}")
    complex_window = window is not None and window.array.dtype.kind == "c"
    if return_complex:
        if onesided:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
    elif complex_window:
        raise RuntimeError("Complex windows are incompatible with return_complex=False")
    real_dtype = input.array.real.dtype
    full_window = _padded_window(window, win_length, n_fft, real_dtype, input.xp)
    frames = spec.transpose(1, 2)                                          # (B, T, N)
    norm = "ortho" if normalized else "backward"
    if return_complex:
        frames = _fft.ifft(frames, dim=-1, norm=norm)
    else:
        if not onesided:
            frames = frames[..., :n_fft // 2 + 1]
        frames = _fft.irfft(frames, n=n_fft, dim=-1, norm=norm)
    frames = (frames * full_window).transpose(1, 2)                        # (B, n_fft, T)
    total = n_fft + hop_length * (n_frames - 1)
    signal = _overlap_add_any(frames, hop_length, total, make_complex)
    square = full_window * full_window          # w**2, not |w|**2: the frames were multiplied by w, not conj(w)
    envelope = _overlap_add_any(square.reshape((1, n_fft, 1)).expand((1, n_fft, n_frames)).contiguous(),
                                hop_length, total, make_complex)[0]
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + int(length)
    else:
        end = total - n_fft // 2 if center else total
    end = min(end, total)
    signal, envelope = signal[:, start:end], envelope[start:end]
    if envelope.shape[0] and float(abs(envelope.array).min()) < 1e-11:
        fail("window overlap add min: 1")
    signal = signal / envelope
    if length is not None and start + int(length) > total:
        warnings.warn("The length of signal is shorter than the length parameter. Result is being padded with zeros "
                      "in the tail. Please check your center and hop_length settings.", UserWarning, stacklevel=2)
        signal = pad(signal, (0, start + int(length) - total))
    return signal.squeeze(0) if input.ndim == 2 else signal
