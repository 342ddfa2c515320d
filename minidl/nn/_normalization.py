"""``F.group_norm``, ``F.instance_norm``, ``F.local_response_norm``, ``F.rms_norm`` and ``F.normalize``.

Compositions of differentiable Tensor operations (means, products, square
roots, indexing), so every gradient, of every order, comes from those.
"""
from __future__ import annotations

import numpy as np

from minidl._out_arg import with_out
from minidl.autograd import no_grad
from minidl.autograd.bfloat16_compute import float32_composite
from minidl.autograd.naming import names_node
from minidl.autograd.versions import saved_by_node
from minidl.dtypes import is_floating
from minidl.ops.vector_norm import vector_norm
from minidl.tensor import Tensor

__all__ = ["group_norm", "instance_norm", "local_response_norm", "rms_norm", "normalize"]


def _channel_view(param, ndim):
    """A per-channel (C,) parameter shaped (C, 1, ..., 1) to broadcast against (N, C, *) of ``ndim`` dims."""
    return param.reshape((-1,) + (1,) * (ndim - 2))


def _standardise(x, dims, eps):
    """(x - mean) / sqrt(biased var + eps) over ``dims``."""
    mean = x.mean(dim=dims, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dim=dims, keepdim=True)
    return centred / (var + eps).sqrt()


@names_node("NativeGroupNormBackward0")   # PyTorch's node name
@float32_composite   # bfloat16: computed in float32, rounded once
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each of ``num_groups`` channel groups of each sample, then ``* weight + bias`` per channel.

    Shapes: input (N, C, *) with C divisible by num_groups; weight, bias (C,).
    """
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    n, c = input.shape[0], input.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input "
                           f"of shape {list(input.shape)} and num_groups={num_groups}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != (c,):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(p.shape)} and input of shape {list(input.shape)}")
    grouped = input.reshape(n, num_groups, -1)
    out = _standardise(grouped, (2,), eps).reshape(tuple(input.shape))
    if weight is not None:
        out = out * _channel_view(weight, input.ndim)
    if bias is not None:
        out = out + _channel_view(bias, input.ndim)
    return saved_by_node(out, input, weight)   # what PyTorch's NativeGroupNormBackward0 saves


def _update_running(running, batch_value, momentum):
    """running <- (1 - momentum) * running + momentum * batch_value, in place and outside the graph."""
    with no_grad():
        value = batch_value.array.astype(running.array.dtype, copy=False)
        running.array[...] = (1 - momentum) * running.array + momentum * value


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each channel of each sample over its spatial positions, then ``* weight + bias``.

    Shapes: input (N, C, *); running_mean, running_var, weight, bias (C,). With
    ``use_input_stats`` the statistics are the input's (and the running ones,
    when given, are updated with the batch average of the per-instance mean and
    unbiased variance); otherwise the running statistics are used.
    """
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected an input of at least 3 dimensions (N, C, *), got "
                         f"{list(input.shape)}")
    dims = tuple(range(2, input.ndim))
    if use_input_stats:
        if int(np.prod(input.shape[2:])) <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                             f"{list(input.shape)}")
        out = _standardise(input, dims, eps)
        if running_mean is not None or running_var is not None:
            with no_grad():
                mean = input.mean(dim=dims)
                var = input.var(dim=dims, unbiased=True)
            if running_mean is not None:
                _update_running(running_mean, mean.mean(dim=0), momentum)
            if running_var is not None:
                _update_running(running_var, var.mean(dim=0), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: Expected running_mean and running_var to be defined when "
                             "use_input_stats is false")
        mean = _channel_view(running_mean, input.ndim)
        var = _channel_view(running_var, input.ndim)
        out = (input - mean) / (var + eps).sqrt()
    if weight is not None:
        out = out * _channel_view(weight, input.ndim)
    if bias is not None:
        out = out + _channel_view(bias, input.ndim)
    return out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x**2 over ``size`` neighbouring channels) ** beta (AlexNet's LRN).

    The window of channel c spans c - size//2 .. c + (size-1)//2, zero-padded
    at the ends and always divided by ``size``, as PyTorch. Shapes: (N, C, *) -> same.
    """
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    c = input.shape[1]
    squares = input * input
    lo, hi = size // 2, (size - 1) // 2
    padded = squares.transpose(1, -1)
    from minidl.ops.padding import pad
    padded = pad(padded, (lo, hi)).transpose(1, -1)
    window = padded[:, 0:c]
    for shift in range(1, size):
        window = window + padded[:, shift:shift + c]
    div = (window * (alpha / size) + k) ** beta
    return input / div


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x**2 over the trailing ``normalized_shape`` dims) + eps) * weight.

    ``eps`` None: the machine epsilon of the input's dtype, as PyTorch.
    Shapes: input (*, *normalized_shape); weight normalized_shape.
    """
    if isinstance(normalized_shape, (int, np.integer)):
        normalized_shape = (int(normalized_shape),)
    normalized_shape = tuple(int(s) for s in normalized_shape)
    n = len(normalized_shape)
    if input.ndim < n or tuple(input.shape[input.ndim - n:]) != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in normalized_shape)}], but got input of size "
                           f"{list(input.shape)}")
    if eps is None:
        dtype = input.array.dtype
        eps = float(np.finfo(dtype if is_floating(dtype) else np.float32).eps)
    dims = tuple(range(input.ndim - n, input.ndim))
    out = input / ((input * input).mean(dim=dims, keepdim=True) + eps).sqrt()
    if weight is not None:
        out = out * weight
    return out


def _normalize(input, p=2.0, dim=1, eps=1e-12):
    """x / max(||x||_p, eps) along ``dim``. Shapes: (*) -> (*). ``out=``: PyTorch's out argument."""
    if not isinstance(input, Tensor):
        raise TypeError(f"normalize(): argument 'input' must be Tensor, not {type(input).__name__}")
    norm = vector_norm(input, p, dim, keepdim=True).clamp(min=eps)
    return input / norm


normalize = with_out(_normalize, "normalize")
