"""More of ``keras.ops.image``: ``perspective_transform``, ``sobel_edges``, ``ssim`` and
``extract_patches_3d``, as Keras 3's JAX backend computes them (differentiable in the pixels)."""
from __future__ import annotations

import numpy as np

import minidl
from minidl.keras.layers import _image_ops
from minidl.keras.ops._image import _nchw, _numpy, _t
from minidl.tensor import Tensor

__all__ = ["perspective_transform", "sobel_edges", "ssim", "extract_patches_3d", "elastic_transform",
           "scale_and_translate"]


def _homographies(start_points, end_points):
    """The (B, 8) projective transforms mapping ``end_points`` onto ``start_points`` (Keras' solve)."""
    start = np.asarray(_numpy(start_points), dtype=np.float64)
    end = np.asarray(_numpy(end_points), dtype=np.float64)
    for name, pts in (("start_points", start), ("end_points", end)):
        if pts.shape[-2:] != (4, 2) or pts.ndim not in (2, 3):
            raise ValueError(f"perspective_transform: {name} must have shape (4, 2) or (batch, 4, 2), "
                             f"got {pts.shape}")
    if start.shape != end.shape:
        raise ValueError(f"perspective_transform: start_points {start.shape} and end_points {end.shape} differ")
    start, end = start.reshape(-1, 4, 2), end.reshape(-1, 4, 2)
    sx, sy, ex, ey = start[..., 0], start[..., 1], end[..., 0], end[..., 1]
    zeros, ones = np.zeros_like(ex), np.ones_like(ex)
    x_rows = np.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], axis=-1)
    y_rows = np.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], axis=-1)
    matrix = np.concatenate([x_rows, y_rows], axis=1)
    target = np.concatenate([sx, sy], axis=-1)[..., None]
    return np.linalg.solve(matrix, target)[..., 0].astype(np.float32)


def _sample(x: Tensor, y_in, x_in, interpolation, fill_value, fill_mode="constant") -> Tensor:
    """(N, C, H', W') samples of (N, C, H, W) ``x`` at per-image coordinates ``y_in``/``x_in`` (N, H', W'),
    neighbours outside fixed by ``fill_mode`` (JAX's ``map_coordinates``)."""
    n, c, h, w = x.shape
    rows = np.arange(n)[:, None, None, None]
    channels = np.arange(c)[None, :, None, None]
    out, outside = None, np.zeros((n, 1) + y_in.shape[1:])
    for iy, wy in _image_ops._taps(y_in, interpolation):
        iy, valid_y = _image_ops._fix(iy, h, fill_mode)
        for ix, wx in _image_ops._taps(x_in, interpolation):
            ix, valid_x = _image_ops._fix(ix, w, fill_mode)
            valid = np.ones((n, 1) + y_in.shape[1:], bool) if valid_y is None else (valid_y & valid_x)[:, None]
            weight = (wy * wx)[:, None]
            outside = outside + weight * ~valid
            term = x[(rows, channels, iy[:, None], ix[:, None])] * \
                minidl.as_tensor((weight * valid).astype(np.float64)).to(x.dtype)
            out = term if out is None else out + term
    if fill_value:
        out = out + minidl.as_tensor(outside * float(fill_value)).to(x.dtype)
    return out


def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                          data_format=None) -> Tensor:
    """Warp ``images`` so that the four ``start_points`` (x, y) land on ``end_points`` (each ``(4, 2)``
    or ``(batch, 4, 2)``); ``"bilinear"`` or ``"nearest"`` sampling, ``fill_value`` outside."""
    if interpolation not in _image_ops.INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected one of "
                         f"{set(_image_ops.INTERPOLATIONS)}. Received: interpolation={interpolation}")
    x, undo = _nchw(images, data_format, "perspective_transform")
    t = _homographies(start_points, end_points).astype(np.float64)
    n, _, h, w = x.shape
    if t.shape[0] == 1 and n != 1:
        t = np.repeat(t, n, axis=0)
    if t.shape[0] != n:
        raise ValueError(f"perspective_transform: {t.shape[0]} point sets for a batch of {n} images")
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    denom = t[:, 6, None, None] * xx + t[:, 7, None, None] * yy + 1.0
    x_in = (t[:, 0, None, None] * xx + t[:, 1, None, None] * yy + t[:, 2, None, None]) / denom
    y_in = (t[:, 3, None, None] * xx + t[:, 4, None, None] * yy + t[:, 5, None, None]) / denom
    return undo(_sample(x, y_in.astype(np.float32), x_in.astype(np.float32), interpolation, fill_value))


