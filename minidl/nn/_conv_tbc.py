"""``F.conv_tbc``: a 1-D convolution over (time, batch, channels) sequences, PyTorch's."""
from __future__ import annotations

from minidl.tensor import Tensor

__all__ = ["conv_tbc"]


def conv_tbc(input, weight, bias, pad=0):
    """input (T, B, C_in), weight (K, C_in, C_out), bias (C_out,) -> (T + 2*pad - K + 1, B, C_out).

    out[t] = bias + sum_k input[t + k - pad] @ weight[k] (zeros outside the sequence): ``conv1d`` on the
    (B, C_in, T) view with the (C_out, C_in, K) weight.
    """
    for label, value in (("input", input), ("weight", weight), ("bias", bias)):
        if not isinstance(value, Tensor):
            raise TypeError(f"conv_tbc(): {label} must be a Tensor, got {type(value).__name__}")
    if input.ndim != 3:
        raise RuntimeError(f"Input must have 3 dims: time, batch, in_channel (got shape {list(input.shape)})")
    if weight.ndim != 3:
        raise RuntimeError(f"Weight tensor must have 3 dims: kernel_width, in_channels, out_channels (got shape "
                           f"{list(weight.shape)})")
    if bias.ndim != 1:
        raise RuntimeError(f"Bias must be 1-D (got shape {list(bias.shape)})")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError(f"Input dim 2 (input channels) is not == dim 1 in the weight tensor ({input.shape[2]} vs "
                           f"{weight.shape[1]})")
    if weight.shape[2] != bias.shape[0]:
        raise RuntimeError(f"Bias size must equal dim 2 in the weight tensor (output channels) ({bias.shape[0]} vs "
                           f"{weight.shape[2]})")
    from minidl.nn._conv1d import conv1d
    out = conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=int(pad))
    return out.permute(2, 0, 1)
