"""Batch normalisation for (N, C) and (N, C, H, W) inputs.

Training (Ioffe & Szegedy 2015, eq. in Alg. 1), per channel over M = N*H*W values:
    mu = mean(x), var = mean((x - mu)^2), xhat = (x - mu) / sqrt(var + eps),
    y = gamma * xhat + beta
Backward, with dxhat = dy * gamma:
    dx = (1 / (M * sqrt(var + eps))) * (M * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat))
Running statistics follow PyTorch: running = (1 - momentum) * running + momentum * batch,
with the unbiased batch variance var * M / (M - 1).
"""
from __future__ import annotations

from .. import kernels
from ..autograd import Function
from ..backend import get_array_module
from . import _norm_gpu
from ._guards import check_float_input, empty_batch

__all__ = ["batch_norm"]


def _as_4d(a):
    """(N, C, L) inputs are viewed as (N, C, L, 1) for the channel kernels."""
    return a.reshape(a.shape + (1,)) if a.ndim == 3 else a


def _nchw_or_channels_last(a):
    """a unchanged when C-contiguous or channels-last (NHWC memory, which the channel kernels keep), else a copy."""
    return a if kernels.is_channels_last(a) else get_array_module(a).ascontiguousarray(a)


class BatchNorm(Function):
    """Batch norm with optional affine weight/bias; running stats are updated outside the graph.

    The per-channel passes run as fused kernels (``minidl.kernels.channel_*``):
    one pass for the statistics, one for the normalisation, one for the two
    backward reductions and one for the input gradient.
    """

    _saved_inputs = {0: None, 1: None}   # PyTorch saves input and weight (not bias)

    def name(self):
        """``NativeBatchNormBackward0``: PyTorch's node for this op."""
        return "NativeBatchNormBackward0"

    def forward(self, x, weight=None, bias=None, running_mean=None, running_var=None,
                training=False, momentum=0.1, eps=1e-5):
        xp = get_array_module(x)
        x4 = _nchw_or_channels_last(_as_4d(x))
        dt = x.dtype.type
        self.use_batch = training or running_mean is None
        if self.use_batch:
            mean, var = kernels.channel_mean_var(x4)
            mean, var = mean.astype(x.dtype, copy=False), var.astype(x.dtype, copy=False)
            if training and running_mean is not None:
                m = x.size // x.shape[1]
                if m == 1:
                    raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                                     f"got input of shape {x.shape}")
                if _norm_gpu.fusable(mean, var, weight, bias, running_mean, running_var):
                    # the same arithmetic as below, one launch (_norm_gpu.py)
                    scale, shift, invstd, xshift = _norm_gpu.train_constants(
                        mean, var, weight, bias, running_mean, running_var, eps, momentum, m)
                    y = kernels.channel_affine(x4, scale, shift)
                    self.scale, self.shape, self.eps = scale, x.shape, eps
                    self.x4, self.invstd, self.xshift = x4, invstd, xshift
                    return y.reshape(x.shape)
                mom = running_mean.dtype.type(momentum)
                running_mean *= 1 - mom
                running_mean += mom * mean.astype(running_mean.dtype, copy=False)
                running_var *= 1 - mom
                running_var += mom * (var * dt(m / (m - 1))).astype(running_var.dtype, copy=False)
        else:
            mean, var = running_mean.astype(x.dtype, copy=False), running_var.astype(x.dtype, copy=False)
        if _norm_gpu.fusable(mean, var, weight, bias):
            scale, shift, invstd = _norm_gpu.eval_constants(mean, var, weight, bias, eps)
        else:
            invstd = 1 / xp.sqrt(var + dt(eps))
            scale = invstd if weight is None else invstd * weight
            shift = -mean * scale if bias is None else bias - mean * scale
        y = kernels.channel_affine(x4, scale, shift)
        self.scale, self.shape, self.eps = scale, x.shape, eps
        # Kept for backward: x (the input, which the node holds for backward_graph anyway) and the constants,
        # as PyTorch; in training the backward makes x_hat = (x - mean) * invstd again, the same pass with the
        # same constants as here (the same bits), instead of keeping a second activation-sized array.
        self.x4, self.mean, self.invstd = x4, mean, invstd
        if self.use_batch:
            self.xshift = -mean * invstd
        return y.reshape(x.shape)

    def backward(self, g):
        xp = get_array_module(g)
        g4 = _nchw_or_channels_last(_as_4d(g))
        need_x, need_w, need_b = self.needs_input_grad
        gx = gw = gb = None
        if self.use_batch:
            xhat = kernels.channel_affine(self.x4, self.invstd, self.xshift)
            sum_g, sum_gx = kernels.channel_sum_dot(g4, xhat)
            sum_g, sum_gx = sum_g.astype(g.dtype, copy=False), sum_gx.astype(g.dtype, copy=False)
            if need_x:
                m = g.size // g.shape[1]
                # dx = scale * (g - sum(g)/M - x_hat * sum(g * x_hat)/M)
                if _norm_gpu.fusable(self.scale, sum_gx, sum_g):
                    beta, gamma = _norm_gpu.input_grad_coefficients(self.scale, sum_gx, sum_g, m)
                else:
                    beta, gamma = -self.scale * sum_gx / m, -self.scale * sum_g / m
                gx = kernels.channel_combine(g4, xhat, self.scale, beta, gamma).reshape(self.shape)
        else:  # statistics are constants in eval mode: dx = g * scale
            sum_g, sum_gxraw = kernels.channel_sum_dot(g4, self.x4)
            sum_g = sum_g.astype(g.dtype, copy=False)
            sum_gx = self.invstd * (sum_gxraw.astype(g.dtype, copy=False) - self.mean * sum_g)
            if need_x:
                gx = kernels.channel_affine(g4, self.scale, xp.zeros_like(self.scale)).reshape(self.shape)
        if need_w:
            gw = sum_gx
        if need_b:
            gb = sum_g
        return gx, gw, gb

    def backward_graph(self, g):
        # the same formulas as backward, in Tensor operations (recomputing the batch statistics
        # from x so that their dependence on x is differentiated too)
        from ..tensor import Tensor
        from .shape import Reshape
        x, weight, _ = self.inputs
        need_x, need_w, need_b = self.needs_input_grad
        axes = (0,) + tuple(range(2, x.ndim))
        view = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        if self.use_batch:
            centred = x - x.mean(axis=axes, keepdims=True)
            invstd = ((centred * centred).mean(axis=axes, keepdims=True) + self.eps) ** -0.5
            xhat = centred * invstd
        else:
            invstd = Tensor(self.invstd.reshape(view))
            xhat = (x - Tensor(self.mean.reshape(view))) * invstd
        gx = gw = gb = None
        if need_x:
            scale = invstd if weight is None else invstd * Reshape.apply(weight, shape=view)
            if self.use_batch:
                gx = scale * (g - g.mean(axis=axes, keepdims=True)
                              - xhat * (g * xhat).mean(axis=axes, keepdims=True))
            else:
                gx = g * scale
        if need_w:
            gw = (g * xhat).sum(axis=axes)
        if need_b:
            gb = g.sum(axis=axes)
        return gx, gw, gb


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation of x (N, C), (N, C, L), (N, C, H, W) or (N, C, D, H, W) per channel C.

    ``running_mean``/``running_var`` (C,) Tensors (or None) are updated in place
    when ``training``; in eval mode they normalise the input. ``weight``/``bias``
    (C,) are the affine parameters.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> rm, rv = mdl.zeros(2), mdl.ones(2)
    >>> x = mdl.tensor([[1.0, 10.0], [3.0, 30.0]])
    >>> F.batch_norm(x, rm, rv, training=True).numpy().round(3)
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    >>> rm.numpy()                       # running_mean moved 10% towards the batch mean
    array([0.2, 2. ], dtype=float32)
    """
    if x.ndim > 4:   # (N, C, D, ..., W) -> (N, C, D*...*H, W): the same per-channel statistics
        middle = 1
        for size in x.shape[2:-1]:
            middle *= size
        out = batch_norm(x.reshape(tuple(x.shape[:2]) + (middle, x.shape[-1])), running_mean, running_var,
                         weight, bias, training, momentum, eps)
        from ..autograd.naming import name_grad_fn
        return name_grad_fn(out.reshape(tuple(x.shape)), "NativeBatchNormBackward0")
    if x.ndim not in (2, 3, 4):
        raise ValueError(f"batch_norm: expected a (N, C), (N, C, L), (N, C, H, W) or (N, C, D, H, W) input, got "
                         f"shape {x.shape}")
    check_float_input("batch_norm", x)
    C = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(f"batch_norm: {name} has shape {tuple(t.shape)} but the input {x.shape} "
                             f"has {C} channels")
    if x.shape[0] == 0:  # PyTorch: an empty result, running statistics untouched
        return empty_batch(x.shape, x, weight, bias)
    rm = None if running_mean is None else running_mean.array
    rv = None if running_var is None else running_var.array
    return BatchNorm.apply(x, weight, bias, running_mean=rm, running_var=rv,
                           training=training, momentum=momentum, eps=eps)
