"""``torch.native_layer_norm``, ``torch.native_batch_norm``, ``torch.native_group_norm``: the normalisations
with the statistics PyTorch's kernels save for backward, built from differentiable ops; and
``torch.native_dropout`` (the output with its mask).

Each returns ``(output, mean, rstd)`` (batch norm: ``(output, save_mean, save_invstd)``), where
``rstd = 1 / sqrt(var + eps)`` with the biased variance; the output is ``(x - mean) * rstd * weight + bias``.
"""
from __future__ import annotations

__all__ = ["native_layer_norm", "native_batch_norm", "native_group_norm"]


def _stats(x, dims, eps):
    mean = x.mean(dim=dims, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=dims, keepdim=True)
    return mean, (var + eps).rsqrt()


def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """Layer norm over the trailing ``normalized_shape`` dims. Returns ``(out, mean, rstd)``; ``mean``/``rstd``
    have ``input``'s leading dims and size 1 in the normalised ones."""
    shape = tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape or len(shape) > input.ndim:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(str(s) for s in shape)}], but got input of size{list(input.shape)}")
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    mean, rstd = _stats(input, dims, eps)
    out = (input - mean) * rstd
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out, mean, rstd


def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """Batch norm over every dim but 1 (channels C). Training: batch statistics, and ``running_mean`` /
    ``running_var`` (when given) updated in place with ``momentum`` (the unbiased variance), returning
    ``(out, save_mean (C,), save_invstd (C,))``; evaluation: the running statistics, with empty ``save_*``."""
    import minidl
    channels = input.shape[1]
    dims = tuple(d for d in range(input.ndim) if d != 1)
    view = (1, channels) + (1,) * (input.ndim - 2)
    if training:
        mean, rstd = _stats(input, dims, eps)
        if running_mean is not None or running_var is not None:
            count = input.numel() // channels
            with minidl.no_grad():
                batch_var = ((input - mean) ** 2).sum(dim=dims) / max(count - 1, 1)
                if running_mean is not None:
                    running_mean.mul_(1 - momentum).add_(mean.reshape(channels) * momentum)
                if running_var is not None:
                    running_var.mul_(1 - momentum).add_(batch_var * momentum)
        save_mean, save_invstd = mean.reshape(channels), rstd.reshape(channels)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("native_batch_norm: running_mean and running_var must be defined in evaluation mode")
        mean, rstd = running_mean.reshape(view), (running_var.reshape(view) + eps).rsqrt()
        save_mean = save_invstd = minidl.empty(0, dtype=input.dtype, device=input.device)
    out = (input - mean) * rstd
    if weight is not None:
        out = out * weight.reshape(view)
    if bias is not None:
        out = out + bias.reshape(view)
    return out, save_mean, save_invstd


def native_group_norm(input, weight, bias, N, C, HxW, group, eps):
    """Group norm of ``input`` (N, C, *) with ``HxW`` elements per channel in ``group`` groups. Returns
    ``(out, mean (N, group), rstd (N, group))``."""
    if C % group:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={group}")
    grouped = input.reshape(N, group, (C // group) * HxW)
    mean, rstd = _stats(grouped, (2,), eps)
    out = ((grouped - mean) * rstd).reshape(input.shape)
    view = (1, C) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(view)
    if bias is not None:
        out = out + bias.reshape(view)
    return out, mean.reshape(N, group), rstd.reshape(N, group)


def native_dropout(input, p, train):
    """``torch.native_dropout(input, p, train)``: ``(output, mask)`` with ``mask`` (bool) the kept elements and
    ``output = input * mask / (1 - p)``, drawn as dropout draws (PyTorch's mask for the same seed); with ``train``
    False the input (a copy) and an all-True mask. Differentiable in ``input``."""
    import minidl

    from . import backend
    from .ops.dropout import keep_scale
    from .tensor import Tensor
    if train is False:
        return input.clone(), minidl.ones(input.shape, dtype=minidl.bool, device=input.device)
    if not 0.0 <= 1.0 - p <= 1.0:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={1.0 - p}")
    xp = backend.get_array_module(input.array)
    keep = backend.bernoulli_mask(xp, input.shape, 1.0 - p)
    scale = keep * keep_scale(input.array.dtype, p) if p < 1.0 else xp.zeros(input.shape, input.array.dtype)
    return input * Tensor(scale.astype(input.array.dtype)), Tensor(keep)


__all__ += ["native_dropout"]
