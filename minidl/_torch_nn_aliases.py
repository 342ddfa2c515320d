"""The ``torch.*`` forms of ``torch.nn.functional`` functions (``torch.conv2d``, ``torch.batch_norm``,
``torch.dropout``, ``torch.kl_div``, ...), with PyTorch's top-level signatures, which differ from the
``F.*`` ones in places: ``torch.dropout(input, p, train)`` has no defaults, ``torch.batch_norm`` and
``torch.instance_norm`` take every argument positionally in ATen's order, ``torch.embedding(weight,
indices)`` has the arguments the other way round, pools return no indices, and the losses take an int
``reduction`` (0 none, 1 mean, 2 sum; like PyTorch, the default and any other value give no reduction).

Each computes exactly what the matching :mod:`minidl.nn.functional` function does.

>>> import minidl as mdl
>>> x = mdl.ones(1, 1, 4)
>>> mdl.max_pool1d(x, 2).shape, mdl.dropout(x, 0.5, False) is x
(minidl.Size([1, 1, 2]), True)
"""
from __future__ import annotations

import numbers

from .tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "avg_pool1d",
           "adaptive_avg_pool1d", "adaptive_max_pool1d", "batch_norm", "layer_norm", "group_norm",
           "instance_norm", "rms_norm", "embedding", "dropout", "dropout_", "alpha_dropout", "alpha_dropout_",
           "feature_alpha_dropout", "feature_alpha_dropout_", "bilinear", "celu", "celu_", "selu", "selu_",
           "prelu", "rrelu", "rrelu_", "threshold", "threshold_", "hardshrink", "pixel_shuffle",
           "pixel_unshuffle", "channel_shuffle", "cosine_embedding_loss", "kl_div", "margin_ranking_loss",
           "hinge_embedding_loss", "triplet_margin_loss", "poisson_nll_loss", "ctc_loss",
           "binary_cross_entropy_with_logits", "constant_pad_nd", "unflatten"]


def _F():
    from .nn import functional
    return functional


def _tensor(name, value, arg="input"):
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(value).__name__}")
    return value


def _reduction(name, reduction):
    """PyTorch's int reduction as F's string: 1 'mean', 2 'sum', anything else 'none' (as torch.* does)."""
    if isinstance(reduction, bool) or not isinstance(reduction, numbers.Integral):
        raise TypeError(f"{name}(): argument 'reduction' must be int, not {type(reduction).__name__}")
    return {1: "mean", 2: "sum"}.get(int(reduction), "none")


def _pool_stride(stride):
    return None if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else stride


# --- convolutions -----------------------------------------------------------------------
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of (N, C_in, L) by (C_out, C_in/groups, k) (as ``F.conv1d``)."""
    return _F().conv1d(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of (N, C_in, H, W) by (C_out, C_in/groups, kh, kw) (as ``F.conv2d``)."""
    return _F().conv2d(input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution of (N, C_in, D, H, W) by (C_out, C_in/groups, kd, kh, kw) (as ``F.conv3d``)."""
    return _F().conv3d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution, weight (C_in, C_out/groups, k) (as ``F.conv_transpose1d``)."""
    return _F().conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution, weight (C_in, C_out/groups, kh, kw) (as ``F.conv_transpose2d``)."""
    return _F().conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution, weight (C_in, C_out/groups, kd, kh, kw) (as ``F.conv_transpose3d``)."""
    return _F().conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation)


