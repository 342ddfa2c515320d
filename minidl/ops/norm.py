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

from ..autograd import Function
from ..backend import get_array_module

__all__ = ["batch_norm"]


def _channel_view(a, ndim):
    """Shape a per-channel vector (C,) to broadcast against (N, C) or (N, C, H, W)."""
    return a.reshape((1, -1) + (1,) * (ndim - 2))


class BatchNorm(Function):
    """Batch norm with optional affine weight/bias; running stats are updated outside the graph."""

    def forward(self, x, weight=None, bias=None, running_mean=None, running_var=None,
                training=False, momentum=0.1, eps=1e-5):
        xp = get_array_module(x)
        axes = (0,) + tuple(range(2, x.ndim))
        self.axes, self.ndim = axes, x.ndim
        use_batch = training or running_mean is None
        if use_batch:
            mean = x.mean(axis=axes)
            centred = x - _channel_view(mean, x.ndim)
            var = (centred * centred).mean(axis=axes)
            if training and running_mean is not None:
                m = x.size // x.shape[1]
                if m < 2:
                    raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                                     f"got input of shape {x.shape}")
                mom = x.dtype.type(momentum)
                running_mean *= 1 - mom
                running_mean += mom * mean.astype(running_mean.dtype, copy=False)
                running_var *= 1 - mom
                running_var += mom * (var * (m / (m - 1))).astype(running_var.dtype, copy=False)
        else:
            mean, var = running_mean.astype(x.dtype, copy=False), running_var.astype(x.dtype, copy=False)
            centred = x - _channel_view(mean, x.ndim)
        invstd = 1 / xp.sqrt(var + x.dtype.type(eps))
        xhat = centred * _channel_view(invstd, x.ndim)
        self.xhat, self.invstd, self.weight, self.use_batch = xhat, invstd, weight, use_batch
        y = xhat if weight is None else xhat * _channel_view(weight, x.ndim)
        if bias is not None:
            y = y + _channel_view(bias, x.ndim)
        return y

    def backward(self, g):
        xhat, axes, nd = self.xhat, self.axes, self.ndim
        gw = (g * xhat).sum(axis=axes) if self.needs_input_grad[1] else None
        gb = g.sum(axis=axes) if self.needs_input_grad[2] else None
        gx = None
        if self.needs_input_grad[0]:
            scale = self.invstd if self.weight is None else self.invstd * self.weight
            if self.use_batch:
                m = g.size // g.shape[1]
                sum_g = g.sum(axis=axes)
                sum_gx = (g * xhat).sum(axis=axes) if gw is None else gw
                gx = (g - _channel_view(sum_g / m, nd) - xhat * _channel_view(sum_gx / m, nd)) \
                    * _channel_view(scale, nd)
            else:  # statistics are constants in eval mode
                gx = g * _channel_view(scale, nd)
        return gx, gw, gb


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation of x (N, C) or (N, C, H, W) per channel C.

    ``running_mean``/``running_var`` (C,) Tensors (or None) are updated in place
    when ``training``; in eval mode they normalise the input. ``weight``/``bias``
    (C,) are the affine parameters.
    """
    if x.ndim not in (2, 3, 4):
        raise ValueError(f"batch_norm: expected a (N, C), (N, C, L) or (N, C, H, W) input, got shape {x.shape}")
    C = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(f"batch_norm: {name} has shape {tuple(t.shape)} but the input {x.shape} "
                             f"has {C} channels")
    rm = None if running_mean is None else running_mean.data
    rv = None if running_var is None else running_var.data
    return BatchNorm.apply(x, weight, bias, running_mean=rm, running_var=rv,
                           training=training, momentum=momentum, eps=eps)
