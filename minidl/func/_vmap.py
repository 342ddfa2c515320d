"""``vmap`` and ``stack_module_state`` (``torch.func``).

minidl's ``vmap`` runs the function once per element of the mapped dimension
(each input sliced with ``select``, which is differentiable) and stacks the
results along ``out_dims``: the values, the gradients through it and the
errors for bad ``in_dims``/``out_dims`` are PyTorch's; it is a loop, not
PyTorch's batching rules, so it is as fast as calling the function in a loop.
Random operations inside raise with ``randomness="error"`` (the default), draw
the same numbers for every element with "same", different ones with "different".
"""
from __future__ import annotations

import functools

import numpy as np

from minidl import backend
from minidl.tensor import Tensor

from ._pytree import broadcast_prefix, tree_flatten, tree_unflatten

__all__ = ["vmap", "stack_module_state"]

_RANDOM_ERROR = ("vmap: called random operation while in randomness error mode. Please either use the 'same' or "
                 "'different' randomness flags on vmap or perform the randomness operation out of vmap")


class _NoRandomness:
    """Stands in for the random generator under ``randomness="error"``: any draw raises."""

    def __getattr__(self, name):
        raise RuntimeError(_RANDOM_ERROR)


def _name(func):
    return getattr(func, "__name__", repr(func))


def _in_dims_per_leaf(func, in_dims, args):
    if isinstance(in_dims, int) and not isinstance(in_dims, bool):
        return broadcast_prefix(in_dims, args)
    if not isinstance(in_dims, tuple):
        raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a "
                         f"(potentially nested) tuple matching the structure of inputs, got: {type(in_dims)}.")
    try:
        return broadcast_prefix(in_dims, args)
    except ValueError:
        raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with "
                         f"the structure of `inputs`. in_dims has structure {tree_flatten(in_dims)[1]} but inputs "
                         f"has structure {tree_flatten(args)[1]}.") from None


def _batch_size(func, in_dims, leaves, dims):
    sizes = []
    for x, d in zip(leaves, dims):
        if d is None:
            continue
        if not isinstance(d, int) or isinstance(d, bool):
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input "
                             "but in_dim must be either an integer dimension or None.")
        if not isinstance(x, Tensor):
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input "
                             f"but the input is of type {type(x)}. We cannot vmap over non-Tensor arguments, please "
                             "use None as the respective in_dim")
        if not -x.ndim <= d < x.ndim:
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for some input, "
                             f"but that input is a Tensor of dimensionality {x.ndim} so expected in_dim to satisfy "
                             f"-{x.ndim} <= in_dim < {x.ndim}.")
        sizes.append(x.shape[d])
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if len(set(sizes)) > 1:
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                         f"{sizes} for the mapped dimension")
    if sizes[0] == 0:
        raise ValueError("vmap: the mapped dimension has size 0; minidl's vmap calls the function once per element "
                         "and so cannot tell the shape of an empty result")
    return sizes[0]


def _stack_outputs(func, results, out_dims):
    from minidl import stack
    first = results[0]
    flat_first, spec = tree_flatten(first)
    if isinstance(out_dims, int) or out_dims is None:
        dims = [out_dims] * len(flat_first)
    else:
        try:
            dims = broadcast_prefix(out_dims, first)
        except ValueError:
            raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible "
                             f"with the structure of `outputs`. out_dims has structure {tree_flatten(out_dims)[1]} "
                             f"but outputs has structure {spec}.") from None
    per_call = [tree_flatten(r)[0] for r in results]
    stacked = []
    for j, (value, d) in enumerate(zip(flat_first, dims)):
        column = [leaves[j] for leaves in per_call]
        if d is None:
            same = all(v is value or (isinstance(v, Tensor) and isinstance(value, Tensor)
                                      and np.array_equal(backend.to_numpy(v.array), backend.to_numpy(value.array)))
                       or (not isinstance(v, Tensor) and v == value) for v in column)
            if not same:
                raise ValueError(f"vmap({_name(func)}, ...): `{_name(func)}` can not return a BatchedTensor when "
                                 "out_dim is None")
            stacked.append(value)
            continue
        if not isinstance(value, Tensor):
            raise ValueError(f"vmap({_name(func)}, ...): `{_name(func)}` must only return Tensors, got type "
                             f"{type(value)}. Did you mean to set out_dims= to None for output?")
        ndim = value.ndim + 1
        if not -ndim <= d < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {d})")
        stacked.append(stack(column, dim=d))
    return tree_unflatten(stacked, spec)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """``func`` mapped over a dimension of its inputs: ``vmap(f)(x)[i] == f(x[i])``.

    Args:
        func: takes the inputs without the mapped dimension; returns Tensors
            (nested tuples/lists/dicts allowed).
        in_dims: the mapped dimension of each input: an int for all, or a tuple
            with one entry (int, None for an unmapped input, or a nested prefix) per argument.
        out_dims: where the mapped dimension goes in each output (int, or a tuple per output; None for
            an output that does not depend on the mapped inputs).
        randomness: "error", "different" or "same" (see the module docstring).
        chunk_size: accepted for compatibility (a positive int or None).
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        dims = _in_dims_per_leaf(func, in_dims, args)
        leaves, spec = tree_flatten(args)
        size = _batch_size(func, in_dims, leaves, dims)
        results = []
        same_state = backend.rng().bit_generator.state if randomness == "same" else None
        for b in range(size):
            sliced = [x.select(d, b) if d is not None else x for x, d in zip(leaves, dims)]
            call_args = tree_unflatten(sliced, spec)
            if randomness == "different":
                results.append(func(*call_args, **kwargs))
                continue
            if randomness == "same":
                bits = type(backend.rng().bit_generator)()
                bits.state = same_state
                generator = np.random.Generator(bits)
            else:
                generator = _NoRandomness()
            with backend.rng_scope(generator):
                results.append(func(*call_args, **kwargs))
            if randomness == "same" and b == size - 1:
                backend.rng().bit_generator.state = generator.bit_generator.state
        return _stack_outputs(func, results, out_dims)
    return wrapped


def stack_module_state(models):
    """``(params, buffers)``: each parameter (buffer) of the same-class ``models`` stacked along a new first dimension.

    The stacked parameters are new leaves that require grad where the originals
    do; use them with :func:`minidl.func.functional_call` and :func:`vmap` to run an ensemble at once.
    """
    models = list(models)
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    model0_typ = type(models[0])
    if not all(type(m) is model0_typ for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    from minidl import stack
    all_params = [dict(m.named_parameters()) for m in models]
    params = {k: Tensor(stack([p[k] for p in all_params]).array, requires_grad=all_params[0][k].requires_grad)
              for k in all_params[0]}
    all_buffers = [dict(m.named_buffers()) for m in models]
    buffers = {k: Tensor(stack([b[k] for b in all_buffers]).array) for k in all_buffers[0]}
    return params, buffers