# --- pooling -----------------------------------------------------------------------------
def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """Max pooling over (N, C, L); ``stride`` defaults to ``kernel_size``. Returns the values only."""
    return _F().max_pool1d(input, kernel_size, _pool_stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """Max pooling over (N, C, L): ``(values, indices)``."""
    return _F().max_pool1d(input, kernel_size, _pool_stride(stride), padding, dilation, ceil_mode, True)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """Max pooling over (N, C, H, W); ``stride`` defaults to ``kernel_size``. Returns the values only."""
    return _F().max_pool2d(input, kernel_size, _pool_stride(stride), padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """Max pooling over (N, C, D, H, W); ``stride`` defaults to ``kernel_size``. Returns the values only."""
    return _F().max_pool3d(input, kernel_size, _pool_stride(stride), padding, dilation, ceil_mode)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Average pooling over (N, C, L) (as ``F.avg_pool1d``)."""
    return _F().avg_pool1d(input, kernel_size, _pool_stride(stride), padding, ceil_mode, count_include_pad)


def adaptive_avg_pool1d(input, output_size):
    """Average pooling of (N, C, L) to length ``output_size``."""
    return _F().adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input, output_size):
    """Max pooling of (N, C, L) to length ``output_size``: always the tuple ``(values, indices)``."""
    return tuple(_F().adaptive_max_pool1d(input, output_size, return_indices=True))


# --- normalisation ----------------------------------------------------------------------------
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    """Batch normalisation in ATen's argument order (all positional; ``cudnn_enabled`` is ignored)."""
    return _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled):
    """Instance normalisation in ATen's argument order (all positional; ``cudnn_enabled`` is ignored)."""
    return _F().instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    """Layer normalisation over the trailing ``normalized_shape`` (``cudnn_enable`` is ignored)."""
    return _F().layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):
    """Group normalisation of (N, C, *) in ``num_groups`` groups (``cudnn_enabled`` is ignored)."""
    return _F().group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """RMS normalisation over the trailing ``normalized_shape`` (as ``F.rms_norm``)."""
    return _F().rms_norm(input, normalized_shape, weight, eps)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` picked by ``indices`` (note the order: weight first, as ATen's). ``padding_idx`` >= 0:
    that row gets no gradient; a negative one means none (``F.embedding`` normalises before calling this)."""
    _tensor("embedding", weight, "weight")
    padding = None if padding_idx is None or padding_idx < 0 else int(padding_idx)
    return _F().embedding(indices, weight, padding_idx=padding, scale_grad_by_freq=scale_grad_by_freq,
                          sparse=sparse)


# --- dropout -------------------------------------------------------------------------------
def dropout(input, p, train):
    """Dropout with probability ``p`` when ``train`` (both required, as ``torch.dropout``)."""
    return _F().dropout(_tensor("dropout", input), p, train)


def dropout_(input, p, train):
    """In-place :func:`dropout`."""
    return _F().dropout(_tensor("dropout_", input), p, train, inplace=True)


def alpha_dropout(input, p, train):
    """Alpha dropout (keeps SELU's mean and variance) when ``train``."""
    return _F().alpha_dropout(_tensor("alpha_dropout", input), p, train)


def alpha_dropout_(input, p, train):
    """In-place :func:`alpha_dropout`."""
    return _F().alpha_dropout(_tensor("alpha_dropout_", input), p, train, inplace=True)


def feature_alpha_dropout(input, p, train):
    """Alpha dropout of whole channels when ``train``."""
    return _F().feature_alpha_dropout(_tensor("feature_alpha_dropout", input), p, train)


def feature_alpha_dropout_(input, p, train):
    """In-place :func:`feature_alpha_dropout`."""
    return _F().feature_alpha_dropout(_tensor("feature_alpha_dropout_", input), p, train, inplace=True)


# --- activations -------------------------------------------------------------------------------
def bilinear(input1, input2, weight, bias=None):
    """``x1^T A x2 + b`` per output feature (as ``F.bilinear``)."""
    return _F().bilinear(input1, input2, weight, bias)


def celu(input, alpha=1.0):
    """CELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return _F().celu(_tensor("celu", input), alpha)


def celu_(input, alpha=1.0):
    """In-place :func:`celu`."""
    return _F().celu(_tensor("celu_", input), alpha, inplace=True)


def selu(input):
    """SELU: ``scale * (max(0, x) + min(0, alpha * (exp(x) - 1)))``."""
    return _F().selu(_tensor("selu", input))


def selu_(input):
    """In-place :func:`selu`."""
    return _F().selu(_tensor("selu_", input), inplace=True)


def prelu(input, weight):
    """PReLU with the slope ``weight`` (one value, or one per channel of dim 1)."""
    return _F().prelu(input, weight)


def rrelu(input, lower=0.125, upper=1.0 / 3, training=False, generator=None):
    """Randomised leaky ReLU: slopes drawn from U(lower, upper) when ``training``, else their mean."""
    return _F().rrelu(_tensor("rrelu", input), lower, upper, training)


def rrelu_(input, lower=0.125, upper=1.0 / 3, training=False, generator=None):
    """In-place :func:`rrelu`."""
    return _F().rrelu(_tensor("rrelu_", input), lower, upper, training, inplace=True)


def threshold(input, threshold, value):
    """``input`` where ``input > threshold``, else ``value``."""
    return _F().threshold(_tensor("threshold", input), threshold, value)


def threshold_(input, threshold, value):
    """In-place :func:`threshold`."""
    return _F().threshold(_tensor("threshold_", input), threshold, value, inplace=True)


def hardshrink(input, lambd=0.5):
    """``input`` where ``|input| > lambd``, else 0."""
    return _F().hardshrink(input, lambd)


# --- shape ---------------------------------------------------------------------------------
def pixel_shuffle(input, upscale_factor):
    """(N, C*r*r, H, W) -> (N, C, H*r, W*r)."""
    return _F().pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    """(N, C, H*r, W*r) -> (N, C*r*r, H, W)."""
    return _F().pixel_unshuffle(input, downscale_factor)


def channel_shuffle(input, groups):
    """Channels of (N, C, *) regrouped: (groups, C/groups) transposed."""
    return _F().channel_shuffle(input, groups)


def constant_pad_nd(input, pad, value=0):
    """Pad with the constant ``value``; ``pad`` lists (before, after) pairs from the last dim backwards."""
    return _F().pad(input, list(pad), mode="constant", value=value)


def unflatten(input, dim, sizes):
    """Dimension ``dim`` split into ``sizes`` (one may be -1)."""
    return _tensor("unflatten", input).unflatten(dim, sizes)


# --- losses (int reduction) ------------------------------------------------------------------
def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    """Cosine embedding loss of two (N, D) batches and targets in {1, -1}."""
    return _F().cosine_embedding_loss(input1, input2, target, margin,
                                      reduction=_reduction("cosine_embedding_loss", reduction))


def kl_div(input, target, reduction=0, *, log_target=False):
    """Pointwise KL divergence ``target * (log target - input)`` (``input`` holds log-probabilities)."""
    mode = _reduction("kl_div", reduction)
    pointwise = _F().kl_div(input, target, reduction="none", log_target=log_target)
    # the mean over every element (F.kl_div's 'mean', without F's warning, which torch.kl_div does not give)
    return pointwise.mean() if mode == "mean" else pointwise.sum() if mode == "sum" else pointwise


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    """``max(0, -target * (input1 - input2) + margin)``."""
    return _F().margin_ranking_loss(input1, input2, target, margin,
                                    reduction=_reduction("margin_ranking_loss", reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    """``input`` where ``target`` is 1, ``max(0, margin - input)`` where it is -1."""
    return _F().hinge_embedding_loss(input, target, margin, reduction=_reduction("hinge_embedding_loss", reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-06, swap=False, reduction=0):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with the p-norm distance."""
    return _F().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                    reduction=_reduction("triplet_margin_loss", reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    """Poisson negative log-likelihood (every argument required, as ``torch.poisson_nll_loss``)."""
    return _F().poisson_nll_loss(input, target, log_input, full, eps=eps,
                                 reduction=_reduction("poisson_nll_loss", reduction))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0, zero_infinity=False):
    """Connectionist temporal classification loss of (T, N, C) log-probabilities."""
    return _F().ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                         reduction=_reduction("ctc_loss", reduction), zero_infinity=zero_infinity)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    """Binary cross-entropy on logits (``pos_weight`` weighs the positive term)."""
    return _F().binary_cross_entropy_with_logits(input, target, weight, pos_weight=pos_weight,
                                                 reduction=_reduction("binary_cross_entropy_with_logits",
                                                                      reduction))
