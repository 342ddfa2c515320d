"""``F.conv3d`` and ``F.conv_transpose3d``: volumetric convolution as one 2-D convolution.

A 3-D convolution of x (N, C, D, H, W) with w (O, C/g, kd, kh, kw) is exactly
a 2-D convolution over (H, W) of the depth-unfolded input: for every output
depth ``od`` the kd input slices ``od*sd + i*dd`` (i < kd) are stacked as
channels, so the batch becomes (N*OD, g*kd*C/g, H, W) and the kernel
(O, kd*C/g, kh, kw) with ``w2[o, i*C/g + c] = w[o, c, i]``. The stacking is
strided slicing, ``stack``, ``permute`` and ``reshape``; the 2-D convolution is
``conv2d`` (its im2col/direct/Winograd paths). Gradients of every order come
from those differentiable ops, so no new op is needed.

The transposed convolution is a plain convolution of the input with zeros
inserted between its voxels, padded by ``dilation * (k - 1) - padding`` (a
crop where negative) plus ``output_padding``, with the kernel flipped in space
and its channel axes swapped per group (as ``F.conv_transpose2d``).
"""
from __future__ import annotations

import numbers

from minidl.ops.conv import conv2d
from minidl.ops.padding import pad
from minidl.ops.shape import stack

__all__ = ["conv3d", "conv_transpose3d"]


def _triple(value, name):
    """An int or a 3-sequence as a tuple of three ints; PyTorch's RuntimeError otherwise."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (int(value),) * 3
    items = list(value) if isinstance(value, (tuple, list)) else None
    if items is not None and len(items) == 1:
        items = items * 3
    if items is None or len(items) != 3 or not all(isinstance(v, numbers.Integral) for v in items):
        shown = items if items is not None else value
        raise RuntimeError(f"expected {name} to be a single integer value or a list of 3 values to match the "
                           f"convolution dimensions, but got {name}={shown}")
    return tuple(int(v) for v in items)


def _size(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _batched(input, who):
    """(input as 5-D, whether it was unbatched); PyTorch's error for any other rank."""
    if input.ndim == 4:
        return input.unsqueeze(0), True
    if input.ndim != 5:
        raise RuntimeError(f"Expected 4D (unbatched) or 5D (batched) input to {who}, but got input of size: "
                           f"{_size(input.shape)}")
    return input, False


def _same_padding(kernel, dilation):
    """((front, back), (top, bottom), (left, right)): "same" padding, the odd extra at the end."""
    return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))


def _check_conv_args(who, x, weight, bias, groups, transposed):
    if weight.ndim != 5:
        raise RuntimeError(f"{who}: expected a 5-D weight, got weight of size {_size(weight.shape)}")
    if groups < 1:
        raise RuntimeError("non-positive groups is not supported")
    expected = weight.shape[0] if transposed else weight.shape[1] * groups
    if x.shape[1] != expected or (not transposed and weight.shape[0] % groups) or expected % groups:
        flag = "transposed=1, " if transposed else f"groups={groups}, "
        raise RuntimeError(f"Given {flag}weight of size {_size(weight.shape)}, expected input{_size(x.shape)} to "
                           f"have {expected} channels, but got {x.shape[1]} channels instead")
    out_ch = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and tuple(bias.shape) != (out_ch,):
        raise RuntimeError(f"Given weight of size {_size(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{out_ch} elements, but got bias of size {_size(bias.shape)} instead")


