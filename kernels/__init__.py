"""minidl.kernels: the hot loops of conv nets that are not matrix products, one module per family.

=====================  =====================================================================
module                 kernels
=====================  =====================================================================
``unfold``             ``im2col``, ``col2im``
``direct_conv``        ``conv2d_direct_forward``, ``conv2d_direct_backward``, ``direct_conv_suited``
``winograd``           ``conv2d_winograd_forward``, ``conv2d_winograd_backward``, ``winograd_suited``
``winograd_planes``    Winograd's tile transforms on NCHW memory (``winograd_nhwc``: on channels-last memory;
                       ``winograd4``: F(4x4, 3x3)'s, channels-last tiles)
``activation``         ``relu_forward``, ``relu_backward`` (one pass each way)
``pooling``            ``maxpool2d_forward/backward``, ``avgpool2d_forward/backward``
``channel_stats``      ``channel_sum``, ``channel_mean_var``, ``channel_sum_dot``, ``channel_affine``,
                       ``channel_combine``
``weights``            ``kkc_weight_rows/grad``, ``winograd_weight``, ``winograd_weight_grad`` (weights between layouts)
``layout``             ``is_channels_last``, ``to_channels_last``, ``empty_in_layout`` (NCHW vs NHWC memory)
``shapes``             output sizes, argument checks and the geometry records they share
=====================  =====================================================================

Each family module reads top to bottom: the vectorised NumPy reference, the
Numba CPU kernels, the CUDA kernels (``numba.cuda``), then the public dispatch
functions, which check their arguments once, build a geometry record and call
the implementation for the array (``_dispatch.implementation``: Numba for
NumPy arrays unless ``minidl.config.cpu_kernels`` says otherwise, CUDA for
device arrays). Numba and the CUDA pieces are imported on first use, so
``import minidl.kernels`` stays quick.

All arrays are float32 or float64; outputs keep the input dtype.
"""
from __future__ import annotations

from minidl import config

from .activation import relu_backward, relu_forward
from .channel_stats import channel_affine, channel_combine, channel_mean_var, channel_sum, channel_sum_dot
from .direct_conv import (
    DIRECT_MAX_CHANNELS,
    DIRECT_MIN_PLANE,
    conv2d_direct_backward,
    conv2d_direct_forward,
    direct_conv_suited,
)
from .layout import empty_in_layout, is_channels_last, to_channels_last
from .pooling import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward
from .shapes import conv_output_size, pool_output_size
from .unfold import col2im, im2col
from .weights import kkc_weight_grad, kkc_weight_rows, winograd_weight, winograd_weight_grad
from .winograd import (
    WINOGRAD4_MIN_CHANNELS,
    WINOGRAD4_MIN_OUTPUT,
    WINOGRAD_MIN_CHANNELS,
    conv2d_winograd_backward,
    conv2d_winograd_forward,
    winograd_applicable,
    winograd_suited,
)

__all__ = ["conv_output_size", "pool_output_size", "im2col", "col2im",
           "conv2d_direct_forward", "conv2d_direct_backward", "direct_conv_suited",
           "DIRECT_MAX_CHANNELS", "DIRECT_MIN_PLANE",
           "conv2d_winograd_forward", "conv2d_winograd_backward", "winograd_applicable", "winograd_suited",
           "WINOGRAD_MIN_CHANNELS", "WINOGRAD4_MIN_CHANNELS", "WINOGRAD4_MIN_OUTPUT",
           "maxpool2d_forward", "maxpool2d_backward", "avgpool2d_forward", "avgpool2d_backward",
           "channel_sum", "channel_mean_var", "channel_sum_dot", "channel_affine", "channel_combine",
           "is_channels_last", "to_channels_last", "empty_in_layout",
           "relu_forward", "relu_backward",
           "kkc_weight_grad", "kkc_weight_rows", "winograd_weight", "winograd_weight_grad",
           "set_cpu_kernels", "cpu_kernels"]


def set_cpu_kernels(name):
    """Choose the kernels NumPy arrays use: ``"numba"`` (default) or ``"numpy"``.

    The same as setting ``minidl.config.cpu_kernels``; use
    ``minidl.using_config(cpu_kernels=...)`` for a ``with`` block.
    """
    try:
        config.cpu_kernels = name
    except ValueError as exc:
        raise ValueError(f"set_cpu_kernels: {exc}") from None


def cpu_kernels():
    """The name of the kernels NumPy arrays use now (``minidl.config.cpu_kernels``)."""
    return config.cpu_kernels
