"""PyTorch's refusals of complex input in ``nn.functional``: the activations, normalizations, pools, losses and
dropouts whose CPU kernels are not defined for complex numbers raise PyTorch's ``NotImplementedError`` (same
message: ``"elu_cpu" not implemented for 'ComplexFloat'``) instead of computing something else.

:func:`install` wraps those names of ``minidl.nn.functional`` (signature and docstring kept); the functions
PyTorch does run on complex tensors (``linear``, ``conv*``, ``silu``, ``softsign``, ``tanhshrink``,
``rms_norm``, ``l1_loss``, ``normalize``, ``pad``, ``embedding``, ...) are left alone.
"""
from __future__ import annotations

import functools
import inspect

from ..ops.complex_conj import refuse_complex

__all__ = ["install", "KERNELS"]

_CLAMP = "clamp is not supported for complex types"

# F name -> PyTorch's kernel name (or a full message), as PyTorch 2.13 reports it on the CPU
KERNELS = {
    "gelu": "GeluKernelImpl", "layer_norm": "LayerNormKernelImpl", "group_norm": "GroupNormKernelImpl",
    "batch_norm": "batch_norm", "instance_norm": "batch_norm", "mse_loss": "mse_cpu",
    "binary_cross_entropy": "binary_cross_entropy", "binary_cross_entropy_with_logits": "log_sigmoid_cpu",
    "smooth_l1_loss": "smooth_l1_cpu", "huber_loss": "huber_cpu", "max_pool1d": "max_pool1d_impl",
    "max_pool2d": "max_pool2d", "max_pool3d": "max_pool3d_cpu", "avg_pool1d": "avg_pool2d", "avg_pool2d": "avg_pool2d",
    "avg_pool3d": "avg_pool3d_out_frame", "adaptive_avg_pool1d": "adaptive_avg_pool2d",
    "adaptive_avg_pool2d": "adaptive_avg_pool2d", "adaptive_max_pool1d": "adaptive_max_pool2d",
    "adaptive_max_pool2d": "adaptive_max_pool2d", "leaky_relu": "leaky_relu_cpu", "rrelu": "leaky_relu_cpu",
    "elu": "elu_cpu", "selu": "elu_cpu", "celu": "elu_cpu", "softplus": "softplus_cpu", "mish": "mish_cpu",
    "hardswish": "hardswish_cpu", "hardsigmoid": "hardsigmoid_cpu", "glu": "glu_cpu", "logsigmoid": "log_sigmoid_cpu",
    "prelu": "prelu_cpu", "threshold": "threshold_cpu", "softshrink": "softshrink_check",
    "hardshrink": "hardshrink_cpu", "interpolate": "compute_indices_weights_nearest",
    "nll_loss": "nll_loss_forward_out_frame", "relu6": _CLAMP, "hardtanh": _CLAMP,   # relu refuses by itself
}
_SOFTMAX = {"softmax": "softmax", "softmin": "softmax", "log_softmax": "log_softmax"}
_DROPOUTS = ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout")


def _message(kernel):
    return kernel if " " in kernel else f'"{kernel}" not implemented for \'{{type}}\''


def _softmax_kernel(base, bound):
    input, dim = bound.arguments.get("input"), bound.arguments.get("dim")
    ndim = getattr(input, "ndim", 0)
    last = dim is None or ndim <= 1 or dim in (-1, ndim - 1)
    return f"{base}_lastdim_kernel_impl" if last else f"{base}_kernel_impl"


def _wrap(name, fn):
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def refusing(*args, **kwargs):
        # one attribute test on the way to every real-valued call (these functions sit on training's hot path)
        dtype = getattr(getattr(args[0] if args else kwargs.get("input"), "array", None), "dtype", None)
        if dtype is not None and dtype.kind == "c":
            values = list(args[:1]) + [kwargs.get("input")]
            bound = signature.bind_partial(*args, **kwargs)
            if name in _DROPOUTS:
                training = bound.arguments.get("training", signature.parameters["training"].default)
                if training and bound.arguments.get("p", signature.parameters["p"].default) > 0:
                    refuse_complex(_message("bernoulli_scalar_cpu_"), *values)
            elif name in _SOFTMAX:
                refuse_complex(_message(_softmax_kernel(_SOFTMAX[name], bound)), *values)
            elif name == "cross_entropy":
                input = values[0] if values[0] is not None else values[1]
                base = "log_softmax_lastdim_kernel_impl" if input.ndim <= 2 else "log_softmax_kernel_impl"
                refuse_complex(_message(base), *values)
            elif name == "kl_div":
                refuse_complex("kl_div: Complex inputs not supported.", *values, error=RuntimeError)
            elif name in ("layer_norm", "group_norm") and any(
                    getattr(bound.arguments.get(k), "array", None) is not None
                    and bound.arguments[k].array.dtype.kind != "c" for k in ("weight", "bias")):
                raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
            elif name == "cosine_similarity":
                refuse_complex("expected common dtype to be floating point, yet common dtype is {type}", *values,
                               error=RuntimeError)
            else:
                refuse_complex(_message(KERNELS[name]), *values)
        return fn(*args, **kwargs)

    return refusing


def install(namespace):
    """Wrap the complex-refusing functions found in ``namespace`` (``minidl.nn.functional``'s globals, or a layer
    module's that imported them directly)."""
    for name in tuple(KERNELS) + tuple(_SOFTMAX) + _DROPOUTS + ("cross_entropy", "kl_div", "cosine_similarity"):
        fn = namespace.get(name)
        if fn is not None and not getattr(fn, "_refuses_complex", False):
            wrapped = _wrap(name, fn)
            wrapped._refuses_complex = True
            namespace[name] = wrapped
