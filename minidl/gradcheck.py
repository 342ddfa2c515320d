"""Finite-difference checks of first and second derivatives: ``gradcheck`` and ``gradgradcheck``.

Both follow ``torch.autograd.gradcheck`` / ``gradgradcheck`` (names, arguments,
return value, ``GradcheckError``). Each output is projected onto a fixed random
direction v, so one backward pass gives v^T J for every input, which is
compared with central differences (f(x + eps e_k) - f(x - eps e_k)) / (2 eps)
of <v, f> for every element k of every input (PyTorch's ``fast_mode``
projects on both sides; minidl projects the outputs only, and so still checks
every input element).
"""
from __future__ import annotations

import numpy as np

from .tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with central differences."""


def _as_outputs(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if isinstance(o, Tensor)]


def _scalarise(out, weights):
    """<out, weights> as a Python float (a random projection of a non-scalar output)."""
    return sum(float((o.numpy().astype(np.float64) * w).sum()) for o, w in zip(_as_outputs(out), weights))


def gradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0, *,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None, _numeric_no_grad=True):
    """Check the gradients of ``func(*inputs)`` against central finite differences.

    ``inputs``: a Tensor or a tuple (non-Tensor items are passed through);
    the Tensors with ``requires_grad`` are checked and must be float64. A
    non-scalar output (or several outputs) is projected onto a fixed random
    direction v (``seed``), so the check compares v^T J (analytic, one backward
    pass) with central differences of <v, f> for every element of every
    input. Returns True; on a mismatch raises :class:`GradcheckError` naming the
    input, the worst element, and the analytic and numeric values, or returns
    False when ``raise_exception=False``. The remaining keyword arguments are
    PyTorch's and accepted for compatibility: minidl has no forward-mode AD or
    batched gradients, and ``check_backward_ad=False`` skips the check.

    >>> import minidl as mdl
    >>> x = mdl.tensor([0.5, -1.0, 2.0], dtype="float64", requires_grad=True)
    >>> mdl.gradcheck(lambda t: (t * t).exp().sum(), (x,))
    True
    """
    if check_forward_ad or check_batched_grad or check_batched_forward_grad:
        raise NotImplementedError("gradcheck: minidl has no forward-mode or batched gradients; leave "
                                  "check_forward_ad, check_batched_grad and check_batched_forward_grad False")
    if not check_backward_ad:
        return True
    try:
        return _check(func, inputs, eps, atol, rtol, seed, _numeric_no_grad)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _check(func, inputs, eps, atol, rtol, seed, numeric_no_grad):
    from .autograd import enable_grad, grad, no_grad
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
    outs = _as_outputs(func(*inputs))
    weights = [rng.standard_normal(o.shape) for o in outs]

    total = None
    for o, w in zip(outs, weights):
        if not o.requires_grad:
            continue
        term = (o * Tensor(o.xp.asarray(w, dtype=o.dtype))).sum()
        total = term if total is None else total + term
    analytic_all = [None] * len(checked)
    if total is not None:
        analytic_all = grad(total, [inputs[i] for i in checked], allow_unused=True)

    mode = no_grad if numeric_no_grad else enable_grad
    for i, analytic_t in zip(checked, analytic_all):
        x = inputs[i]
        if not x.array.flags.c_contiguous:
            x.array = x.xp.ascontiguousarray(x.array)
        analytic = np.zeros(x.shape) if analytic_t is None else analytic_t.numpy().astype(np.float64)
        numeric = np.zeros(x.shape)
        flat = x.array.reshape(-1)  # a view: perturb in place
        for k in range(flat.size):
            orig = flat[k].item()
            with mode():
                flat[k] = orig + eps
                plus = _scalarise(func(*inputs), weights)
                flat[k] = orig - eps
                minus = _scalarise(func(*inputs), weights)
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


def gradgradcheck(func, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, seed=0, *, nondet_tol=0.0, check_undefined_grad=True,
                  check_grad_dtypes=False, check_batched_grad=False, check_fwd_over_rev=False,
                  check_rev_over_rev=True, fast_mode=False, masked=False):
    """Check second derivatives of ``func(*inputs)`` against finite differences of its gradients.

    As in PyTorch: with ``grad_outputs`` (random float64 Tensors when None)
    the first derivatives ``autograd.grad(func(*inputs), inputs, grad_outputs,
    create_graph=True)`` form a new function of (inputs, grad_outputs), and
    :func:`gradcheck` checks its gradients, so the backward of every op in
    ``func`` must itself be differentiable. Returns True or raises
    :class:`GradcheckError` (returns False when ``raise_exception=False``).

    >>> import minidl as mdl
    >>> x = mdl.tensor([0.5, -1.0, 2.0], dtype="float64", requires_grad=True)
    >>> mdl.autograd.gradgradcheck(lambda t: (t * t).exp().sum(), (x,))
    True
    """
    if check_fwd_over_rev or check_batched_grad:
        raise NotImplementedError("gradgradcheck: minidl has no forward-mode or batched gradients; leave "
                                  "check_fwd_over_rev and check_batched_grad False")
    if not check_rev_over_rev:
        return True
    from .autograd import grad
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    diff_inputs = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        outs = _as_outputs(func(*inputs))
        grad_outputs = tuple(Tensor(o.xp.asarray(rng.standard_normal(o.shape), dtype=np.float64),
                                    requires_grad=True) for o in outs if o.requires_grad)
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    n = len(inputs)

    def first_derivatives(*args):
        ins, gos = args[:n], args[n:]
        outs = [o for o in _as_outputs(func(*ins)) if o.requires_grad]
        grads = grad(outs, diff_inputs, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, seed=seed, _numeric_no_grad=False)
