"""Fractional max pooling (Graham, 2014), PyTorch's ``F.fractional_max_pool2d``/``3d`` and their ``_with_indices``.

Each output cell takes the maximum of a ``kernel_size`` window whose start
along every spatial axis follows a pseudo-random sequence fixed by one sample
u in [0, 1) per (batch, channel, axis) (``_random_samples``, (N, C, 2) or
(N, C, 3), drawn uniformly when not given). With alpha = (in - k) / (out - 1)
the starts are ``int((i + u) * alpha) - int(u * alpha)`` for i < out - 1 and
``in - k`` for the last one, computed in the input's floating dtype as PyTorch
does, so a float32 input lands on the same windows. The 2-D samples are
ordered (W, H), the 3-D ones (T, H, W), as PyTorch's.

The maximum is found here on arrays (the first largest value, or the last NaN
of a window); the values are then gathered from the input with an integer
index, so gradients of every order flow back to the winning elements.
"""
from __future__ import annotations

import numpy as np

from minidl.backend import to_numpy
from minidl.ops.shape import getitem
from minidl.tensor import Tensor

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
           "fractional_max_pool3d_with_indices"]

_AXES = {2: ("height", "width"), 3: ("time", "height", "width")}


def _tuple(value, dims, what, name):
    if isinstance(value, (list, tuple)):
        if len(value) != dims:
            raise RuntimeError(f"{name}: {what} must either be a single Int or tuple of Ints")
        return tuple(value)
    return (value,) * dims


def _intervals(samples, in_size, out_size, pool):
    """Window starts (..., out_size) for samples (...) in the samples' float dtype, as PyTorch's sequence."""
    scalar = samples.dtype.type
    starts = np.zeros(samples.shape + (out_size,), dtype=np.int64)
    if out_size > 1:
        alpha = scalar(in_size - pool) / scalar(out_size - 1)
        steps = np.arange(out_size - 1).astype(samples.dtype)
        starts[..., :-1] = (((steps + samples[..., None]) * alpha).astype(np.int64)
                            - (samples * alpha).astype(np.int64)[..., None])
    if out_size > 0:
        starts[..., -1] = in_size - pool
    return starts


def _window_argmax(planes, starts, kernel, spatial):
    """Flat in-plane index of each window's maximum: planes (B, C, prod(spatial)), starts per axis
    (B, C, out_axis) -> (B, C, *out) int64 (first largest value; the last NaN when a window has one)."""
    dims = len(spatial)
    out = tuple(s.shape[-1] for s in starts)
    flat = np.zeros(planes.shape[:2] + out + (1,) * dims, dtype=np.int64)
    stride = 1
    for axis in range(dims - 1, -1, -1):
        shape_start = [1] * dims
        shape_start[axis] = out[axis]
        shape_offset = [1] * dims
        shape_offset[axis] = kernel[axis]
        pos = (starts[axis].reshape(planes.shape[:2] + tuple(shape_start) + (1,) * dims)
               + np.arange(kernel[axis]).reshape((1, 1) + (1,) * dims + tuple(shape_offset)))
        flat = flat + pos * stride
        stride *= spatial[axis]
    candidates = flat.reshape(planes.shape[:2] + out + (int(np.prod(kernel)),))
    batch, channels = planes.shape[:2]
    values = np.take_along_axis(planes, candidates.reshape(batch, channels, -1), axis=2).reshape(candidates.shape)
    if values.shape[-1] == 0:
        return candidates[..., 0]
    is_nan = np.isnan(values)
    last_nan = values.shape[-1] - 1 - np.argmax(is_nan[..., ::-1], axis=-1)
    best = np.where(is_nan.any(axis=-1), last_nan, np.argmax(np.where(is_nan, -np.inf, values), axis=-1))
    return np.take_along_axis(candidates, best[..., None], axis=-1)[..., 0]


