"""``torch.convolution``, ``torch.conv_tbc``, ``torch.affine_grid_generator``, ``torch.grid_sampler`` (and its
2-D/3-D forms): the low-level spellings of the ``nn.functional`` convolutions and spatial samplers, with
PyTorch's integer codes for the sampler's modes; and ``torch.empty_permuted`` (a layout-permuted empty
Tensor)."""
from __future__ import annotations

__all__ = ["convolution", "conv_tbc", "affine_grid_generator", "grid_sampler", "grid_sampler_2d",
           "grid_sampler_3d"]

_INTERPOLATION = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_PADDING = {0: "zeros", 1: "border", 2: "reflection"}


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """``torch.convolution``: an N-d convolution (N from ``weight``'s dims - 2: 1, 2 or 3), or its transpose
    with ``transposed=True``; ``stride``/``padding``/``dilation``/``output_padding`` are lists of N ints."""
    from .nn import functional as F
    spatial = weight.ndim - 2
    if spatial not in (1, 2, 3):
        raise RuntimeError(f"convolution: expected a weight with 3, 4 or 5 dims, got {weight.ndim}")

    def as_tuple(value):
        return tuple(value) if isinstance(value, (list, tuple)) else (value,) * spatial
    if transposed:
        fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[spatial - 1]
        return fn(input, weight, bias, as_tuple(stride), as_tuple(padding), as_tuple(output_padding), groups,
                  as_tuple(dilation))
    fn = (F.conv1d, F.conv2d, F.conv3d)[spatial - 1]
    return fn(input, weight, bias, as_tuple(stride), as_tuple(padding), as_tuple(dilation), groups)


def conv_tbc(input, weight, bias, pad=0):
    """``torch.conv_tbc``: 1-d convolution of (time, batch, channels) input (see ``nn.functional.conv_tbc``)."""
    from .nn import functional as F
    return F.conv_tbc(input, weight, bias, pad)


def affine_grid_generator(theta, size, align_corners):
    """``torch.affine_grid_generator``: ``nn.functional.affine_grid(theta, size, align_corners)``."""
    from .nn import functional as F
    return F.affine_grid(theta, list(size), align_corners=align_corners)


def _mode(table, code, what):
    if code not in table:
        raise RuntimeError(f"grid_sampler(): {what} must be one of {sorted(table)}, got {code}")
    return table[code]


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """``torch.grid_sampler``: ``nn.functional.grid_sample`` with PyTorch's integer codes (interpolation 0
    bilinear, 1 nearest, 2 bicubic; padding 0 zeros, 1 border, 2 reflection)."""
    from .nn import functional as F
    return F.grid_sample(input, grid, mode=_mode(_INTERPOLATION, interpolation_mode, "interpolation_mode"),
                         padding_mode=_mode(_PADDING, padding_mode, "padding_mode"), align_corners=align_corners)


def grid_sampler_2d(input, grid, interpolation_mode, padding_mode, align_corners):
    """``torch.grid_sampler_2d``: :func:`grid_sampler` on 4-D input."""
    if input.ndim != 4:
        raise RuntimeError(f"grid_sampler_2d(): expected 4D input, got {input.ndim}D")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def grid_sampler_3d(input, grid, interpolation_mode, padding_mode, align_corners):
    """``torch.grid_sampler_3d``: :func:`grid_sampler` on 5-D input."""
    if input.ndim != 5:
        raise RuntimeError(f"grid_sampler_3d(): expected 5D input, got {input.ndim}D")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False):
    """An uninitialised Tensor of logical shape ``size`` whose memory is laid out in the dim order
    ``physical_layout`` (outermost first): ``empty_permuted((N, C, H, W), (0, 2, 3, 1))`` has channels-last
    strides. As PyTorch: an empty tensor of the permuted shape, viewed back in ``size``'s order."""
    import minidl
    size, order = tuple(size), tuple(physical_layout)
    if len(size) != len(order):
        raise RuntimeError("Number of dimensions in size does not match the length of the physical_layout; i.e. "
                           f"len(size) = {len(size)} is not equal to len(physical_layout) = {len(order)}")
    if sorted(order) != list(range(len(order))):
        raise RuntimeError("Duplicate dim not allowed" if len(set(order)) != len(order)
                           else f"empty_permuted: physical_layout {list(order)} is not a permutation")
    inverse = [0] * len(order)
    for position, dim in enumerate(order):
        inverse[dim] = position
    physical = minidl.empty(tuple(size[d] for d in order), dtype=dtype, device=device)
    result = physical.permute(*inverse)
    return result.requires_grad_() if requires_grad else result


__all__ += ["empty_permuted"]
