"""Geometry kernels behind :mod:`minidl.vision.transforms.functional` for Tensor images.

Arrays are (N, C, H, W), uint8 or float. Resampling computes in float32 and
rounds back to uint8, as torchvision's tensor functions. The affine and
perspective maps follow torchvision's conventions: :func:`inverse_affine_matrix`
gives the output-to-input map about a centre (PIL's ``Image.AFFINE`` data
when the centre is in pixel units, torchvision's tensor map when it is relative
to the image centre); sampling is ``grid_sample(align_corners=False)``'s:
bilinear or nearest, zeros outside, and ``fill`` blended in through a
sampled mask.
"""
from __future__ import annotations

import math

import numpy as np

from ...data.geometry import apply_separable, resize_matrices, sample_points
from ...ops._interp_aa import aa_matrix

__all__ = ["inverse_affine_matrix", "affine_output_size", "warp_affine", "perspective_coeffs",
           "warp_perspective", "warp_elastic", "sample_grid", "resize_array", "crop_array", "pad_array"]


def inverse_affine_matrix(center, angle, translate, scale, shear):
    """The 6 numbers ``[a, b, c, d, e, f]`` mapping an output point to its input point:
    ``x_in = a x + b y + c``, ``y_in = d x + e y + f``.

    The forward map is ``T(translate) C R(angle) Sh(shear) S(scale) C^-1`` with
    ``C`` the shift to ``center``; ``angle`` and ``shear`` are in degrees,
    positive ``angle`` turning clockwise on screen (y points down).
    """
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    # rotation times shear; its determinant is 1, so its inverse is the adjugate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0]
    m[2] = m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx
    m[5] = m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy
    return m


def affine_output_size(matrix, width, height):
    """The (width, height) that holds the whole image after the map ``matrix`` (rotate's ``expand``),
    computed in float32 as torchvision's (float64 noise would round a 90 degree turn one pixel up)."""
    corners = np.array([[-0.5 * width, -0.5 * height, 1.0], [-0.5 * width, 0.5 * height, 1.0],
                        [0.5 * width, 0.5 * height, 1.0], [0.5 * width, -0.5 * height, 1.0]], np.float32)
    theta = np.asarray(matrix, np.float32).reshape(2, 3)
    pts = corners @ theta.T
    half = np.array([0.5 * width, 0.5 * height], np.float32)
    lo, hi = pts.min(axis=0) + half, pts.max(axis=0) + half   # in [0, w] x [0, h], as Pillow's
    tol = np.float32(1e-4)  # ignore float noise before rounding outwards
    size = np.ceil(np.trunc(hi / tol) * tol) - np.floor(np.trunc(lo / tol) * tol)
    return int(size[0]), int(size[1])


def _unnormalise(g, size):
    """``grid_sample``'s (align_corners=False) pixel coordinate of the normalised coordinate ``g``."""
    return ((g + 1) * g.dtype.type(size) - 1) / g.dtype.type(2)


def _fill_values(fill, channels):
    if fill is None:
        return None
    values = [float(f) for f in fill] if isinstance(fill, (list, tuple)) else [float(fill)]
    if len(values) not in (1, channels):
        raise ValueError(f"The number of elements in 'fill' cannot broadcast to match the number of channels "
                         f"of the image ({len(values)} != {channels})")
    return np.asarray(values, np.float32).reshape(1, -1, 1, 1)


def sample_grid(x, sx, sy, mode, fill):
    """torchvision's ``_apply_grid_transform``: sample ``x`` (N, C, H, W) at input pixel coordinates
    (sx, sy), each (N, h, w), with zeros outside, and blend ``fill`` (None, a number or one per channel)
    by a sampled mask; integer images are rounded back."""
    dtype = x.dtype
    xf = x.astype(np.float32)
    if mode == "nearest":  # grid_sample's nearest: round half to even, exact gathers below
        sx, sy = np.rint(sx), np.rint(sy)
    out = sample_points(xf, sx, sy, 0.0, "bilinear")
    fill_img = _fill_values(fill, x.shape[1])
    if fill_img is not None:
        mask = sample_points(np.ones((x.shape[0], 1) + x.shape[2:], np.float32), sx, sy, 0.0, "bilinear")
        if mode == "nearest":
            out = np.where(mask < 0.5, fill_img, out)
        else:
            out = out * mask + (1.0 - mask) * fill_img
    if dtype.kind == "f":
        return out.astype(dtype)
    return np.clip(np.rint(out), 0, np.iinfo(dtype).max).astype(dtype)


