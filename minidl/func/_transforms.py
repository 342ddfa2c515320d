"""``minidl.func``'s gradient transforms: ``grad``, ``grad_and_value``, ``vjp``, ``jvp``, ``jacrev``, ``jacfwd``,
``hessian``, as ``torch.func``, built on minidl's reverse-mode autograd (``jvp`` and ``jacfwd`` on forward mode,
``minidl/func/_forward.py``).

Inputs may be nested tuples, lists and dicts of Tensors. The transformed
functions compose (``grad(grad(f))``, ``jacrev(jacrev(f))``, ``vmap(grad(f))``):
an input that already requires grad is differentiated through a
differentiable alias, so the results stay differentiable with respect to it;
otherwise the results are detached. ``jvp`` runs a dual forward pass
(``minidl.autograd.forward_ad``) unless an input requires grad or a dual level is
already open; then it uses reverse mode (a vector-Jacobian product
differentiated again), which composes with the other transforms. Detached
results keep their forward-mode tangents, so ``jacfwd(jacrev(f))`` is
forward-over-reverse.
"""
from __future__ import annotations

import functools

from minidl.autograd import _forward_state as _fw
from minidl.autograd import enable_grad
from minidl.autograd import grad as _autograd_grad
from minidl.dtypes import is_float_or_complex
from minidl.tensor import Tensor

from ._forward import forward_jvp, jacfwd
from ._pytree import tree_flatten, tree_unflatten

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian"]


def _differentiable(t, who):
    """A tensor equal to ``t`` that the transform differentiates with respect to."""
    if not isinstance(t, Tensor):
        raise RuntimeError(f"{who}: expected the differentiated inputs to be Tensors, got {type(t).__name__}")
    if not is_float_or_complex(t.dtype):
        raise RuntimeError("only Tensors of floating point dtype can require gradients")
    if t.requires_grad:
        return t.view_as(t)  # stays connected to an outer transform or to the caller's graph
    return _with_tangent_of(t, Tensor(t.array, requires_grad=True))


def _with_tangent_of(source, target):
    """``target``, given ``source``'s forward-mode tangent when it has one (an enclosing jvp/jacfwd reads it)."""
    if _fw.level is not None:
        tangent = _fw.tangent_of(source)
        if tangent is not None:
            _fw.set_tangent(target, tangent)
    return target


def _detach(t):
    """``t.detach()`` keeping ``t``'s forward-mode tangent."""
    return _with_tangent_of(t, t.detach())


def _check_argnums(argnums, nargs):
    items = argnums if isinstance(argnums, tuple) else (argnums,)
    if not items or not all(isinstance(a, int) and not isinstance(a, bool) for a in items):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    for a in items:
        if not -nargs <= a < nargs:
            raise RuntimeError(f"Got argnum={a}, but only {nargs} positional inputs")
    return tuple(a % nargs for a in items)


def _of_chosen(func, args, kwargs, positions):
    """``func`` as a function of the arguments at ``positions`` only, the others fixed to ``args``/``kwargs``."""
    def of_chosen(*chosen):
        new_args = list(args)
        for i, value in zip(positions, chosen):
            new_args[i] = value
        return func(*new_args, **kwargs)
    return of_chosen


def _zeros_for_unused(grads, inputs):
    from minidl.creation import zeros_like
    return [g if g is not None else zeros_like(x) for g, x in zip(grads, inputs)]


def _grads(outputs, inputs, grad_outputs, create_graph):
    """``autograd.grad`` that gives zeros for inputs the outputs do not depend on."""
    live = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not live:
        return _zeros_for_unused([None] * len(inputs), inputs)
    found = _autograd_grad([o for o, _ in live], inputs, grad_outputs=[g for _, g in live], retain_graph=True,
                           create_graph=create_graph, allow_unused=True)
    return _zeros_for_unused(found, inputs)


def _detach_tree(tree, keep):
    if keep:
        return tree
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([_detach(x) if isinstance(x, Tensor) else x for x in leaves], spec)


def _prepare_args(args, argnums, who):
    """``args`` with the differentiated ones made differentiable: (new args, flat inputs, their spec, keep graph)."""
    positions = _check_argnums(argnums, len(args))
    chosen = tuple(args[i] for i in positions)
    flat, spec = tree_flatten(chosen)
    keep_graph = any(isinstance(x, Tensor) and x.requires_grad for x in flat)
    prepared = [_differentiable(x, who) for x in flat]
    new_args = list(args)
    for i, value in zip(positions, tree_unflatten(prepared, spec)):
        new_args[i] = value
    return new_args, prepared, spec, keep_graph


