"""Fold an eval-mode batch norm into the convolution or linear layer before it (``torch.nn.utils.fusion``).

In eval mode BN(y) = (y - mean) / sqrt(var + eps) * gamma + beta is affine
per channel, so conv -> bn equals one convolution with weight
W * s (s = gamma / sqrt(var + eps) per output channel) and bias
(b - mean) * s + beta. The fused layer is a deep copy; the originals are untouched.
"""
from __future__ import annotations

import copy

from minidl.autograd import no_grad
from minidl.creation import ones_like, zeros_like
from minidl.nn.module import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]


def fuse_conv_bn_eval(conv, bn, transpose: bool = False):
    """A copy of ``conv`` (any Conv/ConvTranspose layer, eval mode) with ``bn`` (eval mode) folded in.

    ``transpose=True`` for a ConvTranspose layer, whose output channels are
    its weight's dimension 1. Raises AssertionError in training mode, as PyTorch.
    """
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused_conv = copy.deepcopy(conv)
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused_conv.weight, fused_conv.bias = fuse_conv_bn_weights(
        fused_conv.weight, fused_conv.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias, transpose)
    return fused_conv


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose: bool = False):
    """The fused ``(weight, bias)`` Parameters of a convolution followed by an eval-mode batch norm.

    Shapes: conv_w (C_out, C_in/groups, *k) (or (C_in, C_out/groups, *k) with
    ``transpose``), conv_b / bn_rm / bn_rv / bn_w / bn_b (C_out,). ``conv_b``,
    ``bn_w`` and ``bn_b`` may be None (zeros, ones, zeros). The weight keeps
    ``conv_w``'s dtype and ``requires_grad``; the bias keeps ``conv_b``'s (a
    new zero bias does not require grad, as in PyTorch).
    """
    conv_weight_dtype = conv_w.dtype
    conv_bias_dtype = conv_b.dtype if conv_b is not None else conv_weight_dtype
    with no_grad():
        if conv_b is None:
            conv_b = zeros_like(bn_rm)
        if bn_w is None:
            bn_w = ones_like(bn_rm)
        if bn_b is None:
            bn_b = zeros_like(bn_rm)
        bn_var_rsqrt = (bn_rv + bn_eps).rsqrt()
        shape = ([1, -1] if transpose else [-1, 1]) + [1] * (len(conv_w.shape) - 2)
        fused_conv_w = (conv_w * (bn_w * bn_var_rsqrt).reshape(shape)).to(dtype=conv_weight_dtype)
        fused_conv_b = ((conv_b - bn_rm) * bn_var_rsqrt * bn_w + bn_b).to(dtype=conv_bias_dtype)
    return (Parameter(fused_conv_w.array, conv_w.requires_grad),
            Parameter(fused_conv_b.array, conv_b.requires_grad))


def fuse_linear_bn_eval(linear, bn):
    """A copy of ``linear`` (eval mode) with the following ``bn`` (eval mode, BatchNorm1d) folded in."""
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused_linear = copy.deepcopy(linear)
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError("To fuse, linear.out_features == bn.num_features or bn.num_features == 1, "
                             f"got linear.out_features={linear.out_features} and bn.num_features={bn.num_features}")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused_linear.weight, fused_linear.bias = fuse_linear_bn_weights(
        fused_linear.weight, fused_linear.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused_linear


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """The fused ``(weight, bias)`` Parameters of a linear layer followed by an eval-mode batch norm.

    Shapes: linear_w (out, in), linear_b (out,) or None, the BN tensors (out,) or (1,).
    """
    linear_weight_dtype = linear_w.dtype
    linear_bias_dtype = linear_b.dtype if linear_b is not None else linear_weight_dtype
    with no_grad():
        if linear_b is None:
            linear_b = zeros_like(bn_rm)
        bn_scale = bn_w * (bn_rv + bn_eps).rsqrt()
        fused_w = linear_w * bn_scale.unsqueeze(-1).to(dtype=linear_weight_dtype)
        fused_b = ((linear_b - bn_rm) * bn_scale + bn_b).to(dtype=linear_bias_dtype)
    return Parameter(fused_w.array, linear_w.requires_grad), Parameter(fused_b.array, linear_b.requires_grad)