def warp_affine(x, matrix, mode="nearest", fill=None, out_size=None):
    """Resample ``x`` (N, C, H, W) through torchvision's tensor affine ``matrix`` (about the image
    centre, see :func:`inverse_affine_matrix`); ``out_size`` (w, h) defaults to the input's.

    The sampling grid is computed as torchvision's ``_gen_affine_grid`` does, in the image's float
    dtype (float32 for integer images), so that nearest-neighbour ties round the same way."""
    h, w = x.shape[2:]
    ow, oh = out_size if out_size is not None else (w, h)
    ct = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    theta = np.asarray(matrix, np.float64).astype(ct).reshape(2, 3)
    scaled = theta.T / np.array([0.5 * w, 0.5 * h], ct)          # (3, 2), normalised output units
    xs = (np.arange(ow, dtype=np.float64) - ow * 0.5 + 0.5).astype(ct)[None, :]
    ys = (np.arange(oh, dtype=np.float64) - oh * 0.5 + 0.5).astype(ct)[:, None]
    gx = xs * scaled[0, 0] + ys * scaled[1, 0] + scaled[2, 0]
    gy = xs * scaled[0, 1] + ys * scaled[1, 1] + scaled[2, 1]
    n = x.shape[0]
    sx, sy = _unnormalise(gx, w), _unnormalise(gy, h)
    return sample_grid(x, np.broadcast_to(sx, (n, oh, ow)), np.broadcast_to(sy, (n, oh, ow)), mode, fill)


def perspective_coeffs(startpoints, endpoints):
    """The 8 coefficients (PIL's ``Image.PERSPECTIVE`` data) mapping each end point to its start point:
    ``x_in = (a x + b y + c) / (g x + h y + 1)``, ``y_in = (d x + e y + f) / (g x + h y + 1)``."""
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(f"Please provide exactly four corners, got {len(startpoints)} and {len(endpoints)} "
                         "points.")
    rows, rhs = [], []
    for (ex, ey), (sx, sy) in zip(endpoints, startpoints):
        rows.append([ex, ey, 1, 0, 0, 0, -sx * ex, -sx * ey])
        rows.append([0, 0, 0, ex, ey, 1, -sy * ex, -sy * ey])
        rhs += [sx, sy]
    sol = np.linalg.lstsq(np.asarray(rows, np.float64), np.asarray(rhs, np.float64), rcond=None)[0]
    return [float(v) for v in sol.astype(np.float32)]


def warp_perspective(x, coeffs, mode="bilinear", fill=None):
    """Resample ``x`` (N, C, H, W) through the perspective ``coeffs`` (pixel corners at integers + 0.5),
    with torchvision's ``_perspective_grid`` arithmetic in the image's float dtype (float32 for integers)."""
    h, w = x.shape[2:]
    ct = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    a, b, c, d, e, f, g, hh = (ct.type(v) for v in coeffs)
    scaled = np.array([[a, d], [b, e], [c, f]], ct) / np.array([0.5 * w, 0.5 * h], ct)
    xs = (np.arange(w, dtype=np.float64) + 0.5).astype(ct)[None, :]
    ys = (np.arange(h, dtype=np.float64) + 0.5).astype(ct)[:, None]
    den = xs * g + ys * hh + ct.type(1)
    gx = (xs * scaled[0, 0] + ys * scaled[1, 0] + scaled[2, 0]) / den - ct.type(1)
    gy = (xs * scaled[0, 1] + ys * scaled[1, 1] + scaled[2, 1]) / den - ct.type(1)
    n = x.shape[0]
    sx, sy = _unnormalise(gx, w), _unnormalise(gy, h)
    return sample_grid(x, np.broadcast_to(sx, (n, h, w)), np.broadcast_to(sy, (n, h, w)), mode, fill)


def _cubic(d, a):
    """Keys' cubic convolution kernel at distances ``d`` (>= 0) with parameter ``a``."""
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return np.where(d < 1, near, np.where(d < 2, far, 0.0))