def sobel_edges(images, data_format=None) -> Tensor:
    """The Sobel gradients of each channel, zero-padded: ``(N, H, W, C, 2)`` holding ``[dy, dx]``."""
    from minidl.keras.ops._nn_conv import depthwise_conv
    x = _t(images)
    if x.ndim != 4:
        raise ValueError(f"sobel_edges needs a batch of images (rank 4), got shape {tuple(x.shape)}")
    fmt = data_format or "channels_last"
    c = x.shape[-1] if fmt == "channels_last" else x.shape[1]
    sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float64)
    edges = []
    for kernel in (sobel_x.T, sobel_x):  # dy, then dx
        weights = minidl.tensor(np.repeat(kernel[:, :, None, None], c, axis=2), dtype=x.dtype)
        edges.append(depthwise_conv(x, weights, padding="same", data_format=fmt))
    return minidl.stack(edges, dim=-1)


def _gaussian(size, sigma):
    pos = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-(pos ** 2) / (2.0 * sigma ** 2))
    g /= g.sum()
    return np.outer(g, g)


def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, data_format=None) -> Tensor:
    """The structural similarity of two images (or batches): the mean over the valid positions and the
    channels of the SSIM map with an ``filter_size`` Gaussian window; ``(batch,)`` or a scalar."""
    from minidl.keras.ops._nn_conv import conv
    a, _ = _nchw(image1, data_format, "ssim")
    b, _ = _nchw(image2, data_format, "ssim")
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"ssim: image1 {tuple(a.shape)} and image2 {tuple(b.shape)} must have the same shape")
    n, c, h, w = a.shape
    if h < filter_size or w < filter_size:
        raise ValueError(f"ssim: images of {h}x{w} are smaller than filter_size={filter_size}")
    kernel = minidl.tensor(_gaussian(filter_size, filter_sigma)[:, :, None, None], dtype=a.dtype)
    a1, b1 = a.reshape(n * c, 1, h, w), b.to(a.dtype).reshape(n * c, 1, h, w)

    def blur(v):
        return conv(v, kernel, padding="valid", data_format="channels_first")
    mu1, mu2 = blur(a1), blur(b1)
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    sigma1 = blur(a1 * a1) - mu1 * mu1
    sigma2 = blur(b1 * b1) - mu2 * mu2
    sigma12 = blur(a1 * b1) - mu1 * mu2
    ssim_map = (2.0 * mu1 * mu2 + c1) * (2.0 * sigma12 + c2) / ((mu1 * mu1 + mu2 * mu2 + c1) * (sigma1 + sigma2 + c2))
    per_image = ssim_map.mean(dim=(1, 2, 3)).reshape(n, c).mean(dim=-1)
    return per_image[0] if _t(image1).ndim == 3 else per_image


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None) -> Tensor:
    """Patches of ``size`` (an int or ``(pd, ph, pw)``) of ``(N, D, H, W, C)`` volumes every ``strides``
    (default: ``size``), flattened in ``(depth, row, column, channel)`` order:
    ``(N, out_d, out_h, out_w, pd * ph * pw * C)``."""
    from minidl.keras.ops._nn_conv import conv
    x = _t(volumes)
    single = x.ndim == 4
    x = x.unsqueeze(0) if single else x
    if x.ndim != 5:
        raise ValueError(f"extract_patches_3d needs volumes of rank 4 or 5, got shape {tuple(x.shape)}")
    fmt = data_format or "channels_last"
    dims = (size,) * 3 if isinstance(size, int) else tuple(int(s) for s in size)
    c = x.shape[-1] if fmt == "channels_last" else x.shape[1]
    count = int(np.prod(dims)) * c
    kernel = minidl.eye(count, dtype=x.dtype).reshape(dims + (c, count))
    out = conv(x, kernel, strides=dims if strides is None else strides, padding=padding, data_format=fmt,
               dilation_rate=dilation_rate)
    return out[0] if single else out


