"""``F.conv_transpose2d``: the transposed ("fractionally strided") convolution, as PyTorch's.

It is computed as a plain convolution, from differentiable pieces only: the
input gets ``stride - 1`` zeros inserted between its pixels (a reshape and a
constant pad), then is convolved with the kernel flipped in space and with
its in/out channel axes swapped (per group), with ``dilation * (k - 1) -
padding`` padding (a crop where that is negative) and ``output_padding`` extra
zeros at the bottom/right. Gradients of every order come from those ops.

Output size (per spatial dim): ``(H - 1) * stride - 2 * padding +
dilation * (k - 1) + output_padding + 1``.
"""
from __future__ import annotations

from minidl.ops.conv import conv2d
from minidl.ops.padding import pad

__all__ = ["conv_transpose2d"]


def _pair(value, name):
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2:
        raise ValueError(f"conv_transpose2d: {name} must be an int or a pair, got {value!r}")
    return tuple(int(v) for v in items)


def _insert_zeros(x, sh, sw):
    """(N, C, H, W) -> (N, C, (H-1)*sh+1, (W-1)*sw+1) with the pixels ``sh``/``sw`` apart, zeros between."""
    if sh == 1 and sw == 1:
        return x
    n, c, h, w = x.shape
    spread = pad(x.reshape(n, c, h, 1, w, 1), (0, sw - 1, 0, 0, 0, sh - 1))
    return spread.reshape(n, c, h * sh, w * sw)[:, :, :(h - 1) * sh + 1, :(w - 1) * sw + 1]


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution: input (N, C_in, H, W) or (C_in, H, W), weight (C_in, C_out/groups, kH, kW),
    bias (C_out,) -> (N, C_out, OH, OW), OH = (H-1)*stride - 2*padding + dilation*(kH-1) + output_padding + 1."""
    from ..ops.conv_complex import complex_conv, is_complex_operand
    if is_complex_operand(input, weight, bias):
        return complex_conv(conv_transpose2d, "conv_transpose2d", input, weight, bias, stride, padding,
                            output_padding, groups, dilation)
    stride, padding = _pair(stride, "stride"), _pair(padding, "padding")
    output_padding, dilation = _pair(output_padding, "output_padding"), _pair(dilation, "dilation")
    groups = int(groups)
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    if input.ndim != 4 or weight.ndim != 4:
        raise RuntimeError(f"conv_transpose2d: expected a 4-D input (N, C, H, W) or 3-D and a 4-D weight, got "
                           f"input of shape {list(input.shape)} and weight of shape {list(weight.shape)}")
    c_in, c_out_g, kh, kw = weight.shape
    if input.shape[1] != c_in or c_in % groups:
        raise RuntimeError(f"conv_transpose2d: weight of shape {list(weight.shape)} expects {c_in} input channels "
                           f"(divisible by groups={groups}), got input of shape {list(input.shape)}")
    for op, s, d, name in zip(output_padding, stride, dilation, ("height", "width")):
        if not 0 <= op < max(s, d):
            raise RuntimeError(f"conv_transpose2d: output_padding ({op}) in {name} must be smaller than either "
                               f"stride ({s}) or dilation ({d})")
    # kernel of the equivalent convolution: (groups * C_out/groups, C_in/groups, kH, kW), flipped in space
    kernel = weight.reshape(groups, c_in // groups, c_out_g, kh, kw).transpose(1, 2)
    kernel = kernel.reshape(groups * c_out_g, c_in // groups, kh, kw)[:, :, ::-1, ::-1]  # flipped in space
    x = _insert_zeros(input, *stride)
    full = [dilation[0] * (kh - 1) - padding[0], dilation[1] * (kw - 1) - padding[1]]
    grow = [max(v, 0) for v in full]
    x = pad(x, (grow[1], grow[1] + output_padding[1], grow[0], grow[0] + output_padding[0]))
    out = conv2d(x, kernel, bias, stride=1, padding=0, dilation=dilation, groups=groups)
    crop_h, crop_w = max(-full[0], 0), max(-full[1], 0)
    if crop_h or crop_w:
        out = out[:, :, crop_h:out.shape[2] - crop_h, crop_w:out.shape[3] - crop_w]
    return out[0] if unbatched else out
