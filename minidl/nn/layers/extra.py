"""Further layers with PyTorch's constructors and reprs: ``Dropout3d``, ``FeatureAlphaDropout``,
``ChannelShuffle``, ``LPPool1d``, ``LPPool2d``, ``MaxUnpool1d``, ``ConvTranspose1d``,
``TripletMarginWithDistanceLoss`` and ``MultiLabelMarginLoss``."""
from __future__ import annotations

import minidl.nn.functional as F
from minidl.nn.layers._utils import ConvSurface, _conv_parameters, _count, _factory, default_init_
from minidl.nn.layers.distance import PairwiseDistance
from minidl.nn.layers.dropout import Dropout
from minidl.nn.layers.loss import _Loss
from minidl.nn.module import Module

__all__ = ["Dropout3d", "FeatureAlphaDropout", "ChannelShuffle", "LPPool1d", "LPPool2d", "MaxUnpool1d",
           "ConvTranspose1d", "TripletMarginWithDistanceLoss", "MultiLabelMarginLoss"]


def _single(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


class Dropout3d(Dropout):
    """Zero whole channels of (N, C, D, H, W) inputs in training, scaling the others by 1/(1-p)."""

    def forward(self, input):
        """(N, C, D, H, W) -> the same shape."""
        return F.dropout3d(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(Dropout):
    """Alpha dropout of whole channels (keeps SELU statistics) in training; the identity in eval."""

    def forward(self, input):
        """(N, C, *) -> the same shape."""
        return F.feature_alpha_dropout(input, self.p, self.training)


class ChannelShuffle(Module):
    """Interleave ``groups`` groups of channels. Shapes: (N, C, *) -> (N, C, *)."""

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        """(N, C, *) -> (N, C, *)."""
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class _LPPoolNd(Module):
    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """(sum over each window of x**p) ** (1/p). Shapes: (N, C, L) -> (N, C, L_out)."""

    def forward(self, input):
        """(N, C, L) -> (N, C, L_out)."""
        return F.lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """(sum over each window of x**p) ** (1/p). Shapes: (N, C, H, W) -> (N, C, OH, OW)."""

    def forward(self, input):
        """(N, C, H, W) -> (N, C, OH, OW)."""
        return F.lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class MaxUnpool1d(Module):
    """Put max-pooled values back at their positions. Shapes: (N, C, L) + indices -> (N, C, L_out)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)

    def forward(self, input, indices, output_size=None):
        """(N, C, L), indices -> (N, C, L_out)."""
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class ConvTranspose1d(ConvSurface, Module):
    """Transposed 1-D convolution. Shapes: (N, C_in, L) -> (N, C_out, L_out), L_out = (L - 1) * stride -
    2 * padding + dilation * (k - 1) + output_padding + 1. ``weight`` (C_in, C_out/groups, k), ``bias``
    (C_out,), initialised as PyTorch (kaiming_uniform_ with a=sqrt(5), fan_in from weight dim 1)."""

    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for ConvTranspose1d, got {padding_mode!r}')
        dev, dt = _factory(device, dtype)
        self.in_channels = _count("ConvTranspose1d", "in_channels", in_channels)
        self.out_channels = _count("ConvTranspose1d", "out_channels", out_channels)
        self.groups = _count("ConvTranspose1d", "groups", groups)
        if self.groups == 0 or self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError("in_channels and out_channels must be divisible by groups")
        self.kernel_size, self.stride, self.padding = _single(kernel_size), _single(stride), _single(padding)
        self.output_padding, self.dilation = _single(output_padding), _single(dilation)
        self.padding_mode = padding_mode
        shape = (self.in_channels, self.out_channels // self.groups, self.kernel_size[0])
        _conv_parameters(self, shape, bias, dt, dev)

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation."""
        default_init_(self.weight, self.bias)

    def forward(self, input):
        """(N, C_in, L) or (C_in, L) -> (N, C_out, L_out)."""
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride[0], self.padding[0],
                                  self.output_padding[0], self.groups, self.dilation[0])

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,):
            s += f", padding={self.padding}"
        if self.dilation != (1,):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class TripletMarginWithDistanceLoss(_Loss):
    """max(0, margin + d(a, p) - d(a, n)) with ``distance_function`` (default: PairwiseDistance()).
    Shapes: (N, D) x 3 -> scalar."""

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False, reduction: str = "mean"):
        super().__init__(None, None, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                             "instead")
        self.distance_function = distance_function if distance_function is not None else PairwiseDistance()
        self.margin, self.swap = margin, swap

    def forward(self, anchor, positive, negative):
        """(N, D), (N, D), (N, D) -> loss."""
        return F.triplet_margin_with_distance_loss(anchor, positive, negative,
                                                   distance_function=self.distance_function, margin=self.margin,
                                                   swap=self.swap, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss over class-id targets ended by -1. Shapes: (N, C), (N, C) -> scalar."""

    def forward(self, input, target):
        """(N, C), (N, C) int64 -> loss."""
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)
