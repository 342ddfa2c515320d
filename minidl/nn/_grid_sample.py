"""``F.affine_grid`` and ``F.grid_sample``: spatial transformers, as PyTorch's.

``affine_grid(theta, size)`` maps an output pixel grid through affine
matrices to normalised sampling positions in ``[-1, 1]``; ``grid_sample``
reads the input at those positions (bilinear or nearest), with PyTorch's
``padding_mode`` (zeros/border/reflection) and ``align_corners`` rules. Both
are written in differentiable tensor operations: gradients flow to
``theta``, to ``input`` (a scatter of the bilinear weights, through
``gather``'s backward) and to ``grid`` (through the weights' dependence on
the sampling position), and can be differentiated again.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..backend import to_numpy as to_host
from ..functions import stack, where
from ..tensor import Tensor, as_tensor

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _align(align_corners):
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def _base_coords(steps, align_corners, xp, dtype):
    """The normalised centres of ``steps`` pixels along one axis (corner pixels at +-1 with ``align_corners``)."""
    if steps <= 1:
        return xp.zeros((max(steps, 0),), dtype=dtype)
    coords = np.linspace(-1.0, 1.0, steps)
    if not align_corners:
        coords = coords * (steps - 1) / steps
    return xp.asarray(coords.astype(dtype))


def affine_grid(theta, size, align_corners=None):
    """Sampling grid for :func:`grid_sample` from a batch of affine matrices.

    Shapes: ``theta`` (N, 2, 3) with ``size`` (N, C, H, W) gives (N, H, W, 2)
    (x, y); ``theta`` (N, 3, 4) with ``size`` (N, C, D, H, W) gives
    (N, D, H, W, 3) (x, y, z). ``align_corners=None`` means False, with
    PyTorch's warning.

    Raises:
        ValueError: ``theta`` is not floating point, or its shape does not match ``size``.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> F.affine_grid(mdl.tensor([[[1.0, 0, 0], [0, 1, 0]]]), (1, 1, 2, 2), align_corners=True)[0, :, :, 0]
    tensor([[-1.,  1.],
            [-1.,  1.]])
    """
    align_corners = _align(align_corners)
    if not isinstance(theta, Tensor):
        theta = as_tensor(theta)
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size!r}. "
                             f"Got {theta.shape!r}.")
        spatial = size[2:]
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size!r}. "
                             f"Got {theta.shape!r}.")
        spatial = size[2:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size!r}.")
    if theta.shape[0] != size[0]:
        raise ValueError(f"affine_grid: theta has {theta.shape[0]} matrices but size asks for a batch of {size[0]}")
    xp, dtype = theta.xp, theta.array.dtype
    # coordinates in (x, y[, z]) order: x runs along the last spatial axis
    axes = [_base_coords(n, align_corners, xp, dtype) for n in reversed(spatial)]
    mesh = xp.meshgrid(*axes[::-1], indexing="ij")[::-1]     # x, y[, z], each of shape spatial
    base = xp.stack(list(mesh) + [xp.ones(spatial, dtype=dtype)], axis=-1).reshape(1, -1, len(spatial) + 1)
    grid = Tensor(base) @ theta.transpose(1, 2)              # (N, prod(spatial), dims)
    return grid.reshape(size[0], *spatial, len(spatial))


def _reflect(coord, twice_low, twice_high):
    """``coord`` reflected into ``[twice_low / 2, twice_high / 2]`` (PyTorch's reflect_coordinates)."""
    if twice_low == twice_high:
        return coord * 0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    distance = (coord - low).abs()
    flips = Tensor(coord.xp.floor(distance.array / span))      # a constant: piecewise, no gradient
    extra = distance - flips * span
    even = Tensor(flips.array % 2 == 0)
    return where(even, extra + low, span - extra + low)


def _source_index(coord, size, padding_mode, align_corners):
    """Pixel coordinates from normalised ones, with the padding mode's clipping or reflection."""
    if align_corners:
        pixel = (coord + 1) / 2 * (size - 1)
    else:
        pixel = ((coord + 1) * size - 1) / 2
    if padding_mode == "border":
        pixel = pixel.clamp(0, size - 1)
    elif padding_mode == "reflection":
        if align_corners:
            pixel = _reflect(pixel, 0, 2 * (size - 1))
        else:
            pixel = _reflect(pixel, -1, 2 * size - 1)
        pixel = pixel.clamp(0, size - 1)
    return pixel


def _read(flat_input, rows, cols, height, width, channels):
    """``input[n, :, rows, cols]`` for integer arrays ``rows``/``cols`` of shape (N, Ho, Wo) (clipped into the
    image; the caller zeroes the out-of-image taps): (N, C, Ho, Wo)."""
    xp = flat_input.xp
    n, out_h, out_w = rows.shape
    index = xp.clip(rows, 0, height - 1) * width + xp.clip(cols, 0, width - 1)
    index = xp.broadcast_to(index.reshape(n, 1, out_h * out_w), (n, channels, out_h * out_w))
    return flat_input.gather(2, Tensor(xp.ascontiguousarray(index))).reshape(n, channels, out_h, out_w)


def _inside(rows, cols, height, width):
    return (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` at the normalised positions of ``grid``.

    Shapes: ``input`` (N, C, H, W), ``grid`` (N, Ho, Wo, 2) holding (x, y) in
    ``[-1, 1]`` (-1 the left/top edge) -> (N, C, Ho, Wo). ``mode``:
    'bilinear', 'nearest' (ties to even, as PyTorch) or 'bicubic' (4 x 4 taps,
    cubic convolution with A = -0.75, as PyTorch); ``padding_mode``:
    'zeros' (outside reads 0), 'border' (clamped to the edge) or
    'reflection' (mirrored at the edges). ``align_corners``: whether -1 and 1
    are the centres (True) or the outer edges (False) of the corner pixels;
    None means False with PyTorch's warning. Volumetric input (N, C, D, H, W)
    with a grid (N, Do, Ho, Wo, 3) of (x, y, z) works too ('bilinear' is then
    trilinear; 'bicubic' is 4-D only, as in PyTorch).

    Raises:
        ValueError: an unknown ``mode``/``padding_mode``, or mismatched shapes/dtypes.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> image = mdl.arange(4.0).reshape(1, 1, 2, 2)
    >>> centre = mdl.zeros(1, 1, 1, 2)                           # the middle of the image
    >>> F.grid_sample(image, centre, align_corners=True).item()   # mean of the four pixels
    1.5
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    align_corners = _align(align_corners)
    if input.dim() == 5:
        return _sample_volume(input, grid, mode, padding_mode, align_corners)
    if input.dim() != 4 or grid.dim() != 4 or grid.shape[-1] != 2:
        raise ValueError(f"grid_sample(): expected 4D input (N, C, H, W) and a grid of shape (N, Ho, Wo, 2), "
                         f"but got input of shape {tuple(input.shape)} and grid of shape {tuple(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise ValueError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                         f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if input.dtype != grid.dtype:
        raise ValueError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                         f"{input.dtype} and grid has {grid.dtype}")
    n, channels, height, width = input.shape
    flat = input.reshape(n, channels, height * width)
    if mode == "bicubic":
        return _bicubic(flat, grid, height, width, channels, padding_mode, align_corners)
    x = _source_index(grid[..., 0], width, padding_mode, align_corners)
    y = _source_index(grid[..., 1], height, padding_mode, align_corners)
    xp = input.xp
    if mode == "nearest":
        cols, rows = xp.rint(x.array).astype(np.int64), xp.rint(y.array).astype(np.int64)
        inside = Tensor(xp.broadcast_to(_inside(rows, cols, height, width)[:, None], (n, channels) + rows.shape[1:]))
        values = where(inside, _read(flat, rows, cols, height, width, channels), 0.0)
        return values + (x * 0).unsqueeze(1)     # the grid gets a zero gradient, as in PyTorch
    x0, y0 = xp.floor(x.array).astype(np.int64), xp.floor(y.array).astype(np.int64)
    wx1, wy1 = x - Tensor(x0.astype(x.array.dtype)), y - Tensor(y0.astype(y.array.dtype))
    wx0, wy0 = 1 - wx1, 1 - wy1
    taps = []
    for rows, wy in ((y0, wy0), (y0 + 1, wy1)):
        for cols, wx in ((x0, wx0), (x0 + 1, wx1)):
            inside = Tensor(_inside(rows, cols, height, width).astype(x.array.dtype))
            taps.append(_read(flat, rows, cols, height, width, channels) * (wy * wx * inside).unsqueeze(1))
    return stack(taps, 0).sum(0)


_CUBIC_A = -0.75   # the cubic convolution constant PyTorch (and OpenCV) use


def _cubic_weights(t):
    """The four cubic-convolution weights of the taps at -1, 0, 1, 2 for a fractional offset ``t``."""
    a = _CUBIC_A

    def near(x):          # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):           # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return far(t + 1), near(t), near(1 - t), far(2 - t)


def _tap_coordinate(index, size, padding_mode, align_corners):
    """Integer tap positions (a NumPy array) moved into the image as the padding mode says (PyTorch's
    compute_coordinates); with 'zeros' they stay, and the caller masks the ones outside."""
    coord = index.astype(np.float64)
    if padding_mode == "border":
        coord = coord.clip(0, size - 1)
    elif padding_mode == "reflection":
        twice_low, twice_high = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        if twice_low == twice_high:
            coord = np.zeros_like(coord)
        else:
            low, span = twice_low / 2, (twice_high - twice_low) / 2
            distance = np.abs(coord - low)
            flips = np.floor(distance / span)
            extra = distance - flips * span
            coord = np.where(flips % 2 == 0, extra + low, span - extra + low)
        coord = coord.clip(0, size - 1)
    return coord.astype(np.int64)


def _bicubic(flat, grid, height, width, channels, padding_mode, align_corners):
    """Bicubic sampling: 4 x 4 taps around each position, cubic-convolution weights (A = -0.75); the
    padding mode applies to each tap, as in PyTorch."""
    xp = flat.xp
    coords = []
    for g, size in ((grid[..., 0], width), (grid[..., 1], height)):
        coords.append((g + 1) / 2 * (size - 1) if align_corners else ((g + 1) * size - 1) / 2)
    x, y = coords
    x0, y0 = xp.floor(x.array).astype(np.int64), xp.floor(y.array).astype(np.int64)
    wx = _cubic_weights(x - Tensor(x0.astype(x.array.dtype)))
    wy = _cubic_weights(y - Tensor(y0.astype(y.array.dtype)))
    taps = []
    for j in range(4):
        rows = _tap_coordinate(to_host(y0 + j - 1), height, padding_mode, align_corners)
        for i in range(4):
            cols = _tap_coordinate(to_host(x0 + i - 1), width, padding_mode, align_corners)
            rows_d, cols_d = xp.asarray(rows), xp.asarray(cols)
            inside = Tensor(_inside(rows_d, cols_d, height, width).astype(x.array.dtype))
            taps.append(_read(flat, rows_d, cols_d, height, width, channels) * (wy[j] * wx[i] * inside).unsqueeze(1))
    return stack(taps, 0).sum(0)


def _sample_volume(input, grid, mode, padding_mode, align_corners):
    """5-D grid_sample: input (N, C, D, H, W), grid (N, Do, Ho, Wo, 3) holding (x, y, z): trilinear
    ('bilinear', 8 taps) or nearest; 'bicubic' is 4-D only, as in PyTorch."""
    if mode == "bicubic":
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if grid.dim() != 5 or grid.shape[-1] != 3 or input.shape[0] != grid.shape[0]:
        raise ValueError(f"grid_sample(): expected 5D input (N, C, D, H, W) and a grid of shape (N, Do, Ho, Wo, 3), "
                         f"but got input of shape {tuple(input.shape)} and grid of shape {tuple(grid.shape)}")
    if input.dtype != grid.dtype:
        raise ValueError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                         f"{input.dtype} and grid has {grid.dtype}")
    n, channels = input.shape[:2]
    sizes = tuple(input.shape[2:])                                   # (D, H, W)
    flat = input.reshape(n, channels, -1)
    xp = input.xp
    # coordinates per spatial axis, in (D, H, W) order: grid's z, y, x
    coords = [_source_index(grid[..., 2 - axis], sizes[axis], padding_mode, align_corners) for axis in range(3)]
    out_shape = tuple(grid.shape[1:4])

    def read(indices):
        inside = np.ones((), bool) if xp is np else xp.ones((), bool)
        flat_index = 0
        for axis, index in enumerate(indices):
            inside = inside & (index >= 0) & (index < sizes[axis])
            flat_index = flat_index * sizes[axis] + xp.clip(index, 0, sizes[axis] - 1)
        gathered = xp.broadcast_to(flat_index.reshape(n, 1, -1), (n, channels, flat_index[0].size))
        values = flat.gather(2, Tensor(xp.ascontiguousarray(gathered))).reshape(n, channels, *out_shape)
        return values, inside

    if mode == "nearest":
        values, inside = read([xp.rint(c.array).astype(np.int64) for c in coords])
        mask = Tensor(xp.broadcast_to(inside[:, None], values.shape))
        return where(mask, values, 0.0) + (coords[0] * 0).unsqueeze(1)
    lows = [xp.floor(c.array).astype(np.int64) for c in coords]
    upper = [c - Tensor(low.astype(c.array.dtype)) for c, low in zip(coords, lows)]
    taps = []
    for corner in range(8):
        bits = [(corner >> (2 - axis)) & 1 for axis in range(3)]
        values, inside = read([low + bit for low, bit in zip(lows, bits)])
        weight = Tensor(inside.astype(coords[0].array.dtype))
        for axis, bit in enumerate(bits):
            weight = weight * (upper[axis] if bit else 1 - upper[axis])
        taps.append(values * weight.unsqueeze(1))
    return stack(taps, 0).sum(0)
