"""``minidl.autograd.functional``: Jacobians, Hessians and their products for whole functions, as
``torch.autograd.functional``.

``func`` takes the Tensor(s) ``inputs`` and returns a Tensor or a tuple of
Tensors. Results follow PyTorch's structure: a single input/output gives
Tensors, tuples give tuples (``jacobian[i][j]`` is output i by input j, of
shape ``output_i.shape + input_j.shape``). Without ``create_graph`` the
results are detached; ``strict=True`` raises when an output does not depend
on the inputs (otherwise those parts are zeros). Everything runs on reverse
mode (:func:`minidl.autograd.grad`); ``jvp`` uses the double-backward trick,
as PyTorch does.
"""
from __future__ import annotations

from ..tensor import Tensor
from .engine import grad as _grad
from .grad_mode import enable_grad

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]


def _as_tuple(value, what, fn_name):
    """``(tuple_of_tensors, was_a_tuple)``; TypeError naming ``fn_name`` for anything else."""
    is_tuple = isinstance(value, (tuple, list))
    items = tuple(value) if is_tuple else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            where = f"The {what} given to {fn_name} must be either a Tensor or a tuple of Tensors"
            raise TypeError(f"{where} but the value at index {i} has type {type(item).__name__}.")
    return items, is_tuple


def _prepare(inputs, create_graph):
    """Inputs as fresh leaves that require grad (views of the caller's tensors, graph kept if asked)."""
    out = []
    for t in inputs:
        leaf = t if create_graph and t.requires_grad else t.detach()
        out.append(leaf.requires_grad_(True) if not leaf.requires_grad else leaf)
    return tuple(out)


