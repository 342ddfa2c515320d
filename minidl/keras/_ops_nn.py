"""The neural-network functions of ``keras.ops`` (activations, ``one_hot``, losses, ``moments``),
on minidl Tensors; re-exported by :mod:`minidl.keras.ops`."""
from __future__ import annotations

import minidl
import minidl.nn.functional as F
from minidl.tensor import Tensor

__all__ = ["relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "swish", "gelu", "elu", "selu",
           "leaky_relu", "hard_sigmoid", "hard_silu", "log_sigmoid", "softmax", "log_softmax", "one_hot",
           "multi_hot", "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
           "moments", "normalize"]


def _t(x):
    from minidl.keras.ops import convert_to_tensor
    return convert_to_tensor(x)


def _tf(x):
    """``x`` as a floating Tensor (float32 for integer inputs, as Keras' activations)."""
    x = _t(x)
    return x if x.is_floating_point() else x.float()


def relu(x) -> Tensor:
    """``max(x, 0)`` (bools count as int32, as Keras)."""
    x = _t(x)
    return F.relu(x.to(minidl.int32) if x.dtype == minidl.bool else x)


def relu6(x) -> Tensor:
    """``min(max(x, 0), 6)`` (float32 for integer inputs, as Keras)."""
    return F.relu6(_tf(x))


def sigmoid(x) -> Tensor:
    """``1 / (1 + exp(-x))``."""
    return minidl.sigmoid(_tf(x))


def softplus(x) -> Tensor:
    """``log(1 + exp(x))``."""
    return F.softplus(_tf(x))


def softsign(x) -> Tensor:
    """``x / (1 + |x|)``."""
    return F.softsign(_tf(x))


def silu(x) -> Tensor:
    """``x * sigmoid(x)``."""
    return F.silu(_tf(x))


swish = silu


def gelu(x, approximate=True) -> Tensor:
    """The GELU; Keras' default is the tanh approximation."""
    return F.gelu(_tf(x), approximate="tanh" if approximate else "none")


def elu(x, alpha=1.0) -> Tensor:
    """``x`` for x > 0, ``alpha * (exp(x) - 1)`` else."""
    return F.elu(_tf(x), alpha=alpha)


def selu(x) -> Tensor:
    """The scaled ELU."""
    return F.selu(_tf(x))


def leaky_relu(x, negative_slope=0.2) -> Tensor:
    """``x`` for x > 0, ``negative_slope * x`` else (Keras' default slope 0.2)."""
    return F.leaky_relu(_tf(x), negative_slope=negative_slope)


def hard_sigmoid(x) -> Tensor:
    """``relu6(x + 3) / 6``."""
    return F.hardsigmoid(_tf(x))


def hard_silu(x) -> Tensor:
    """``x * hard_sigmoid(x)``."""
    return F.hardswish(_tf(x))


def log_sigmoid(x) -> Tensor:
    """``log(sigmoid(x))``, computed stably."""
    return F.logsigmoid(_tf(x))


def softmax(x, axis=-1) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis``."""
    return F.softmax(_tf(x), dim=axis)


def log_softmax(x, axis=-1) -> Tensor:
    """``log(softmax(x))`` along ``axis``, computed stably."""
    return F.log_softmax(_tf(x), dim=axis)


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False) -> Tensor:
    """Integer labels ``x`` as one-hot vectors of ``num_classes`` (float32), the class axis at ``axis``."""
    from minidl.keras.ops import cast, moveaxis
    x = _t(x).long()
    out = cast(F.one_hot(x.clamp(min=0), num_classes) * (x >= 0).unsqueeze(-1), dtype or "float32")
    return out if axis in (-1, out.ndim - 1) else moveaxis(out, -1, axis)


def multi_hot(inputs, num_classes, axis=-1, dtype=None, sparse=False) -> Tensor:
    """Each row of integer labels as one vector with ones at its labels."""
    x = _t(inputs)
    hot = one_hot(x, num_classes, dtype=dtype)
    return hot.amax(dim=-2) if x.ndim > 1 else hot.amax(dim=0)


def categorical_crossentropy(target, output, from_logits=False, axis=-1) -> Tensor:
    """Per-sample cross-entropy of one-hot ``target`` and probabilities (or logits) ``output``."""
    target, output = _t(target), _t(output)
    if from_logits:
        return -(target * F.log_softmax(output, dim=axis)).sum(dim=axis)
    output = output / output.sum(dim=axis, keepdim=True)
    eps = 1e-7
    return -(target * output.clamp(eps, 1 - eps).log()).sum(dim=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1) -> Tensor:
    """Per-sample cross-entropy of integer ``target`` and probabilities (or logits) ``output``."""
    output = _t(output)
    return categorical_crossentropy(one_hot(target, output.shape[axis], dtype=str(output.dtype).split(".")[-1]),
                                    output, from_logits, axis)


def binary_crossentropy(target, output, from_logits=False) -> Tensor:
    """Elementwise binary cross-entropy of ``target`` and probabilities (or logits) ``output``."""
    target, output = _t(target), _t(output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target.to(output.dtype), reduction="none")
    eps = 1e-7
    output = output.clamp(eps, 1 - eps)
    return -(target * output.log() + (1 - target) * (1 - output).log())


def moments(x, axes, keepdims=False, synchronized=False):
    """``(mean, variance)`` of ``x`` over ``axes``."""
    x = _t(x)
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else (axes,)
    mean = x.mean(dim=axes, keepdim=True)
    variance = ((x - mean) ** 2).mean(dim=axes, keepdim=True)
    if not keepdims:
        mean, variance = mean.squeeze(axes), variance.squeeze(axes)
    return mean, variance


def normalize(x, axis=-1, order=2, epsilon=None) -> Tensor:
    """``x`` divided by its ``order``-norm along ``axis``."""
    return F.normalize(_t(x), p=order, dim=axis, eps=1e-12 if epsilon is None else epsilon)