def cubic_matrix(in_size, out_size, antialias=True):
    """(out_size, in_size) bicubic resampling matrix, as PyTorch's ``interpolate(mode="bicubic",
    align_corners=False)``: antialiased (a = -0.5, kernel widened when shrinking, rows renormalised at the
    borders) or plain (a = -0.75, four taps with the indices clamped into the image)."""
    if antialias:   # F.interpolate(antialias=True)'s weights
        return aa_matrix(in_size, out_size, None, False, "bicubic", np.float64)
    scale = in_size / out_size
    centres = (np.arange(out_size) + 0.5) * scale - 0.5
    base = np.floor(centres).astype(np.int64)
    frac = centres - base
    m = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    for tap in range(-1, 3):
        idx = np.clip(base + tap, 0, in_size - 1)
        np.add.at(m, (rows, idx), _cubic(np.abs(frac - tap), -0.75))
    return m


def warp_elastic(x, displacement, mode="bilinear", fill=None):
    """Resample ``x`` (N, C, H, W) at each pixel moved by ``displacement`` (H, W, 2): (dx, dy) in
    ``grid_sample``'s normalised units (a shift of 1 is half the image width / height)."""
    h, w = x.shape[2:]
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    sx = cols + displacement[..., 0] * (w / 2.0)
    sy = rows + displacement[..., 1] * (h / 2.0)
    n = x.shape[0]
    return sample_grid(x, np.broadcast_to(sx, (n, h, w)), np.broadcast_to(sy, (n, h, w)), mode, fill)


def resize_array(x, out_hw, mode="bilinear", antialias=True):
    """Resize ``x`` (N, C, H, W) to ``out_hw``: "nearest" (PyTorch's: source ``floor(i * in / out)``),
    "nearest-exact" (pixel centres, Pillow's), "bilinear" (antialiased when shrinking unless
    ``antialias=False``) or "bicubic" (see :func:`cubic_matrix`); uint8 results are rounded and clipped."""
    h, w = x.shape[2:]
    oh, ow = out_hw
    if mode in ("nearest", "nearest-exact"):
        shift = 0.5 if mode == "nearest-exact" else 0.0
        rows = np.minimum(np.floor((np.arange(oh) + shift) * np.float32(h / oh)).astype(np.intp), h - 1)
        cols = np.minimum(np.floor((np.arange(ow) + shift) * np.float32(w / ow)).astype(np.intp), w - 1)
        return x[:, :, rows][:, :, :, cols]
    xf = x.astype(np.float32) if x.dtype.kind != "f" else x
    if mode == "bicubic":
        wy = cubic_matrix(h, oh, antialias).astype(xf.dtype)[None]
        wx = cubic_matrix(w, ow, antialias).astype(xf.dtype)[None]
    else:
        wy = resize_matrices(h, oh, [0.0], [h], xf.dtype, antialias=antialias)
        wx = resize_matrices(w, ow, [0.0], [w], xf.dtype, antialias=antialias)
    out = apply_separable(xf, wy, wx)
    if x.dtype.kind == "f":
        return out
    return np.clip(np.rint(out), 0, np.iinfo(x.dtype).max).astype(x.dtype)


def crop_array(x, top, left, height, width):
    """The (height, width) window at (top, left) of ``x`` (..., H, W); parts outside are zeros."""
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (height, width), x.dtype)
    r0, r1 = max(top, 0), min(top + height, h)
    c0, c1 = max(left, 0), min(left + width, w)
    if r1 > r0 and c1 > c0:
        out[..., r0 - top:r1 - top, c0 - left:c1 - left] = x[..., r0:r1, c0:c1]
    return out


def pad_array(x, left, top, right, bottom, fill=0, mode="constant"):
    """Pad ``x`` (N, C, H, W) on each side; negative amounts crop. ``fill`` is a number or one per
    channel (constant mode); modes "edge", "reflect", "symmetric" are NumPy's."""
    h, w = x.shape[2:]
    x = x[:, :, max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    widths = ((0, 0), (0, 0), (max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0)))
    if mode != "constant":
        return np.pad(x, widths, mode=mode)
    if isinstance(fill, (tuple, list)):
        if len(fill) == 1:
            fill = fill[0]
        else:
            return np.stack([np.pad(x[:, c], widths[:1] + widths[2:], constant_values=fill[c])
                             for c in range(x.shape[1])], axis=1).astype(x.dtype, copy=False)
    return np.pad(x, widths, constant_values=fill).astype(x.dtype, copy=False)
