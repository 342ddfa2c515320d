"""The activation-like functions of ``keras.ops.nn`` that ``_ops_nn`` lacks (``celu``, ``glu``,
the shrinks, ``sparse_plus``/``sparse_sigmoid``/``sparsemax``, ``squareplus``, ``threshold``)
and ``psnr``, all differentiable compositions of minidl's ops (Keras 3's formulas)."""
from __future__ import annotations

import math

import minidl
import minidl.nn.functional as F
from minidl.tensor import Tensor

__all__ = ["celu", "glu", "hard_shrink", "hard_tanh", "soft_shrink", "sparse_plus", "sparse_sigmoid", "sparsemax",
           "squareplus", "tanh_shrink", "threshold", "hard_swish", "psnr"]


def _t(x):
    from minidl.keras.ops import convert_to_tensor
    x = convert_to_tensor(x)
    return x if x.is_floating_point() else x.float()


def celu(x, alpha=1.0) -> Tensor:
    """``max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return F.celu(_t(x), alpha=alpha)


def glu(x, axis=-1) -> Tensor:
    """The gated linear unit: ``a * sigmoid(b)`` for the two halves ``a, b`` of ``x`` along ``axis``."""
    x = _t(x)
    if x.shape[axis] % 2:
        raise ValueError(f"glu expects the size of `axis` ({axis}) to be even, got shape {tuple(x.shape)}")
    return F.glu(x, dim=axis)


def hard_shrink(x, threshold=0.5) -> Tensor:
    """``x`` where ``|x| > threshold``, else 0."""
    return F.hardshrink(_t(x), lambd=threshold)


def hard_tanh(x) -> Tensor:
    """``x`` clipped to ``[-1, 1]`` (integers stay integers, bools become int32, as Keras)."""
    from minidl.keras.ops import convert_to_tensor
    x = convert_to_tensor(x)
    if x.is_floating_point():
        return F.hardtanh(x)
    return minidl.clamp(x.to(minidl.int32) if x.dtype == minidl.bool else x, -1, 1)


def soft_shrink(x, threshold=0.5) -> Tensor:
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    return F.softshrink(_t(x), lambd=threshold)


def sparse_plus(x) -> Tensor:
    """0 for ``x <= -1``, ``x`` for ``x >= 1``, ``(x + 1)**2 / 4`` between."""
    x = _t(x)
    mid = (x + 1.0) ** 2 / 4.0
    return minidl.where(x <= -1.0, minidl.zeros_like(x), minidl.where(x >= 1.0, x, mid))


def sparse_sigmoid(x) -> Tensor:
    """0 for ``x <= -1``, 1 for ``x >= 1``, ``(x + 1) / 2`` between."""
    return minidl.clamp((_t(x) + 1.0) / 2.0, 0.0, 1.0)


def sparsemax(x, axis=-1) -> Tensor:
    """The Euclidean projection of ``x`` onto the probability simplex along ``axis`` (sparse probabilities)."""
    x = _t(x)
    z = minidl.movedim(x, axis, -1)
    z_sorted = minidl.sort(z, dim=-1, descending=True).values
    k = minidl.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    cumulative = minidl.cumsum(z_sorted, dim=-1)
    support = (1.0 + k * z_sorted > cumulative).to(z.dtype)
    k_z = support.sum(dim=-1, keepdim=True)
    tau = ((z_sorted * support).sum(dim=-1, keepdim=True) - 1.0) / k_z
    return minidl.movedim(minidl.clamp(z - tau, min=0.0), -1, axis)


def squareplus(x, b=4) -> Tensor:
    """``(x + sqrt(x**2 + b)) / 2``, a smooth ReLU."""
    x = _t(x)
    return (x + minidl.sqrt(x * x + float(b))) / 2.0


def tanh_shrink(x) -> Tensor:
    """``x - tanh(x)``."""
    return F.tanhshrink(_t(x))


def threshold(x, threshold, default_value) -> Tensor:
    """``x`` where ``x > threshold``, else ``default_value``."""
    x = _t(x)
    return minidl.where(x > threshold, x, minidl.full_like(x, default_value))


def hard_swish(x) -> Tensor:
    """``x * relu6(x + 3) / 6`` (Keras' ``hard_silu``)."""
    return F.hardswish(_t(x))


def psnr(x1, x2, max_val) -> Tensor:
    """The peak signal-to-noise ratio ``20 log10(max_val) - 10 log10(mean((x1 - x2)**2))`` in dB."""
    a, b = _t(x1), _t(x2)
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"psnr: x1 and x2 must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    mse = ((a - b) ** 2).mean()
    return 20.0 * math.log10(float(max_val)) - 10.0 * minidl.log10(mse)
