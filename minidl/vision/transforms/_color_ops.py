"""Colour kernels behind :mod:`minidl.vision.transforms.functional` for Tensor images.

Every kernel takes an (N, C, H, W) NumPy array, uint8 (0-255) or float (0-1),
and returns one of the same dtype, computing as torchvision's tensor functions
do: integer images are computed in float32 and cast back by truncation
(``.to(uint8)``) where torchvision truncates, and rounded where it rounds
(blurs). Errors name the function and the offending value.
"""
from __future__ import annotations

import numpy as np

__all__ = ["max_value", "check_channels", "blend", "rgb_to_grayscale", "adjust_brightness", "adjust_contrast",
           "adjust_saturation", "adjust_hue", "adjust_sharpness", "adjust_gamma", "invert", "posterize",
           "solarize", "autocontrast", "equalize", "gaussian_blur", "to_float", "from_float"]

_LUMA = (np.float32(0.2989), np.float32(0.587), np.float32(0.114))


def max_value(dtype) -> float:
    """The brightest value of an image of ``dtype``: 1.0 for floats, the type's maximum for integers."""
    dtype = np.dtype(dtype)
    return 1.0 if dtype.kind == "f" else float(np.iinfo(dtype).max)


def check_channels(x, allowed):
    """TypeError unless ``x`` (N, C, H, W) has a channel count in ``allowed``."""
    if x.shape[1] not in allowed:
        raise TypeError(f"Input image tensor permitted channel values are {list(allowed)}, but found {x.shape[1]}")


def _compute_dtype(x):
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)


def _cast_back(y, dtype):
    """``y`` as ``dtype``; integers are truncated towards zero, as a torch ``.to(dtype)``."""
    return y.astype(dtype)


def _per_image(value, dtype):
    """A scalar, or an (N,) array of per-image values shaped (N, 1, 1, 1), in ``dtype``."""
    arr = np.asarray(value, np.float64)
    return (arr.reshape(-1, 1, 1, 1) if arr.ndim else arr).astype(dtype)


def blend(img1, img2, ratio):
    """``ratio * img1 + (1 - ratio) * img2`` clipped to the image range, in ``img1``'s dtype.

    ratio: a number, or one per image (N,)."""
    ct = _compute_dtype(img1)
    out = _per_image(ratio, ct) * img1.astype(ct) + _per_image(1.0 - np.asarray(ratio, np.float64), ct) * \
        np.asarray(img2).astype(ct)
    return _cast_back(np.clip(out, 0, max_value(img1.dtype)), img1.dtype)


def to_float(x):
    """uint8 / integer image -> float32 in [0, 1] (float images are returned as they are)."""
    if x.dtype.kind == "f":
        return x
    return x.astype(np.float32) / np.float32(max_value(x.dtype))


def from_float(y, dtype):
    """A float image in [0, 1] back to ``dtype`` as torchvision's convert_image_dtype does."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return y.astype(dtype)
    top = max_value(dtype)
    return (y * np.float32(top + 1.0 - 1e-3)).astype(dtype)


def rgb_to_grayscale(x, num_output_channels=1):
    """ITU-R 601-2 luma ``0.2989 R + 0.587 G + 0.114 B`` (N, 1|3, H, W), in ``x``'s dtype (truncated)."""
    check_channels(x, (1, 3))
    if x.shape[1] == 3:
        ct = _compute_dtype(x)
        r, g, b = (x[:, i:i + 1].astype(ct) for i in range(3))
        grey = _cast_back(_LUMA[0].astype(ct) * r + _LUMA[1].astype(ct) * g + _LUMA[2].astype(ct) * b, x.dtype)
    else:
        grey = x.copy()
    # a one-channel image stays one channel (torchvision expands the grey image to the input's shape)
    return np.repeat(grey, num_output_channels, axis=1) if num_output_channels == 3 and x.shape[1] == 3 else grey