def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                      seed=None, data_format=None) -> Tensor:
    """Keras' elastic distortion: per image, random displacement fields (standard normal times ``sigma``,
    blurred by a Gaussian of ``sigma`` over ``int(6 sigma) | 1`` pixels, scaled by ``alpha``) move every
    sampling point; ``fill_mode``/``fill_value`` as :func:`affine_transform`. ``seed`` (an int or a
    ``keras.random.SeedGenerator``) draws from minidl's generator, so the fields differ from Keras' own."""
    from minidl.keras import random as krandom
    from minidl.keras.ops._image import gaussian_blur
    if interpolation not in _image_ops.INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected one of "
                         f"{set(_image_ops.INTERPOLATIONS)}. Received: interpolation={interpolation}")
    if fill_mode not in _image_ops.FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected one of {set(_image_ops.FILL_MODES)}. "
                         f"Received: fill_mode={fill_mode}")
    x, undo = _nchw(images, data_format, "elastic_transform")
    n, _, h, w = x.shape
    size = int(6 * float(sigma)) | 1
    noise = krandom.normal((2 * n, h, w, 1), seed=seed) * float(sigma)
    fields = _numpy(gaussian_blur(noise, (size, size), (float(sigma), float(sigma)))).astype(np.float64)
    dx, dy = fields[:n, :, :, 0], fields[n:, :, :, 0]
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    y_in, x_in = yy + float(alpha) * dy, xx + float(alpha) * dx
    return undo(_sample(x, y_in, x_in, interpolation, fill_value, fill_mode))


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method, antialias=True) -> Tensor:
    """``jax.image.scale_and_translate``: each axis of ``spatial_dims`` resampled to ``output_shape``
    (the whole output shape) so that input coordinate ``u`` lands on ``u * scale + translation``;
    ``method`` ``"linear"``, ``"cubic"``, ``"lanczos3"`` or ``"lanczos5"`` (with the ``bi``/``tri``
    spellings), ``antialias`` widening the kernel when downscaling."""
    from minidl.keras.ops import _resample
    x = _t(images)
    output_shape = tuple(int(s) for s in output_shape)
    if len(output_shape) != x.ndim:
        raise ValueError(f"shape must have length equal to the number of dimensions of x; {output_shape} vs "
                         f"{tuple(x.shape)}")
    if method == "nearest":
        raise ValueError("Nearest neighbor resampling is not currently supported for scale_and_translate.")
    spatial_dims = [int(d) % x.ndim for d in spatial_dims]
    scale = np.asarray(_numpy(scale), dtype=np.float64).reshape(-1)
    translation = np.asarray(_numpy(translation), dtype=np.float64).reshape(-1)
    if len(scale) != len(spatial_dims) or len(translation) != len(spatial_dims):
        raise ValueError(f"scale_and_translate: {len(spatial_dims)} spatial_dims need as many scales and "
                         f"translations, got {len(scale)} and {len(translation)}")
    for i, d in enumerate(spatial_dims):
        weights = _resample.weight_matrix(x.shape[d], output_shape[d], scale[i], translation[i], method, antialias)
        x = _resample.apply_along(x, d, weights)
    if tuple(x.shape) != output_shape:
        raise ValueError(f"scale_and_translate: output_shape {output_shape} differs from the input "
                         f"{tuple(_t(images).shape)} outside spatial_dims {spatial_dims}")
    return x
