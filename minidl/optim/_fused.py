"""One-pass Numba kernels for the optimisers' per-parameter updates (CPU, float32/float64).

Adam's update written with NumPy operators makes about a dozen passes over
arrays of the parameter's size and five temporaries (``(1 - beta1) * grad``,
``grad * grad``, ``sqrt(v)``, ``m / denom``, ``step * ...``); on N5 (an MLP with
1.6 M parameters) that was a third of the training step. The kernel here reads
``p``, ``g``, ``m``, ``v`` once and writes ``p``, ``m``, ``v`` once. SGD with
momentum gets the same treatment (``p``, ``g``, the momentum buffer).

The kernels do the same float operations in the same order as the NumPy code
in ``adam.py`` and ``sgd.py`` (each hyper-parameter cast to the array's dtype first, as NumPy
does with a Python float, and without fast-math contraction or reassociation),
so their results are bitwise equal to it: ``tests/test_optim_fused.py`` checks
that on odd sizes, float32 and float64, with weight decay (L2 and decoupled),
dampening, Nesterov and ``maximize``.

They are used for NumPy arrays when ``minidl.config.cpu_kernels`` is
``"numba"`` (the default); device arrays go to the CUDA versions in
``_fused_gpu.py``. For amsgrad, SGD without momentum, mixed dtypes or arrays
that are not contiguous, and with ``"numpy"`` on the CPU, the NumPy code (the
reference) runs.
"""
from __future__ import annotations

import math

import numpy as np

from minidl import backend
from minidl.kernels import _dispatch, _numba
from minidl.optim import _fused_gpu

__all__ = ["adam_applies", "adam_hyper", "adam_step", "sgd_momentum_applies", "sgd_momentum_step"]

_numba_compiled = False


def _adam_kernel(p, g, m, v, h):
    """p, g, m, v: 1-D arrays of one dtype; h: the hyper-parameters in that dtype,
    [b1, omb1, b2, omb2, bc2_sqrt, eps, step_size, sign, l2, decay] (one array, which
    Numba's dispatcher types faster than ten NumPy scalars).

    Per element, in adam.py's order: g = sign * g; p *= decay (decoupled weight
    decay; skipped when decay == 1); g = g + l2 * p (L2; skipped when l2 == 0);
    m = m*b1 + omb1*g; v = v*b2 + omb2*(g*g);
    p = p - step_size * (m / (sqrt(v) / bc2_sqrt + eps)).
    """
    b1, omb1, b2, omb2, bc2_sqrt, eps, step_size = h[0], h[1], h[2], h[3], h[4], h[5], h[6]
    sign, l2, decay = h[7], h[8], h[9]
    negate = sign < 0
    use_decay = decay != 1
    use_l2 = l2 != 0
    for i in range(p.shape[0]):
        gi = g[i]
        if negate:
            gi = -gi
        pi = p[i]
        if use_decay:
            pi = pi * decay
        if use_l2:
            gi = gi + l2 * pi
        mi = m[i] * b1 + omb1 * gi
        vi = v[i] * b2 + omb2 * (gi * gi)
        m[i] = mi
        v[i] = vi
        p[i] = pi - step_size * (mi / (math.sqrt(vi) / bc2_sqrt + eps))


def _sgd_momentum_kernel(p, g, buf, h, first, nesterov):
    """p, g, buf: 1-D arrays of one dtype; h: [momentum, omd, lr, sign, l2] in that dtype.

    Per element, in sgd.py's order: g = sign * g; g = g + l2 * p (skipped when
    l2 == 0); buf = g on the first step, else buf = buf*momentum + omd*g;
    d = g + momentum*buf with Nesterov, else buf; p = p - lr * d.
    """
    momentum, omd, lr, sign, l2 = h[0], h[1], h[2], h[3], h[4]
    negate = sign < 0
    use_l2 = l2 != 0
    for i in range(p.shape[0]):
        gi = g[i]
        if negate:
            gi = -gi
        pi = p[i]
        if use_l2:
            gi = gi + l2 * pi
        if first:
            bi = gi
        else:
            bi = buf[i] * momentum + omd * gi
        buf[i] = bi
        if nesterov:
            bi = gi + momentum * bi
        p[i] = pi - lr * bi