def adjust_brightness(x, factor):
    """``x * factor`` clipped (blend with black)."""
    check_channels(x, (1, 3))
    return blend(x, np.zeros((), x.dtype), factor)


def adjust_contrast(x, factor):
    """Blend with the mean grey level of each image."""
    check_channels(x, (1, 3))
    ct = _compute_dtype(x)
    grey = rgb_to_grayscale(x) if x.shape[1] == 3 else x
    mean = grey.astype(ct).mean(axis=(1, 2, 3), keepdims=True, dtype=ct)
    return blend(x, mean, factor)


def adjust_saturation(x, factor):
    """Blend with the grey image (one-channel images are returned unchanged)."""
    check_channels(x, (1, 3))
    if x.shape[1] == 1:
        return x.copy()
    return blend(x, rgb_to_grayscale(x), factor)


def _rgb_to_hsv(rgb):
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    maxc, minc = rgb.max(axis=1), rgb.min(axis=1)
    flat = maxc == minc
    span = maxc - minc
    ones = np.ones_like(maxc)
    s = span / np.where(flat, ones, maxc)
    divisor = np.where(flat, ones, span)
    rc, gc, bc = (maxc - r) / divisor, (maxc - g) / divisor, (maxc - b) / divisor
    hue = np.where(maxc == r, bc - gc, 0)
    hue = hue + np.where((maxc == g) & (maxc != r), 2.0 + rc - bc, 0)
    hue = hue + np.where((maxc != g) & (maxc != r), 4.0 + gc - rc, 0)
    hue = np.fmod(hue / 6.0 + 1.0, 1.0)
    return np.stack([hue, s, maxc], axis=1).astype(rgb.dtype)


def _hsv_to_rgb(hsv):
    h, s, v = hsv[:, 0], hsv[:, 1], hsv[:, 2]
    sector = np.floor(h * 6.0)
    f = h * 6.0 - sector
    sector = sector.astype(np.int64) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    # (r, g, b) per hue sector 0..5
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    conds = [sector == k for k in range(6)]
    out = [np.select(conds, [row[ch] for row in table]) for ch in range(3)]
    return np.stack(out, axis=1).astype(hsv.dtype)


def adjust_hue(x, hue_factor):
    """Rotate the hue (HSV) by ``hue_factor`` of a turn (a number or one per image); one-channel images are
    unchanged."""
    check_channels(x, (1, 3))
    if x.shape[1] == 1:
        return x.copy()
    hsv = _rgb_to_hsv(to_float(x))
    shift = _per_image(hue_factor, hsv.dtype)
    hsv[:, 0] = np.mod(hsv[:, 0] + (shift[:, 0] if shift.ndim else shift), 1.0)
    return from_float(_hsv_to_rgb(hsv), x.dtype)


def _conv_same(x, kernel):
    """Depthwise 2-D correlation of float ``x`` (N, C, H, W) with ``kernel`` (kh, kw), no padding."""
    kh, kw = kernel.shape
    h, w = x.shape[2] - kh + 1, x.shape[3] - kw + 1
    out = np.zeros(x.shape[:2] + (h, w), x.dtype)
    for i in range(kh):
        for j in range(kw):
            out += kernel[i, j] * x[:, :, i:i + h, j:j + w]
    return out


def _round_back(y, dtype):
    if np.dtype(dtype).kind == "f":
        return y.astype(dtype)
    return np.clip(np.rint(y), 0, max_value(dtype)).astype(dtype)


def adjust_sharpness(x, factor):
    """Blend with a smoothed copy (3x3 kernel 1,1,1 / 1,5,1 / 1,1,1 over 13; borders kept)."""
    check_channels(x, (1, 3))
    if x.shape[2] <= 2 or x.shape[3] <= 2:
        return x.copy()
    ct = _compute_dtype(x)
    kernel = np.ones((3, 3), ct)
    kernel[1, 1] = 5
    kernel /= kernel.sum()
    smooth = _round_back(_conv_same(x.astype(ct), kernel), x.dtype)
    degenerate = x.copy()
    degenerate[:, :, 1:-1, 1:-1] = smooth
    return blend(x, degenerate, factor)


