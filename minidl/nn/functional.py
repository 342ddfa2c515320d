"""The functional interface (``import minidl.nn.functional as F``), PyTorch's names and arguments.

Every function takes and returns :class:`~minidl.tensor.Tensor` objects; the
computations live in :mod:`minidl.ops`.
"""
from __future__ import annotations

from ..ops.activation import elu, gelu, leaky_relu, log_softmax, relu, sigmoid, silu, softmax, tanh
from ..ops.conv import conv2d, linear
from ..ops.dropout import dropout, dropout2d
from ..ops.encoding import one_hot
from ..ops.interpolate import interpolate
from ..ops.loss import cross_entropy, nll_loss
from ..ops.loss_elementwise import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    huber_loss,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)
from ..ops.norm import batch_norm
from ..ops.padding import pad
from ..ops.pool import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from ..ops.shape import flatten as _flatten
from ._composite import embedding, layer_norm
from ._conv1d import avg_pool1d, conv1d, max_pool1d
from ._conv_transpose import conv_transpose2d

__all__ = ["linear", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
           "batch_norm", "dropout", "dropout2d", "relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid",
           "tanh", "softmax", "log_softmax", "cross_entropy", "nll_loss", "mse_loss", "l1_loss",
           "smooth_l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "one_hot", "flatten", "pad", "interpolate", "embedding", "layer_norm", "conv_transpose2d",
           "conv1d", "max_pool1d", "avg_pool1d"]


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` into one, as ``torch.flatten`` (whose defaults,
    start_dim=0, flatten everything): (N, C, H, W) -> (N, C*H*W) with ``start_dim=1``."""
    return _flatten(input, start_dim, end_dim)

# attention (composites of matmul, softmax, dropout and linear)
from ._attention import scaled_dot_product_attention  # noqa: E402
from ._mha import multi_head_attention_forward  # noqa: E402

__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]

# ---- more activations (PyTorch's names), and the in-place forms ----
from ..ops.activation_more import (  # noqa: E402
    celu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    logsigmoid,
    mish,
    prelu,
    relu6,
    rrelu,
    selu,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
)

__all__ += ["relu6", "hardtanh", "softplus", "selu", "celu", "mish", "hardswish", "hardsigmoid", "logsigmoid",
            "softmin", "softsign", "tanhshrink", "threshold", "glu", "prelu", "rrelu", "softshrink", "hardshrink",
            "relu_", "elu_", "leaky_relu_", "hardtanh_", "threshold_", "rrelu_", "celu_", "selu_"]


def relu_(input):
    """In-place ``relu``: ``input`` itself, overwritten (recorded in the graph when it needs grad)."""
    return input._inplace("relu_", relu)


def elu_(input, alpha=1.0):
    """In-place ``elu``; returns ``input``."""
    return input._inplace("elu_", lambda x: elu(x, alpha))


def leaky_relu_(input, negative_slope=0.01):
    """In-place ``leaky_relu``; returns ``input``."""
    return input._inplace("leaky_relu_", lambda x: leaky_relu(x, negative_slope))


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place ``hardtanh``; returns ``input``."""
    return input._inplace("hardtanh_", lambda x: hardtanh(x, min_val, max_val))


def threshold_(input, threshold, value):
    """In-place ``threshold``; returns ``input``."""
    from ..ops.activation_more import threshold as _threshold
    return input._inplace("threshold_", lambda x: _threshold(x, threshold, value))


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place ``rrelu``; returns ``input``."""
    return input._inplace("rrelu_", lambda x: rrelu(x, lower, upper, training))


def celu_(input, alpha=1.0):
    """In-place ``celu``; returns ``input``."""
    return input._inplace("celu_", lambda x: celu(x, alpha))


def selu_(input):
    """In-place ``selu``; returns ``input``."""
    return input._inplace("selu_", selu)

# ---- normalisation within a sample, distances ----
from ._distance import cosine_similarity, pairwise_distance  # noqa: E402
from ._normalization import group_norm, instance_norm, local_response_norm, normalize, rms_norm  # noqa: E402

__all__ += ["group_norm", "instance_norm", "local_response_norm", "rms_norm", "normalize", "cosine_similarity",
            "pairwise_distance"]

# ---- channel shuffles, more dropouts, 1-D adaptive pools ----
from ._dropout_more import alpha_dropout, dropout1d  # noqa: E402
from ._pixel_shuffle import pixel_shuffle, pixel_unshuffle  # noqa: E402
from ._pool1d_adaptive import adaptive_avg_pool1d, adaptive_max_pool1d  # noqa: E402

__all__ += ["pixel_shuffle", "pixel_unshuffle", "dropout1d", "alpha_dropout", "adaptive_avg_pool1d",
            "adaptive_max_pool1d", "max_pool2d_with_indices"]


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    """``max_pool2d`` returning ``(values, indices)``: indices are flat positions ``h * W + w`` in each plane."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)

# ---- more losses ----
from ._losses_more import (  # noqa: E402
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    kl_div,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
)

__all__ += ["kl_div", "margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
            "multilabel_soft_margin_loss", "multi_margin_loss", "cosine_embedding_loss", "triplet_margin_loss",
            "poisson_nll_loss", "gaussian_nll_loss"]

# ---- sliding blocks ----
from ..ops.unfold import fold, unfold  # noqa: E402

__all__ += ["unfold", "fold"]

# ---- unpooling, bilinear ----
from ..ops.unpool import max_unpool2d  # noqa: E402
from ._bilinear import bilinear  # noqa: E402

__all__ += ["max_unpool2d", "bilinear"]

# ---- further functions ----
from ._functional_extra import (  # noqa: E402
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d_with_indices,
    channel_shuffle,
    conv_transpose1d,
    dropout3d,
    feature_alpha_dropout,
    gumbel_softmax,
    lp_pool1d,
    lp_pool2d,
    max_pool1d_with_indices,
    max_unpool1d,
    multilabel_margin_loss,
    pdist,
    triplet_margin_with_distance_loss,
)

__all__ += ["dropout3d", "feature_alpha_dropout", "channel_shuffle", "lp_pool1d", "lp_pool2d", "gumbel_softmax",
            "pdist", "max_unpool1d", "max_pool1d_with_indices", "adaptive_max_pool1d_with_indices",
            "adaptive_max_pool2d_with_indices", "conv_transpose1d", "triplet_margin_with_distance_loss",
            "multilabel_margin_loss"]


# ---- embedding bags, the deprecated upsample names ----
from ._embedding_bag import embedding_bag  # noqa: E402

__all__ += ["embedding_bag", "upsample", "upsample_nearest", "upsample_bilinear"]


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of :func:`interpolate` (with PyTorch's warning)."""
    import warnings
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", UserWarning,
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode="nearest")`` (with PyTorch's warning)."""
    import warnings
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.",
                  UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode="bilinear", align_corners=True)`` (with PyTorch's warning)."""
    import warnings
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.",
                  UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)

# ---- 3-D convolution and pooling ----
from ._conv3d import conv3d, conv_transpose3d  # noqa: E402

__all__ += ["conv3d", "conv_transpose3d"]
from ._pool3d import adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, max_pool3d  # noqa: E402

__all__ += ["max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d"]
from ._pool3d_extra import (  # noqa: E402
    adaptive_max_pool3d_with_indices,
    lp_pool3d,
    max_pool3d_with_indices,
    max_unpool3d,
)

__all__ += ["max_unpool3d", "lp_pool3d", "max_pool3d_with_indices", "adaptive_max_pool3d_with_indices"]
# ---- CTC loss, spatial transformers ----
from ._ctc import ctc_loss  # noqa: E402

__all__ += ["ctc_loss"]
from ._grid_sample import affine_grid, grid_sample  # noqa: E402

__all__ += ["affine_grid", "grid_sample"]
# ---- fractional max pooling ----
from ._fractional_pool import (  # noqa: E402
    fractional_max_pool2d,
    fractional_max_pool2d_with_indices,
    fractional_max_pool3d,
    fractional_max_pool3d_with_indices,
)

__all__ += ["fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
            "fractional_max_pool3d_with_indices"]
# ---- conv_tbc, the convolution-gradient module ----
from . import grad  # noqa: E402,F401
from ._conv_tbc import conv_tbc  # noqa: E402

__all__ += ["conv_tbc"]


def native_channel_shuffle(input, groups):
    """``channel_shuffle`` under the name of PyTorch's native kernel: (*, C, H, W) with C split into ``groups``
    groups -> the channels interleaved group by group (same shape)."""
    return channel_shuffle(input, groups)


__all__ += ["native_channel_shuffle"]
from ._linear_cross_entropy import linear_cross_entropy  # noqa: E402

__all__ += ["linear_cross_entropy"]

# complex2: PyTorch's NotImplementedError for complex input to the functions whose kernels refuse it
from ._complex_refusals import install as _install_complex_refusals  # noqa: E402

_install_complex_refusals(globals())
