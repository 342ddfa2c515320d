"""Finite-difference checks of first and second derivatives: ``gradcheck`` and ``gradgradcheck``.

Both follow ``torch.autograd.gradcheck`` / ``gradgradcheck`` (names, arguments,
return value, ``GradcheckError``). Each output is projected onto a fixed random
direction v, so one backward pass gives v^T J for every input, which is
compared with central differences (f(x + eps e_k) - f(x - eps e_k)) / (2 eps)
of <v, f> for every element k of every input (PyTorch's ``fast_mode``
projects on both sides; minidl projects the outputs only, and so still checks
every input element).

Complex inputs and outputs are checked as PyTorch checks them: a complex
output o is projected as Re(sum(conj(v) * o)) with a complex v (a real
function), and for a complex input z the analytic gradient (PyTorch's
convention: dL/dx + i dL/dy, the conjugate Wirtinger derivative times 2) is
compared with the central differences along the real and the imaginary axis.
"""
from __future__ import annotations

import warnings

import numpy as np

from .tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with central differences."""


def _as_outputs(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if isinstance(o, Tensor)]


def _sparse_layout(t):
    """Whether ``t`` is a sparse Tensor (its array a holder of minidl/sparse/_arrays.py)."""
    return getattr(type(getattr(t, "array", None)), "is_sparse_layout", False)


def _scalarise(out, weights):
    """Re <out, weights> as a Python float (a random projection of a non-scalar output; conj(weights) for a
    complex output)."""
    return sum(float(np.real((o.resolve_conj().numpy() * np.conj(w)).sum())) for o, w in zip(_as_outputs(out), weights))


def _direction(rng, out):
    """A random projection direction for ``out``: standard normal, complex (both parts) for a complex output."""
    w = rng.standard_normal(out.shape)
    return w + 1j * rng.standard_normal(out.shape) if out.array.dtype.kind == "c" else w


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
    False when ``raise_exception=False``. ``check_forward_ad=True`` also checks
    the forward-mode derivatives (:mod:`minidl.autograd.forward_ad`, one dual
    pass per input element, projected on the same v) and
    ``check_backward_ad=False`` skips the reverse-mode check. The remaining
    keyword arguments are PyTorch's and accepted for compatibility: minidl has
    no batched gradients.

    >>> import minidl as mdl
    >>> x = mdl.tensor([0.5, -1.0, 2.0], dtype="float64", requires_grad=True)
    >>> mdl.gradcheck(lambda t: (t * t).exp().sum(), (x,))
    True
    """
    if check_batched_grad or check_batched_forward_grad:
        raise NotImplementedError("gradcheck: minidl has no batched gradients; leave check_batched_grad and "
                                  "check_batched_forward_grad False")
    try:
        if check_backward_ad:
            _check(func, inputs, eps, atol, rtol, seed, _numeric_no_grad)
        if check_forward_ad:
            _check(func, inputs, eps, atol, rtol, seed, _numeric_no_grad, forward=True)
        return True
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _check(func, inputs, eps, atol, rtol, seed, numeric_no_grad, forward=False):
    from .autograd import enable_grad, grad, no_grad
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad")
    for i in checked:   # PyTorch's warning; the check runs all the same
        if inputs[i].dtype != np.float64 and inputs[i].dtype != np.complex128:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          f"This check will likely fail if all the inputs are not of double precision floating point "
                          f"or complex. ", UserWarning, stacklevel=3)
    rng = np.random.default_rng(seed)
    outs = _as_outputs(func(*inputs))
    weights = [_direction(rng, o) for o in outs]

    projected = [(o, Tensor(o.xp.asarray(w, dtype=o.dtype))) for o, w in zip(outs, weights) if o.requires_grad]
    analytic_all = [None] * len(checked)
    if forward:
        analytic_all = [_forward_projection(func, inputs, i, weights, numeric_no_grad) for i in checked]
    elif projected:   # grad_outputs w: the gradient of Re <o, w> in PyTorch's convention
        analytic_all = grad([o for o, _ in projected], [inputs[i] for i in checked], [w for _, w in projected],
                            allow_unused=True)

    mode = no_grad if numeric_no_grad else enable_grad
    for i, analytic_t in zip(checked, analytic_all):
        x = inputs[i]
        if _sparse_layout(x) or _sparse_layout(analytic_t):   # minidl/sparse: stored values / a sparse gradient
            from .sparse._gradcheck import check_sparse
            check_sparse(i, x, analytic_t, lambda: _scalarise(func(*inputs), weights), eps, atol, rtol, mode)
            continue
        if not x.array.flags.c_contiguous:
            x.array = x.xp.ascontiguousarray(x.array)
        is_complex = x.array.dtype.kind == "c"
        kind = np.complex128 if is_complex else np.float64
        analytic = np.zeros(x.shape, kind) if analytic_t is None else analytic_t.numpy().astype(kind)
        numeric = np.zeros(x.shape, kind)
        flat = x.array.reshape(-1)  # a view: perturb in place
        for k in range(flat.size):
            orig = flat[k].item()
            for step in ((eps, 1j * eps) if is_complex else (eps,)):   # d/dx, then d/dy for a complex input
                with mode():
                    flat[k] = orig + step
                    plus = _scalarise(func(*inputs), weights)
                    flat[k] = orig - step
                    minus = _scalarise(func(*inputs), weights)
                flat[k] = orig
                numeric.reshape(-1)[k] += (plus - minus) / (2 * eps) * (step / eps)
        err = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if err.size and err.max() > 0:
            k = np.unravel_index(int(np.argmax(err)), x.shape)
            kind = "forward-mode gradient" if forward else "gradient"
            raise GradcheckError(
                f"gradcheck: {kind} of input {i} (shape {x.shape}) is wrong at index {tuple(int(j) for j in k)}: "
                f"analytic {_show(analytic[k])} vs numeric {_show(numeric[k])} "
                f"(max abs diff {np.abs(analytic - numeric).max():.3g}, atol={atol}, rtol={rtol})")
    return True