def _fractional(input, kernel_size, output_size, output_ratio, random_samples, dims):
    name = f"fractional_max_pool{dims}d"
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{name}(): Expected {dims + 1}D or {dims + 2}D tensor, but got: {list(input.shape)}")
    if input.array.dtype.kind != "f":
        raise NotImplementedError(f"{name}(): not implemented for dtype {input.dtype} (floating inputs only)")
    spatial = tuple(int(s) for s in input.shape[-dims:])
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if isinstance(output_ratio, (list, tuple)) and len(output_ratio) > dims:
            raise ValueError(f"{name} requires output_ratio to either be a single Int or tuple of Ints.")
        ratio = _tuple(output_ratio, dims, "output_ratio", name)
        output_size = tuple(int(s * r) for s, r in zip(spatial, ratio))
    out = tuple(int(o) for o in _tuple(output_size, dims, "output_size", name))
    kernel = tuple(int(k) for k in _tuple(kernel_size, dims, "kernel_size", name))
    for axis, (size, k, o) in enumerate(zip(spatial, kernel, out)):
        if k <= 0 or o < 0:
            raise RuntimeError(f"{name}(): kernel_size and output_size must be positive, got {kernel} and {out}")
        fits = o + k - 1 < size if dims == 3 else o + k - 1 <= size  # PyTorch's 3-D check is the strict one
        if not fits:
            raise RuntimeError(f"{name}(): pool {_AXES[dims][axis]} {k} too large relative to input "
                               f"{_AXES[dims][axis]} {size} (output {_AXES[dims][axis]} {o})")
    unbatched = input.ndim == dims + 1
    batch, channels = (1 if unbatched else input.shape[0]), input.shape[-dims - 1]
    if random_samples is None:
        from minidl.creation import rand
        random_samples = rand(batch, channels, dims, dtype=input.dtype, device=input.device)
    samples = random_samples.array if isinstance(random_samples, Tensor) else np.asarray(random_samples)
    if samples.ndim != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {samples.ndim}")
    if samples.dtype != input.array.dtype:
        raise RuntimeError(f"Expect _random_samples to have the same dtype as input ({input.dtype}), got "
                           f"{samples.dtype}")
    if samples.shape[2] != dims:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {dims}; got {samples.shape[2]}.")
    if samples.shape[1] != channels:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if samples.shape[0] < batch:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    samples = to_numpy(samples)[:batch]
    order = (1, 0) if dims == 2 else (0, 1, 2)  # which sample column drives which axis
    starts = [_intervals(samples[..., order[a]], spatial[a], out[a], kernel[a]) for a in range(dims)]
    x = input.unsqueeze(0) if unbatched else input
    planes = to_numpy(x.array).reshape(batch, channels, -1)
    index = _window_argmax(planes, starts, kernel, spatial)
    xp = input.xp
    b_idx = np.arange(batch).reshape((batch, 1) + (1,) * dims)
    c_idx = np.arange(channels).reshape((1, channels) + (1,) * dims)
    values = getitem(x.reshape(batch, channels, -1), (xp.asarray(b_idx), xp.asarray(c_idx), xp.asarray(index)))
    indices = Tensor(xp.asarray(index))
    if unbatched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return values, indices


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """Fractional max pooling over (N, C, H, W) (or (C, H, W)) -> ``(values, indices)``, each (N, C, oH, oW).

    ``output_size`` (oH, oW), or ``output_ratio`` giving oH = int(H * ratio); indices are flat ``h * W + w``
    positions in each plane (int64). ``_random_samples`` (N, C, 2), same dtype as input, fixes the windows.
    """
    return _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 2)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """Fractional max pooling over (N, C, H, W) -> (N, C, oH, oW); with ``return_indices`` also the flat indices.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> F.fractional_max_pool2d(mdl.randn(1, 2, 9, 9), 3, output_ratio=0.5).shape
    minidl.Size([1, 2, 4, 4])
    """
    values, indices = _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 2)
    return (values, indices) if return_indices else values


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """Fractional max pooling over (N, C, T, H, W) (or unbatched) -> ``(values, indices)`` (N, C, oT, oH, oW).

    Indices are flat ``t * H * W + h * W + w`` positions; ``_random_samples`` is (N, C, 3).
    """
    return _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 3)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """Fractional max pooling over (N, C, T, H, W) -> (N, C, oT, oH, oW); with ``return_indices`` also indices."""
    values, indices = _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 3)
    return (values, indices) if return_indices else values
