"""``minidl.func``'s forward-mode transforms: ``jvp`` on dual Tensors (``minidl.autograd.forward_ad``) and
``jacfwd`` as one ``jvp`` per input element, as ``torch.func``.

``jvp`` runs ``func`` once on dual inputs: the output and its tangent come
out of the same forward pass. When a dual level is already open (``jvp``
inside ``jvp``) or an input requires grad (an enclosing ``grad``/``vjp``/
``jacrev`` must differentiate the result), ``minidl/func/_transforms.py``
takes its reverse-mode path (the double vjp) instead, which composes with both.
"""
from __future__ import annotations

import functools

from minidl.autograd import forward_ad as fwAD
from minidl.tensor import Tensor

from ._pytree import tree_flatten, tree_unflatten

__all__ = ["forward_jvp", "jacfwd"]


def forward_jvp(func, primals, tangents, has_aux):
    """``(output, jvp_out[, aux])`` of ``func`` at ``primals`` along ``tangents`` in one dual forward pass
    (the arguments already checked by ``minidl.func.jvp``)."""
    from minidl.creation import zeros_like
    flat_p, spec = tree_flatten(primals)
    flat_t, _ = tree_flatten(tangents)
    with fwAD.dual_level():
        duals = [fwAD.make_dual(p, t) for p, t in zip(flat_p, flat_t)]
        result = func(*tree_unflatten(duals, spec))
        aux = None
        if has_aux:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError("jvp(f, primals, tangents): output of function f should be a tuple: "
                                   "(output, aux) if has_aux is True")
            result, aux = result
        flat_out, out_spec = tree_flatten(result)
        outputs, jvps = [], []
        for o in flat_out:
            if not isinstance(o, Tensor):
                raise RuntimeError(f"jvp(f, primals, tangents): Expected f to be a function that has only "
                                   f"Tensors as outputs, got {type(o)}")
            primal, tangent = fwAD.unpack_dual(o)
            outputs.append(primal.detach())
            jvps.append(zeros_like(primal).detach() if tangent is None else tangent.detach())
        if has_aux:
            leaves, aux_spec = tree_flatten(aux)
            aux = tree_unflatten([fwAD.unpack_dual(x).primal.detach() if isinstance(x, Tensor) else x
                                  for x in leaves], aux_spec)
    output, jvp_out = tree_unflatten(outputs, out_spec), tree_unflatten(jvps, out_spec)
    return (output, jvp_out, aux) if has_aux else (output, jvp_out)


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """``func`` transformed to return its Jacobian w.r.t. argument(s) ``argnums``, by forward mode.

    Each element of the chosen inputs is pushed through ``func`` as a unit
    tangent (one :func:`minidl.func.jvp` per input element, where PyTorch
    vmaps them). For an output leaf of shape O and an input leaf of shape I the
    block has shape O + I; the result has the output's structure, each entry
    the chosen argument's structure (a tuple when ``argnums`` is a tuple).
    With ``has_aux`` it returns ``(jacobian, aux)``. ``randomness`` is accepted
    for compatibility ("error", "different" or "same").

    >>> import minidl as mdl
    >>> from minidl.func import jacfwd
    >>> jacfwd(lambda x: x ** 2)(mdl.tensor([1.0, 3.0]))
    tensor([[2., 0.],
            [0., 6.]])
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. "
                           f"Got {randomness}")
    from minidl import stack
    from minidl.creation import zeros, zeros_like

    from ._transforms import _check_argnums, _of_chosen, jvp

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        positions = _check_argnums(argnums, len(args))

        of_chosen = _of_chosen(func, args, kwargs, positions)
        primals = tuple(args[i] for i in positions)
        in_leaves, in_spec = tree_flatten(primals)
        for x in in_leaves:
            if not isinstance(x, Tensor):
                raise RuntimeError(f"jacfwd: expected the differentiated inputs to be Tensors, got "
                                   f"{type(x).__name__}")
        columns = []   # per input leaf: one flat list of output tangents per element
        last = None
        for j, x in enumerate(in_leaves):
            per_element = []
            for e in range(x.numel()):
                tangents = [zeros_like(leaf).detach() for leaf in in_leaves]
                basis = tangents[j].reshape(-1).clone()
                basis.array[e] = 1
                tangents[j] = basis.reshape(x.shape)
                last = jvp(of_chosen, primals, tree_unflatten(tangents, in_spec), has_aux=has_aux)
                per_element.append(tree_flatten(last[1])[0])
            columns.append(per_element)
        if last is None:   # every chosen input is empty: one call for the output's structure
            last = jvp(of_chosen, primals, tree_unflatten([zeros_like(x) for x in in_leaves], in_spec),
                       has_aux=has_aux)
        flat_out, out_spec = tree_flatten(last[0])
        blocks = []
        for k, o in enumerate(flat_out):
            per_input = []
            for x, per_element in zip(in_leaves, columns):
                shape = tuple(o.shape) + tuple(x.shape)
                if per_element:
                    block = stack([col[k] for col in per_element], -1).reshape(shape)
                else:
                    block = zeros(shape, dtype=o.dtype)
                per_input.append(block)
            chosen = tree_unflatten(per_input, in_spec)
            blocks.append(chosen if isinstance(argnums, tuple) else chosen[0])
        jac = tree_unflatten(blocks, out_spec)
        return (jac, last[2]) if has_aux else jac
    return wrapper