def _show(value):
    """A number for the error message: 8 significant digits, ``a+bj`` for complex values."""
    return f"{value:.8g}" if not np.iscomplexobj(value) else f"{value.real:.8g}{value.imag:+.8g}j"


def _forward_projection(func, inputs, i, weights, no_grad_mode):
    """d<v, func>/d inputs[i], element by element, from forward-mode AD (one dual pass per element)."""
    from .autograd import enable_grad, no_grad
    from .autograd import forward_ad as fwAD
    mode = no_grad if no_grad_mode else enable_grad
    x = inputs[i]
    result = np.zeros(x.shape)
    unit = x.xp.zeros(x.shape, dtype=x.array.dtype)
    for k in range(unit.size):
        unit.reshape(-1)[k] = 1
        with mode(), fwAD.dual_level():
            args = list(inputs)
            args[i] = fwAD.make_dual(x, Tensor(unit.copy()))
            total = 0.0
            for o, w in zip(_as_outputs(func(*args)), weights):
                tangent = fwAD.unpack_dual(o).tangent
                if tangent is not None:
                    total += float((tangent.numpy().astype(np.float64) * w).sum())
        result.reshape(-1)[k] = total
        unit.reshape(-1)[k] = 0
    return Tensor(result)


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
    if check_batched_grad:
        raise NotImplementedError("gradgradcheck: minidl has no batched gradients; leave check_batched_grad False")
    if not check_rev_over_rev and not check_fwd_over_rev:
        return True
    from .autograd import grad
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    diff_inputs = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        outs = _as_outputs(func(*inputs))
        grad_outputs = tuple(Tensor(o.xp.asarray(_direction(rng, o), dtype=np.complex128 if o.array.dtype.kind == "c"
                                                 else np.float64), requires_grad=True)
                             for o in outs if o.requires_grad)
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    n = len(inputs)

    def first_derivatives(*args):
        ins, gos = args[:n], args[n:]
        outs = [o for o in _as_outputs(func(*ins)) if o.requires_grad]
        grads = grad(outs, diff_inputs, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, seed=seed, _numeric_no_grad=False,
                     check_backward_ad=check_rev_over_rev, check_forward_ad=check_fwd_over_rev)