def _depth_unfold(x, kd, sd, dd, groups):
    """(N, C, D, H, W) (depth already padded) -> (N*OD, groups*kd*C/groups, H, W), OD output depths."""
    n, c, d, h, w = x.shape
    od = (d - dd * (kd - 1) - 1) // sd + 1
    slices = [x[:, :, i * dd:i * dd + (od - 1) * sd + 1:sd] for i in range(kd)]   # kd x (N, C, OD, H, W)
    stacked = stack(slices, 2) if kd > 1 else slices[0].unsqueeze(2)              # (N, C, kd, OD, H, W)
    cg = c // groups
    stacked = stacked.reshape(n, groups, cg, kd, od, h, w).permute(0, 4, 1, 3, 2, 5, 6)
    return stacked.reshape(n * od, groups * kd * cg, h, w), od


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution: input (N, C_in, D, H, W) or (C_in, D, H, W), weight (C_out, C_in/groups, kD, kH, kW),
    bias (C_out,) -> (N, C_out, OD, OH, OW).

    OD = floor((D + 2*padding_d - dilation_d*(kD-1) - 1) / stride_d) + 1, likewise OH and OW.
    ``padding``: int, triple, ``"valid"`` or ``"same"`` (stride 1 only; an odd
    total pads one more at the back/bottom/right, as PyTorch does).

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> F.conv3d(mdl.ones(1, 2, 4, 4, 4), mdl.ones(3, 2, 3, 3, 3), padding=1).shape
    minidl.Size([1, 3, 4, 4, 4])
    """
    x, unbatched = _batched(input, "conv3d")
    stride, dilation, groups = _triple(stride, "stride"), _triple(dilation, "dilation"), int(groups)
    _check_conv_args("conv3d", x, weight, bias, groups, transposed=False)
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if padding == "same" and stride != (1, 1, 1):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        amounts = _same_padding(kernel, dilation) if padding == "same" else ((0, 0),) * 3
    else:
        amounts = tuple((p, p) for p in _triple(padding, "padding"))
    if min(min(a) for a in amounts) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(stride) < 1:
        raise RuntimeError("non-positive stride is not supported")
    if min(dilation) < 1:
        raise RuntimeError("dilation should be greater than zero")
    padded = [s + a + b for s, (a, b) in zip(x.shape[2:], amounts)]
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(p < s for p, s in zip(padded, spans)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                           f"Kernel size: ({' x '.join(map(str, spans))}). Kernel size can't be greater than "
                           f"actual input size")
    (fd, bd), (top, bottom), (left, right) = amounts
    hw_padding = (top, left)
    if top != bottom or left != right:   # asymmetric "same": pad H and W here
        x, hw_padding = pad(x, (left, right, top, bottom, fd, bd)), (0, 0)
    elif fd or bd:
        x = pad(x, (0, 0, 0, 0, fd, bd))
    n = x.shape[0]
    cols, od = _depth_unfold(x, kernel[0], stride[0], dilation[0], groups)
    cg = weight.shape[1]
    w2 = weight.permute(0, 2, 1, 3, 4).reshape(weight.shape[0], kernel[0] * cg, kernel[1], kernel[2])
    out = conv2d(cols, w2, bias, stride[1:], hw_padding, dilation[1:], groups)     # (N*OD, O, OH, OW)
    out = out.reshape((n, od) + tuple(out.shape[1:])).permute(0, 2, 1, 3, 4)
    return out[0] if unbatched else out


def _insert_zeros(x, strides):
    """(N, C, D, H, W) -> (N, C, (D-1)*sd+1, (H-1)*sh+1, (W-1)*sw+1): voxels ``stride`` apart, zeros between."""
    if strides == (1, 1, 1):
        return x
    n, c, d, h, w = x.shape
    sd, sh, sw = strides
    spread = pad(x.reshape(n, c, d, 1, h, 1, w, 1), (0, sw - 1, 0, 0, 0, sh - 1, 0, 0, 0, sd - 1))
    spread = spread.reshape(n, c, d * sd, h * sh, w * sw)
    return spread[:, :, :(d - 1) * sd + 1, :(h - 1) * sh + 1, :(w - 1) * sw + 1]


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 3-D convolution: input (N, C_in, D, H, W) or (C_in, D, H, W), weight
    (C_in, C_out/groups, kD, kH, kW), bias (C_out,) -> (N, C_out, OD, OH, OW) with
    OD = (D-1)*stride - 2*padding + dilation*(kD-1) + output_padding + 1 (likewise OH, OW).

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> F.conv_transpose3d(mdl.ones(1, 4, 2, 2, 2), mdl.ones(4, 2, 3, 3, 3), stride=2).shape
    minidl.Size([1, 2, 5, 5, 5])
    """
    x, unbatched = _batched(input, "conv_transpose3d")
    stride, padding = _triple(stride, "stride"), _triple(padding, "padding")
    output_padding, dilation = _triple(output_padding, "output_padding"), _triple(dilation, "dilation")
    groups = int(groups)
    _check_conv_args("conv_transpose3d", x, weight, bias, groups, transposed=True)
    if min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise RuntimeError(f"conv_transpose3d: stride {stride} and dilation {dilation} must be >= 1 and padding "
                           f"{padding} >= 0")
    if any(not 0 <= op < max(s, d) for op, s, d in zip(output_padding, stride, dilation)):
        (opd, oph, opw), (sd, sh, sw), (dd, dh, dw) = output_padding, stride, dilation
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           f"output_padding_depth: {opd} output_padding_height: {oph} output_padding_width: {opw} "
                           f"stride_depth: {sd} stride_height: {sh} stride_width: {sw} dilation_depth: {dd} "
                           f"dilation_height: {dh} dilation_width: {dw}")
    c_in, c_out_g, kd, kh, kw = weight.shape
    sizes = [(s - 1) * st - 2 * p + d * (k - 1) + op + 1 for s, st, p, d, k, op in
             zip(x.shape[2:], stride, padding, dilation, (kd, kh, kw), output_padding)]
    if min(sizes) < 1:
        raise RuntimeError(f"conv_transpose3d: given input of size {_size(x.shape)}, the calculated output size "
                           f"{tuple(sizes)} is too small")
    # the equivalent convolution's kernel: (groups * C_out/groups, C_in/groups, kD, kH, kW), flipped in space
    kernel = weight.reshape(groups, c_in // groups, c_out_g, kd, kh, kw).transpose(1, 2)
    kernel = kernel.reshape(groups * c_out_g, c_in // groups, kd, kh, kw).flip((2, 3, 4))
    x = _insert_zeros(x, stride)
    full = [d * (k - 1) - p for d, k, p in zip(dilation, (kd, kh, kw), padding)]
    grow = [max(v, 0) for v in full]
    x = pad(x, (grow[2], grow[2] + output_padding[2], grow[1], grow[1] + output_padding[1],
                grow[0], grow[0] + output_padding[0]))
    out = conv3d(x, kernel, bias, 1, 0, dilation, groups)
    crop = [max(-v, 0) for v in full]
    if any(crop):
        out = out[:, :, crop[0]:out.shape[2] - crop[0], crop[1]:out.shape[3] - crop[1],
                  crop[2]:out.shape[4] - crop[2]]
    return out[0] if unbatched else out