def grad_and_value(func, argnums=0, has_aux=False):
    """``func`` transformed to return ``(gradient, value)`` of its scalar output.

    Args:
        func: returns a 0-d Tensor (or ``(output, aux)`` with ``has_aux``).
        argnums: which positional argument(s) to differentiate (int or tuple of ints).
        has_aux: ``func`` returns ``(output, aux)``; the result is then ``(grad, (output, aux))``.

    The gradient has the structure of the chosen argument(s) (a tuple when
    ``argnums`` is a tuple); inputs that do not affect the output get zeros.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with enable_grad():
            new_args, prepared, spec, keep = _prepare_args(args, argnums, "grad_and_value(f)(*args)")
            result = func(*new_args, **kwargs)
            if has_aux:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError("grad_and_value(f)(*args): output of function f should be a tuple: "
                                       "(output, aux) if has_aux is True")
                output, aux = result
            else:
                output, aux = result, None
            if not isinstance(output, Tensor):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                                   f"{type(output)}")
            if output.ndim != 0:
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {output.ndim} dims. Maybe you wanted to use the vjp or jacrev "
                                   "APIs instead?")
            from minidl.creation import ones_like
            grads = _grads([output], prepared, [ones_like(output)], create_graph=keep)
        chosen = tree_unflatten([g if keep else _detach(g) for g in grads], spec)
        gradient = chosen if isinstance(argnums, tuple) else chosen[0]
        value = output if keep else _detach(output)
        if has_aux:
            return gradient, (value, _detach_tree(aux, keep))
        return gradient, value
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """``func`` transformed to return the gradient of its scalar output w.r.t. argument(s) ``argnums``.

    With ``has_aux`` it returns ``(gradient, aux)``. See :func:`grad_and_value`.

    >>> import minidl as mdl
    >>> from minidl.func import grad
    >>> grad(lambda x: (x ** 3).sum())(mdl.tensor([1.0, 2.0]))
    tensor([ 3., 12.])
    """
    inner = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        gradient, value = inner(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient
    return wrapper


def _call_with_outputs(func, primals, has_aux, who):
    flat, spec = tree_flatten(tuple(primals))
    keep = any(isinstance(x, Tensor) and x.requires_grad for x in flat)
    prepared = [_differentiable(x, who) for x in flat]
    result = func(*tree_unflatten(prepared, spec))
    aux = None
    if has_aux:
        if not (isinstance(result, tuple) and len(result) == 2):
            raise RuntimeError(f"{who}: output of function f should be a tuple: (output, aux) if has_aux is True")
        result, aux = result
    flat_out, out_spec = tree_flatten(result)
    for o in flat_out:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"{who}: Expected f to be a function that has only Tensors as outputs, got "
                               f"{type(o)}")
    return prepared, spec, keep, result, flat_out, out_spec, aux


def vjp(func, *primals, has_aux=False):
    """``(output, vjp_fn)`` (plus ``aux`` with ``has_aux``): ``vjp_fn(cotangents)`` is the tuple of
    vector-Jacobian products, one per primal, for cotangents shaped like ``output``."""
    with enable_grad():
        prepared, spec, keep, result, flat_out, out_spec, aux = _call_with_outputs(func, primals, has_aux,
                                                                                   "vjp(f, *primals)")

    def vjp_fn(cotangents, *, retain_graph=True, create_graph=None):
        """The vector-Jacobian products for ``cotangents`` (same structure and shapes as the output)."""
        flat_ct, ct_spec = tree_flatten(cotangents)
        if ct_spec != out_spec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function. cotangents: {ct_spec}, primal output: {out_spec}")
        for o, c in zip(flat_out, flat_ct):
            if tuple(o.shape) != tuple(c.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output has a shape of {tuple(c.shape)} and output has "
                                   f"a shape of {tuple(o.shape)}")
        graph = keep or any(c.requires_grad for c in flat_ct) if create_graph is None else create_graph
        with enable_grad():
            grads = _grads(flat_out, prepared, flat_ct, create_graph=graph)
        return tree_unflatten([g if graph else _detach(g) for g in grads], spec)

    output = _detach_tree(result, keep)
    return (output, vjp_fn, _detach_tree(aux, keep)) if has_aux else (output, vjp_fn)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(output, jvp_out)``: ``func(*primals)`` and its Jacobian applied to ``tangents`` (plus ``aux``).

    ``primals`` and ``tangents`` are tuples of the same structure and shapes.
    Computed in one dual forward pass (:mod:`minidl.autograd.forward_ad`); when
    an input requires grad or a dual level is open, by the double vjp, which
    keeps the result differentiable for an enclosing transform.
    """
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    if not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected tangents to be a tuple.")
    flat_t, t_spec = tree_flatten(tangents)
    if t_spec != tree_flatten(primals)[1]:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure.")
    for p, t in zip(tree_flatten(primals)[0], flat_t):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to have the same shape, "
                               f"got {tuple(p.shape)} and {tuple(t.shape)}")
    flat_p = tree_flatten(primals)[0]
    if _fw.level is None and not any(x.requires_grad for x in flat_p + flat_t):
        return forward_jvp(func, primals, tangents, has_aux)
    from minidl.creation import zeros_like
    with enable_grad():
        prepared, _, keep, result, flat_out, out_spec, aux = _call_with_outputs(func, primals, has_aux,
                                                                               "jvp(f, primals, tangents)")
        # J t = d/du <u, J t> = d/du (J^T u) . t, with u a dummy cotangent (the backward is linear in u)
        dummies = [Tensor(zeros_like(o).array, requires_grad=True) for o in flat_out]
        vjps = _grads(flat_out, prepared, dummies, create_graph=True)
        live = [(v, t) for v, t in zip(vjps, flat_t) if v.requires_grad]
        if live:
            found = _autograd_grad([v for v, _ in live], dummies, grad_outputs=[t for _, t in live],
                                   create_graph=keep, allow_unused=True)
        else:
            found = [None] * len(dummies)
        jvps = _zeros_for_unused(found, flat_out)
    output = _detach_tree(result, keep)
    jvp_out = tree_unflatten([j if keep else _detach(j) for j in jvps], out_spec)
    return (output, jvp_out, _detach_tree(aux, keep)) if has_aux else (output, jvp_out)


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """``func`` transformed to return its Jacobian w.r.t. argument(s) ``argnums``, by reverse mode.

    For an output leaf of shape O and an input leaf of shape I the block has
    shape O + I; the result has the output's structure, each entry the chosen
    argument's structure (a tuple when ``argnums`` is a tuple). With
    ``has_aux`` it returns ``(jacobian, aux)``. ``chunk_size`` is accepted (rows
    are computed one by one).
    """
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    from minidl import stack
    from minidl.creation import zeros, zeros_like

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        positions = _check_argnums(argnums, len(args))

        of_chosen = _of_chosen(func, args, kwargs, positions)
        primals = tuple(args[i] for i in positions)
        out = vjp(of_chosen, *primals, has_aux=has_aux)
        output, vjp_fn = out[0], out[1]
        flat_out, out_spec = tree_flatten(output)
        in_leaves, in_spec = tree_flatten(primals)
        blocks = []
        for k, o in enumerate(flat_out):
            rows = []
            for e in range(o.numel()):
                cts = [zeros_like(x) for x in flat_out]
                basis = cts[k].reshape(-1).clone()
                basis.array[e] = 1
                cts[k] = basis.reshape(o.shape)
                rows.append(tree_flatten(vjp_fn(tree_unflatten(cts, out_spec)))[0])
            per_input = []
            for j, x in enumerate(in_leaves):
                shape = tuple(o.shape) + tuple(x.shape)
                block = stack([r[j] for r in rows]).reshape(shape) if rows else zeros(shape, dtype=x.dtype)
                per_input.append(block)
            chosen = tree_unflatten(per_input, in_spec)
            blocks.append(chosen if isinstance(argnums, tuple) else chosen[0])
        jac = tree_unflatten(blocks, out_spec)
        return (jac, out[2]) if has_aux else jac
    return wrapper


def hessian(func, argnums=0):
    """``func`` transformed to return the Hessian of its output w.r.t. argument(s) ``argnums``
    (PyTorch's ``jacfwd(jacrev(func, argnums), argnums)``); for a scalar output and an input of shape I, shape
    I + I. The same values are computed as ``jacrev(jacrev(...))``: one recorded backward pass differentiated
    once per input element costs minidl less than a forward-over-reverse pass per element."""
    return jacrev(jacrev(func, argnums), argnums)
