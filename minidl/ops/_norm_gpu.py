"""Batch norm's per-channel arithmetic on a GPU, one elementwise kernel per pass.

Between its per-channel reductions and its full-size passes, ``norm.py`` does
a dozen small operations on (C,) vectors: the running-statistics update,
``invstd``, the affine ``scale``/``shift``, and in backward the two
coefficients of the input gradient. On the CPU each costs about a
microsecond; on a GPU each is a kernel launch with tens of microseconds of
host overhead, about 0.3 ms per batch-norm layer and step, which is more than
the layer's actual work at the sizes of the reference nets. These kernels do
each group in one launch, with the same float operations in the same order as
``norm.py`` (compiled with ``--fmad=false``, so no multiply-add is contracted;
``sqrt`` and division are correctly rounded), so the results are bitwise those
of the operations they replace (``tests/test_batchnorm_gpu.py`` on a device).
"""
from __future__ import annotations

import numpy as np

from .. import backend

__all__ = ["fusable", "train_constants", "eval_constants", "input_grad_coefficients"]

_OPTIONS = ("--fmad=false",)

# norm.py, training with running statistics:
#   running_mean = running_mean * (1 - mom) + mom * mean
#   running_var = running_var * (1 - mom) + mom * (var * (M / (M - 1)))
#   invstd = 1 / sqrt(var + eps); scale = invstd * weight; shift = bias - mean * scale
#   and x_hat = x * invstd + (-mean * invstd)
_TRAIN = (
    "T mean, T var, T weight, T bias, T eps, T mom, T one_minus_mom, T unbias",
    "T running_mean, T running_var, T scale, T shift, T invstd, T xshift",
    """
    running_mean = running_mean * one_minus_mom + mom * mean;
    running_var = running_var * one_minus_mom + mom * (var * unbias);
    T inv = (T)1 / sqrt(var + eps);
    T sc = inv * weight;
    scale = sc;
    shift = bias - mean * sc;
    invstd = inv;
    xshift = -mean * inv;
    """,
    "minidl_batch_norm_train_constants",
)

_EVAL = (
    "T mean, T var, T weight, T bias, T eps",
    "T scale, T shift, T invstd",
    """
    T inv = (T)1 / sqrt(var + eps);
    T sc = inv * weight;
    scale = sc;
    shift = bias - mean * sc;
    invstd = inv;
    """,
    "minidl_batch_norm_eval_constants",
)

# dx = scale * g + beta * x_hat + gamma, with beta = -scale * sum(g x_hat) / M, gamma = -scale * sum(g) / M
_INPUT_GRAD = (
    "T scale, T sum_gx, T sum_g, T m",
    "T beta, T gamma",
    """
    beta = -scale * sum_gx / m;
    gamma = -scale * sum_g / m;
    """,
    "minidl_batch_norm_input_grad_coefficients",
)


def fusable(*arrays) -> bool:
    """Device arrays, all of one float32/float64 dtype (None entries make it False)."""
    dtype = arrays[0].dtype if arrays[0] is not None else None
    if dtype != np.float32 and dtype != np.float64:
        return False
    return all(a is not None and backend.is_device_array(a) and a.dtype == dtype for a in arrays)


def train_constants(mean, var, weight, bias, running_mean, running_var, eps, momentum, m):
    """Update ``running_mean``/``running_var`` in place; return ``(scale, shift, invstd, xshift)``, each (C,)."""
    xp = backend.get_array_module(mean)
    dt = mean.dtype.type
    mom = dt(momentum)
    outs = [running_mean, running_var] + [xp.empty_like(mean) for _ in range(4)]
    kernel = backend.elementwise_kernel(*_TRAIN, options=_OPTIONS)
    kernel(mean, var, weight, bias, dt(eps), mom, dt(1 - mom), dt(m / (m - 1)), *outs)
    return tuple(outs[2:])


def eval_constants(mean, var, weight, bias, eps):
    """``(scale, shift, invstd)``, each (C,), from the running statistics ``mean``, ``var``."""
    xp = backend.get_array_module(mean)
    outs = [xp.empty_like(mean) for _ in range(3)]
    backend.elementwise_kernel(*_EVAL, options=_OPTIONS)(mean, var, weight, bias, mean.dtype.type(eps), *outs)
    return tuple(outs)


def input_grad_coefficients(scale, sum_gx, sum_g, m):
    """``(beta, gamma)``, each (C,): the input gradient's x_hat and constant coefficients over M = ``m`` values."""
    xp = backend.get_array_module(scale)
    outs = [xp.empty_like(scale) for _ in range(2)]
    backend.elementwise_kernel(*_INPUT_GRAD, options=_OPTIONS)(scale, sum_gx, sum_g, scale.dtype.type(m), *outs)
    return tuple(outs)