def adjust_gamma(x, gamma, gain=1.0):
    """``gain * x ** gamma`` in [0, 1] scale, clipped, back in ``x``'s dtype."""
    y = np.clip(np.float32(gain) * to_float(x) ** np.float32(gamma), 0.0, 1.0)
    return from_float(y, x.dtype)


def invert(x):
    """``max - x`` (255 - x for uint8, 1 - x for floats)."""
    check_channels(x, (1, 3))
    if x.dtype.kind == "f":
        return (x.dtype.type(1.0) - x).astype(x.dtype)
    return np.bitwise_not(x) if x.dtype == np.uint8 else (max_value(x.dtype) - x).astype(x.dtype)


def posterize(x, bits):
    """Keep the ``bits`` highest bits of each uint8 value."""
    if x.dtype != np.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {_torch_name(x.dtype)}")
    check_channels(x, (1, 3))
    mask = np.uint8((-int(2 ** (8 - bits))) & 0xFF)
    return x & mask


def solarize(x, threshold):
    """Invert the values at or above ``threshold``."""
    check_channels(x, (1, 3))
    if threshold > max_value(x.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    return np.where(x >= threshold, invert(x), x)


def autocontrast(x):
    """Stretch each channel of each image to the full range (flat channels are kept)."""
    check_channels(x, (1, 3))
    top = max_value(x.dtype)
    ct = _compute_dtype(x)
    lo = x.min(axis=(2, 3), keepdims=True).astype(ct)
    hi = x.max(axis=(2, 3), keepdims=True).astype(ct)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = ct.type(top) / (hi - lo)
    flat = ~np.isfinite(scale)
    lo[flat] = 0
    scale[flat] = 1
    return _cast_back(np.clip((x.astype(ct) - lo) * scale, 0, top), x.dtype)


def _equalize_channel(chan):
    hist = np.bincount(chan.ravel(), minlength=256).astype(np.int64)
    nonzero = hist[hist != 0]
    step = int(nonzero[:-1].sum()) // 255
    if step == 0:
        return chan
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.clip(np.concatenate([[0], lut[:-1]]), 0, 255).astype(np.uint8)
    return lut[chan]


def equalize(x):
    """Histogram equalisation of each channel of each uint8 image."""
    if x.dtype != np.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {_torch_name(x.dtype)}")
    check_channels(x, (1, 3))
    out = np.empty_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            out[n, c] = _equalize_channel(x[n, c])
    return out


def gaussian_kernel1d(size, sigma):
    """A normalised Gaussian of ``size`` taps centred on the middle one (float64)."""
    half = (size - 1) * 0.5
    t = np.linspace(-half, half, size)
    pdf = np.exp(-0.5 * (t / sigma) ** 2)
    return pdf / pdf.sum()


def gaussian_blur(x, kernel_size, sigma):
    """Blur with a (kh, kw) Gaussian kernel of (sx, sy) sigmas, reflect padding; uint8 is rounded back.

    kernel_size, sigma: (x, y) pairs, as torchvision's ``[kx, ky]`` and ``[sx, sy]``.
    """
    ct = _compute_dtype(x)
    kx = gaussian_kernel1d(kernel_size[0], sigma[0]).astype(ct)
    ky = gaussian_kernel1d(kernel_size[1], sigma[1]).astype(ct)
    px, py = kernel_size[0] // 2, kernel_size[1] // 2
    padded = np.pad(x.astype(ct), ((0, 0), (0, 0), (py, py), (px, px)), mode="reflect")
    return _round_back(_conv_same(padded, np.outer(ky, kx).astype(ct)), x.dtype)


def _torch_name(dtype):
    return f"torch.{np.dtype(dtype).name}"