# error_model="numpy": a division by zero gives inf/nan as NumPy does, instead of a
# Python exception, whose check kept LLVM from vectorising the loop (8x slower)
_NUMBA_KERNELS = {"_adam_kernel": {"cache": True, "error_model": "numpy"},
                  "_sgd_momentum_kernel": {"cache": True, "error_model": "numpy"}}


def _compile():
    _numba.compile_kernels(globals(), _NUMBA_KERNELS)


def adam_applies(param, grad, state, amsgrad) -> bool:
    """Whether :func:`adam_step` can update ``param`` (one float dtype, contiguous; on the CPU the
    Numba kernels on)."""
    return not amsgrad and _fusable(param, grad, state["exp_avg"], state["exp_avg_sq"])


def _fusable(param, *arrays) -> bool:
    """NumPy float32/float64 arrays of one dtype, C-contiguous, the Numba kernels on; or device
    arrays that ``_fused_gpu`` can update."""
    if backend.is_device_array(param):
        return _fused_gpu.fusable(param, *arrays)
    if type(param) is not np.ndarray or _dispatch.implementation(param) != "numba":
        return False
    dtype = param.dtype
    if dtype != np.float32 and dtype != np.float64:
        return False
    for a in arrays:
        if type(a) is not np.ndarray or a.dtype != dtype or not a.flags.c_contiguous:
            return False
    return param.flags.c_contiguous and param.flags.writeable


def adam_hyper(step, lr, beta1, beta2, eps, weight_decay, decoupled, maximize):
    """Adam's per-element constants at ``step``, in the kernels' order: (b1, 1-b1, b2, 1-b2,
    sqrt(1-b2**step), eps, lr/(1-b1**step), sign, l2, decay)."""
    decay = 1 - lr * weight_decay if decoupled and weight_decay != 0 else 1.0
    l2 = weight_decay if not decoupled else 0.0
    return (beta1, 1 - beta1, beta2, 1 - beta2, math.sqrt(1 - beta2 ** step), eps, lr / (1 - beta1 ** step),
            -1.0 if maximize else 1.0, l2, decay)


def adam_step(param, grad, state, lr, beta1, beta2, eps, weight_decay, decoupled, maximize):
    """Adam's update of ``param``, ``state["exp_avg"]`` and ``state["exp_avg_sq"]`` in place, in one pass.

    ``state["step"]`` must already count this step. Same results as adam.py's NumPy code.
    """
    hyper = adam_hyper(state["step"], lr, beta1, beta2, eps, weight_decay, decoupled, maximize)
    if not _numba_compiled:
        _compile()
    # each value rounded to the array's dtype, as NumPy rounds a Python float next to an array
    h = np.array(hyper, dtype=param.dtype)
    _adam_kernel(param.reshape(-1), grad.reshape(-1), state["exp_avg"].reshape(-1),
                 state["exp_avg_sq"].reshape(-1), h)


def sgd_momentum_applies(param, grad, state, momentum) -> bool:
    """Whether :func:`sgd_momentum_step` can update ``param`` (momentum != 0, as :func:`adam_applies`)."""
    if momentum == 0:
        return False
    buf = state.get("momentum_buffer")
    return _fusable(param, grad) if buf is None else _fusable(param, grad, buf)


def sgd_momentum_step(param, grad, state, lr, momentum, dampening, weight_decay, nesterov, maximize):
    """SGD with momentum: ``param`` and ``state["momentum_buffer"]`` updated in place, in one pass.

    The buffer is created (as the first gradient) when ``state`` has none. Same results as sgd.py's NumPy code.
    """
    buf = state.get("momentum_buffer")
    first = buf is None
    if first:
        buf = state["momentum_buffer"] = backend.get_array_module(param).empty_like(param)
    hyper = (momentum, 1 - dampening, lr, -1.0 if maximize else 1.0, weight_decay)
    if backend.is_device_array(param):
        _fused_gpu.sgd_momentum_step(param, grad, buf, hyper, first, bool(nesterov))
        return
    if not _numba_compiled:
        _compile()
    h = np.array(hyper, dtype=param.dtype)
    _sgd_momentum_kernel(param.reshape(-1), grad.reshape(-1), buf.reshape(-1), h, first, bool(nesterov))
