"""Finite-difference gradient checking, like ``torch.autograd.gradcheck``."""
from __future__ import annotations

import numpy as np

from .tensor import Tensor

__all__ = ["gradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """The analytic gradient of an input disagrees with central differences."""


def _scalarise(out, weights):
    """<out, weights> as a Python float (a random projection of a non-scalar output)."""
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return sum(float((o.numpy().astype(np.float64) * w).sum()) for o, w in zip(outs, weights))


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check the gradients of ``fn(*inputs)`` against central finite differences.

    ``inputs``: a Tensor or a tuple of Tensors; those with ``requires_grad``
    are checked and must be float64. A non-scalar output is projected onto a
    fixed random direction v, so the check compares v^T J (analytic, from one
    backward pass) with (f(x + eps e_k) - f(x - eps e_k)) / (2 eps) for every
    element k of every input. Returns True, or raises :class:`GradcheckError`
    naming the input, the worst element, and the analytic and numeric values.

    >>> import minidl as mdl
    >>> x = mdl.tensor([0.5, -1.0, 2.0], dtype="float64", requires_grad=True)
    >>> mdl.gradcheck(lambda t: (t * t).exp().sum(), (x,))
    True
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise ValueError(f"gradcheck: input {i} has dtype {inputs[i].dtype}; use float64 inputs "
                             "so that finite differences are accurate")
    rng = np.random.default_rng(seed)
    out = fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    weights = [rng.standard_normal(o.shape) for o in outs]

    for i in checked:
        inputs[i].grad = None
    total = None
    for o, w in zip(outs, weights):
        term = (o * Tensor(o.xp.asarray(w, dtype=o.dtype))).sum()
        total = term if total is None else total + term
    total.backward()

    from .autograd import no_grad
    for i in checked:
        x = inputs[i]
        if not x.data.flags.c_contiguous:
            x.data = x.xp.ascontiguousarray(x.data)
        analytic = np.zeros(x.shape) if x.grad is None else x.grad.numpy().astype(np.float64)
        numeric = np.zeros(x.shape)
        flat = x.data.reshape(-1)  # a view: perturb in place
        for k in range(flat.size):
            orig = flat[k].item()
            with no_grad():
                flat[k] = orig + eps
                plus = _scalarise(fn(*inputs), weights)
                flat[k] = orig - eps
                minus = _scalarise(fn(*inputs), weights)
            flat[k] = orig
            numeric.reshape(-1)[k] = (plus - minus) / (2 * eps)
        err = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if err.size and err.max() > 0:
            k = np.unravel_index(int(np.argmax(err)), x.shape)
            raise GradcheckError(
                f"gradcheck: gradient of input {i} (shape {x.shape}) is wrong at index {tuple(int(j) for j in k)}: "
                f"analytic {analytic[k]:.8g} vs numeric {numeric[k]:.8g} "
                f"(max abs diff {np.abs(analytic - numeric).max():.3g}, atol={atol}, rtol={rtol})")
    return True