def _grads(outputs, inputs, grad_outputs, create_graph, strict, index_kind="output"):
    """Gradients of ``outputs`` w.r.t. ``inputs`` with zeros (or a strict-mode error) for unused inputs."""
    live = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if strict and len(live) != len(outputs):
        missing = next(i for i, o in enumerate(outputs) if not o.requires_grad)
        raise RuntimeError(f"Output {missing} of the user-provided function does not require gradients. The "
                           "outputs must be computed in a differentiable manner from the input when running in "
                           "strict mode.")
    if not live:
        return tuple(t.detach() * 0 for t in inputs)
    found = _grad([o for o, _ in live], inputs, [g for _, g in live], retain_graph=True,
                  create_graph=create_graph, allow_unused=True)
    result = []
    for i, (g, t) in enumerate(zip(found, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"The {index_kind} of the user-provided function is independent of input {i}. "
                                   "This is not allowed in strict mode.")
            g = t.detach() * 0
        result.append(g)
    return tuple(result)


def _finish(values, create_graph):
    return tuple(v if create_graph else v.detach() for v in values)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), vᵀ J)``: the vector-Jacobian product (``v`` may be omitted for a one-element output).

    >>> import minidl as mdl
    >>> from minidl.autograd.functional import vjp
    >>> vjp(lambda x: x ** 2, mdl.tensor([1.0, 2.0]), mdl.ones(2))[1]
    tensor([2., 4.])
    """
    inputs, in_tuple = _as_tuple(inputs, "inputs", "vjp")
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        outputs = func(*inputs)
        outputs, out_tuple = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
        if v is None:
            if len(outputs) != 1 or outputs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                                   "Tensor with a single element.")
            vs = (outputs[0].detach() * 0 + 1,)
        else:
            vs, _ = _as_tuple(v, "v", "vjp")
        result = _grads(outputs, inputs, vs, create_graph, strict)
    outputs = _finish(outputs, create_graph)
    result = _finish(result, create_graph)
    return (outputs if out_tuple else outputs[0]), (result if in_tuple else result[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product (``v`` may be omitted for a one-element input).

    >>> import minidl as mdl
    >>> from minidl.autograd.functional import jvp
    >>> jvp(lambda x: x ** 2, mdl.tensor([1.0, 2.0]), mdl.ones(2))[1]
    tensor([2., 4.])
    """
    inputs, in_tuple = _as_tuple(inputs, "inputs", "jvp")
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
        vs = (inputs[0].detach() * 0 + 1,)
    else:
        vs, _ = _as_tuple(v, "v", "jvp")
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        outputs = func(*inputs)
        outputs, out_tuple = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
        # J v = d/du (uᵀ J) v: a vjp with a dummy u that requires grad, differentiated again along v
        dummies = tuple((o.detach() * 0).requires_grad_(True) for o in outputs)
        grads_u = _grads(outputs, inputs, dummies, True, strict)
        pairs = [(g, vv) for g, vv in zip(grads_u, vs) if g.requires_grad]
        if pairs:
            found = _grad([g for g, _ in pairs], dummies, [vv for _, vv in pairs], retain_graph=True,
                          create_graph=create_graph, allow_unused=True)
            result = tuple(o.detach() * 0 if g is None else g for g, o in zip(found, outputs))
        else:
            result = tuple(o.detach() * 0 for o in outputs)
    outputs = _finish(outputs, create_graph)
    result = _finish(result, create_graph)
    return (outputs if out_tuple else outputs[0]), (result if out_tuple else result[0])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: ``output.shape + input.shape`` per (output, input) pair.

    Computed one output element at a time by reverse mode (``vectorize`` and
    ``strategy='forward-mode'`` give the same values here; as in PyTorch, forward mode needs
    ``vectorize=True`` and refuses ``create_graph`` and ``strict``).

    >>> import minidl as mdl
    >>> from minidl.autograd.functional import jacobian
    >>> jacobian(lambda x: x ** 2, mdl.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
    """
    if strategy not in ("reverse-mode", "forward-mode"):   # PyTorch's argument checks, its exception types
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError('torch.autograd.functional.jacobian: `create_graph=True` and `strategy='
                                      '"forward-mode"` are not supported together (yet). Please either set '
                                      '`create_graph=False` or `strategy="reverse-mode"`.')
        if strict:
            raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` '
                               'are not supported together (yet). Please either set `strict=False` or '
                               '`strategy="reverse-mode"`.')
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                      "only implemented for `vectorize=True`.")
    inputs, in_tuple = _as_tuple(inputs, "inputs", "jacobian")
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        outputs = func(*inputs)
        outputs, out_tuple = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        rows = []
        for i, out in enumerate(outputs):
            flat = out.reshape(-1)
            per_input = [[] for _ in inputs]
            for k in range(flat.numel()):
                if strict and not out.requires_grad:
                    raise RuntimeError(f"Output {i} of the user-provided function does not require gradients. "
                                       "The outputs must be computed in a differentiable manner from the input "
                                       "when running in strict mode.")
                if out.requires_grad:
                    found = _grad([flat[k]], inputs, retain_graph=True, create_graph=create_graph,
                                  allow_unused=True)
                else:
                    found = (None,) * len(inputs)
                for j, (g, t) in enumerate(zip(found, inputs)):
                    if g is None and strict:
                        raise RuntimeError(f"Output {i} of the user-provided function is independent of input {j}. "
                                           "This is not allowed in strict mode.")
                    per_input[j].append(t.detach() * 0 if g is None else g)
            row = []
            for j, t in enumerate(inputs):
                from ..functions import stack
                block = stack(per_input[j], 0) if per_input[j] else t.detach().reshape(0, *t.shape) * 0
                block = block.reshape(*(tuple(out.shape) + tuple(t.shape)))
                row.append(block if create_graph else block.detach())
            rows.append(tuple(row))
    if not out_tuple and not in_tuple:
        return rows[0][0]
    if not out_tuple:
        return rows[0]
    if not in_tuple:
        return tuple(r[0] for r in rows)
    return tuple(rows)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: ``input.shape + input.shape`` (a tuple of tuples for several inputs).

    >>> import minidl as mdl
    >>> from minidl.autograd.functional import hessian
    >>> hessian(lambda x: (x ** 3).sum(), mdl.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    if outer_jacobian_strategy not in ("reverse-mode", "forward-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    inputs_t, in_tuple = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*args):
        out = func(*args)
        outs, _ = _as_tuple(out, "outputs of the user-provided function", "hessian")
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor with a single element")
        return _grads(outs, args, (outs[0].detach() * 0 + 1,), True, strict)

    result = jacobian(gradient, inputs_t, create_graph=create_graph, strict=strict, vectorize=vectorize,
                      strategy=outer_jacobian_strategy)
    if not in_tuple:
        return result[0][0] if isinstance(result[0], tuple) else result[0]
    return result


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), vᵀ H)`` for a scalar ``func``."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a scalar ``func`` (the same as :func:`vhp` for the symmetric Hessian
    of a twice-differentiable function).

    >>> import minidl as mdl
    >>> from minidl.autograd.functional import hvp
    >>> hvp(lambda x: (x ** 3).sum(), mdl.tensor([1.0, 2.0]), mdl.ones(2))
    (tensor(9.), tensor([ 6., 12.]))
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, name):
    inputs, in_tuple = _as_tuple(inputs, "inputs", name)
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
        vs = (inputs[0].detach() * 0 + 1,)
    else:
        vs, _ = _as_tuple(v, "v", name)
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        outputs, _ = _as_tuple(func(*inputs), "outputs of the user-provided function", name)
        if len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError(f"The function given to {name} should return a single Tensor with a single element")
        first = _grads(outputs, inputs, (outputs[0].detach() * 0 + 1,), True, strict)
        result = _grads(first, inputs, vs, create_graph, strict, index_kind="jacobian")
    value = outputs[0] if create_graph else outputs[0].detach()
    result = _finish(result, create_graph)
    return value, (result if in_tuple else result[0])
