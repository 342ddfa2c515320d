"""The backward walk: ``backward`` and ``grad``, on raw arrays or, with ``create_graph``, on Tensors.

The graph is the chain of ``creator`` links from Tensors to the nodes that
made them (``minidl/autograd/function.py``). A walk lists the nodes reachable
from the outputs in topological order with an explicit stack (no recursion
limit), then visits them in reverse: each node gets the sum of its output
gradients (``pending``), runs its backward, and hands one gradient per input
on, summed back over broadcast dimensions and cast to the input's dtype.

Two loops do this. The **fast path** (``create_graph=False``, every training
step) moves raw NumPy/CuPy arrays and calls each node's array ``backward``;
nothing is recorded. The **graph path** (``create_graph=True``) moves Tensors
and calls each node's ``backward_graph``, whose Tensor operations are recorded,
so the gradients are themselves differentiable (second derivatives,
Hessian-vector products, gradient penalties). The choice is documented, with
the measurements behind it, in docs/architecture.md.
"""
from __future__ import annotations

import numpy as np

from minidl.dtypes import BFLOAT16

from ..backend import owns_writable_memory
from ..tensor_grad_attr import store_grad
from . import _forward_state as _forward_ad
from . import _profiling, anomaly_mode, node_hooks
from . import graph as _saved_hooks
from . import versions as _versions
from .function import NotTwiceDifferentiable, _op_name, _reducible, output_index
from .grad_mode import set_grad_enabled
from .released import FREED_MESSAGE

__all__ = ["backward", "grad", "unbroadcast", "register_post_accumulate_grad_hook"]


def unbroadcast(grad, shape):
    """Sum the array ``grad`` over the dimensions that broadcasting added to reach it from ``shape``."""
    if grad.shape == tuple(shape):
        return grad
    if grad.dtype == BFLOAT16:   # summed in float32, as PyTorch sums bfloat16
        return unbroadcast(grad.astype(np.float32), shape).astype(BFLOAT16)
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _unbroadcast_tensor(grad, shape):
    """:func:`unbroadcast` with differentiable Tensor operations (graph path)."""
    shape = tuple(shape)
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad if grad.shape == shape else grad.reshape(shape)


def _freed_error(node):
    return RuntimeError(f"{FREED_MESSAGE} (The saved values of {_op_name(node)} were freed.)")


def _topological_order(roots):
    """Nodes reachable from ``roots`` (a node or a list of nodes), each after every node feeding it."""
    if not isinstance(roots, (list, tuple)):
        roots = [roots]
    order, seen = [], set()
    stack = [(r, False) for r in reversed(roots)]
    while stack:
        fn, expanded = stack.pop()
        if expanded:
            order.append(fn)
            continue
        if id(fn) in seen:
            continue
        inputs = fn.inputs
        if inputs is None:
            raise _freed_error(fn)
        seen.add(id(fn))
        stack.append((fn, True))
        for t in inputs:
            if t is not None and t.creator is not None and id(t.creator) not in seen:
                stack.append((t.creator, False))
    return order


def _bad_shape(node, index, gshape, tshape):
    return RuntimeError(f"{_op_name(node)} returned an invalid gradient for input {index}: shape {tuple(gshape)} "
                        f"cannot be summed back to the input's shape {tuple(tshape)}; its backward must return "
                        "one gradient of each input's shape (or a broadcast of it)")


def _as_sequence(x):
    """A list of ``x``'s items when it is a list or tuple, else ``[x]`` (a Tensor, an array, None)."""
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _seed(tensor, gradient, index, create_graph):
    """The starting gradient of one output: an array (fast path) or a Tensor (graph path)."""
    from ..tensor import Tensor
    made_by = "a leaf" if tensor.creator is None else _op_name(tensor.creator)
    if gradient is None:
        if tensor.array.size != 1:
            raise RuntimeError(f"grad can be implicitly created only for scalar outputs: output {index} (made by "
                               f"{made_by}) has shape {tuple(tensor.shape)}; pass gradient= (or grad_outputs=) "
                               "of that shape, or reduce the output first (e.g. .sum())")
        data = tensor.array
        if data.dtype.kind == "c":
            raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got "
                               f"minidl.{data.dtype.name}")
        seed = tensor.xp.ones(data.shape, dtype=data.dtype)
        return Tensor(seed) if create_graph else seed
    if not isinstance(gradient, Tensor):
        gradient = Tensor(tensor.xp.asarray(gradient))
    if tuple(gradient.shape) != tuple(tensor.shape):
        raise RuntimeError(f"Mismatch in shape: gradient {index} has shape {tuple(gradient.shape)} but output "
                           f"{index} (made by {made_by}) has shape {tuple(tensor.shape)}")
    if gradient.dtype != tensor.dtype:
        gradient = gradient.astype(tensor.dtype) if create_graph else Tensor(gradient.array.astype(tensor.dtype))
    return gradient if create_graph else gradient.array


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None, grad_variables=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves (PyTorch's signature).

    ``tensors``: a Tensor or a sequence; ``grad_tensors``: their gradients
    (required for non-scalars). ``retain_graph`` defaults to ``create_graph``;
    without it the saved values are freed as the walk goes. With
    ``create_graph=True`` the accumulated gradients are recorded in the graph
    and can be differentiated again. ``inputs``: accumulate only into these
    Tensors (leaves or not) and skip the rest of the graph.
    """
    if grad_variables is not None:
        grad_tensors = grad_variables
    roots = _as_sequence(tensors)
    seeds = _as_sequence(grad_tensors) if grad_tensors is not None else [None] * len(roots)
    if len(seeds) != len(roots):
        raise RuntimeError(f"backward: got {len(roots)} tensors but {len(seeds)} gradients")
    targets = None if inputs is None else _as_sequence(inputs)
    if targets is not None:
        if not targets:
            raise RuntimeError("backward: inputs= was given but is empty")
        for i, t in enumerate(targets):
            if t is None or not t.requires_grad:
                raise RuntimeError(f"backward: inputs[{i}] does not require grad; only tensors with "
                                   "requires_grad=True can receive gradients")
    retain = create_graph if retain_graph is None else retain_graph
    _run(roots, seeds, retain, create_graph, targets, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple (``.grad`` is not touched).

    ``grad_outputs``: the vector in the vector-Jacobian product (needed for
    non-scalar outputs). With ``create_graph=True`` the results are
    differentiable (double backprop); ``retain_graph`` defaults to
    ``create_graph``. An input the outputs do not depend on raises, unless
    ``allow_unused=True`` (its gradient is then None) or
    ``materialize_grads=True`` (zeros). ``only_inputs`` is accepted and
    ignored, as in PyTorch. ``is_grads_batched=True``: the first dimension of
    every grad_output indexes a batch of vectors, and each result gets that
    dimension too (one vector-Jacobian product per vector, as PyTorch's vmap).

    >>> import minidl as mdl
    >>> x = mdl.tensor(3.0, requires_grad=True)
    >>> dy, = mdl.autograd.grad(x ** 3, x, create_graph=True)      # 3x^2 = 27
    >>> d2y, = mdl.autograd.grad(dy, x)                            # 6x = 18
    >>> float(dy), float(d2y)
    (27.0, 18.0)
    """
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                             materialize_grads)
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and not allow_unused:
        raise ValueError("grad: materialize_grads=True needs allow_unused to be True or None")
    roots = _as_sequence(outputs)
    targets = _as_sequence(inputs)
    if not targets:
        raise RuntimeError("grad requires at least one input")
    for i, t in enumerate(targets):
        if t is None or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad; create it with requires_grad=True "
                               "(or call .requires_grad_())")
    seeds = _as_sequence(grad_outputs) if grad_outputs is not None else [None] * len(roots)
    if len(seeds) != len(roots):
        raise RuntimeError(f"grad: got {len(roots)} outputs but {len(seeds)} grad_outputs")
    retain = create_graph if retain_graph is None else retain_graph
    found = _run(roots, seeds, retain, create_graph, targets, accumulate=False)
    result = []
    for i, (t, g) in enumerate(zip(targets, found)):
        if g is None:
            if materialize_grads:
                from ..creation import zeros_like
                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) appears not to have been used in the "
                                   "graph of the outputs; set allow_unused=True if this is intended")
        result.append(g)
    return tuple(result)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    """``grad(..., is_grads_batched=True)``: one pass per vector of the batch, results stacked on dim 0."""
    from ..ops.shape import stack
    seeds = _as_sequence(grad_outputs) if grad_outputs is not None else []
    if not seeds or any(s is None for s in seeds):
        raise RuntimeError("grad: is_grads_batched=True needs a batched grad_output for every output")
    sizes = {int(s.shape[0]) if s.ndim else None for s in seeds}
    if len(sizes) != 1 or None in sizes:
        raise RuntimeError(f"grad: is_grads_batched=True needs grad_outputs with one shared first (batch) "
                           f"dimension; got shapes {[tuple(s.shape) for s in seeds]}")
    batch = sizes.pop()
    retain = create_graph if retain_graph is None else retain_graph
    per_vector = [grad(outputs, inputs, [s[b] for s in seeds], retain_graph=retain or b < batch - 1,
                       create_graph=create_graph, allow_unused=allow_unused, materialize_grads=materialize_grads)
                  for b in range(batch)]
    return tuple(None if column[0] is None else stack(list(column)) for column in zip(*per_vector))


def _run(roots, seeds, retain_graph, create_graph, targets, accumulate):
    """One backward pass; returns the gradients of ``targets`` when not ``accumulate``."""
    from ..tensor import Tensor
    # create_graph: record the pass; graph: move Tensors through backward_graph. Inside a dual level
    # (forward_ad.py) the pass runs on Tensors, unrecorded, so that the gradients carry tangents as PyTorch's
    graph = create_graph or _forward_ad.active
    pending, root_nodes, leaf_seeds = {}, [], []
    stored = set()   # ids of arrays that a result must not alias (the caller's gradients, stored results)
    for i, (r, s) in enumerate(zip(roots, seeds)):
        if not isinstance(r, Tensor):
            raise TypeError(f"backward: output {i} is a {type(r).__name__}, not a Tensor")
        if not r.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn: "
                               "create the inputs with requires_grad=True (and not under no_grad())")
        seed = _seed(r, s, i, graph)
        if s is not None:
            stored.add(id(seed))
        node = r.creator
        if node is None:
            leaf_seeds.append((r, seed))
            continue
        if node.inputs is None:
            raise _freed_error(node)
        _add_pending(pending, node, output_index(r), seed)
        if node not in root_nodes:
            root_nodes.append(node)
    order = _topological_order(root_nodes) if root_nodes else []

    capture = run = None
    if targets is not None:
        target_ids = {}
        for k, t in enumerate(targets):
            target_ids.setdefault(id(t), []).append(k)
        capture = {}    # node -> [(output index, target position)] for non-leaf targets
        for k, t in enumerate(targets):
            if t.creator is not None:
                capture.setdefault(t.creator, []).append((output_index(t), k))
        run = set()     # nodes whose backward leads to a target
        for fn in order:
            for t in fn.inputs:
                # an input made by a target's node leads to that target (also when a released node holds
                # a shape-only stand-in for the target, see minidl/autograd/released.py)
                if t is not None and (id(t) in target_ids or (t.creator is not None and (
                        t.creator in run or t.creator in capture))):
                    run.add(fn)
                    break
    else:
        target_ids = None
    walk = _walk_graph if graph else _walk_arrays
    with set_grad_enabled(create_graph), _saved_hooks._backward_pass(roots, targets):
        leaf_grads, captured = walk(order, pending, retain_graph, capture, run)
        for t, seed in leaf_seeds:
            _add_leaf(leaf_grads, t, seed)
        results = [None] * len(targets) if targets is not None else None
        if captured:
            for k, g in captured.items():
                results[k] = _wrap(_unshared(g, stored, graph), graph)
        for t, g in leaf_grads.values():
            if target_ids is not None and id(t) not in target_ids:
                continue
            g = _call_hooks(t, g, graph)
            if accumulate:
                leaf_graph = create_graph
                if graph and not create_graph:   # a leaf's .grad keeps no tangent, as PyTorch's
                    g, leaf_graph = g.array, False
                if _profiling.active:
                    _profiling.timed_accumulate(_accumulate_leaf, t, g, stored, leaf_graph)
                else:
                    _accumulate_leaf(t, g, stored, leaf_graph)
                if "_post_accumulate_grad_hooks" in t.__dict__:
                    _run_post_accumulate_hooks(t)
            else:
                for k in target_ids[id(t)]:
                    results[k] = _wrap(_unshared(g, stored, graph), graph)
    if not accumulate:
        return results
    if captured:  # backward(inputs=[non-leaf]) accumulates into their .grad too
        for k in captured:
            t = targets[k]
            old = t.__dict__.get("_grad")
            store_grad(t, results[k] if old is None else Tensor(old.array + results[k].array)
                       if not create_graph else old + results[k])
    return None


def _add_pending(pending, node, index, g):
    if node._nout == 1:
        pending[node] = g if node not in pending else pending[node] + g
        return
    slots = pending.get(node)
    if slots is None:
        slots = pending[node] = [None] * node._nout
    slots[index] = g if slots[index] is None else slots[index] + g


def _add_leaf(leaf_grads, t, g):
    entry = leaf_grads.get(id(t))
    if entry is None:
        leaf_grads[id(t)] = [t, g]
    else:
        entry[1] = entry[1] + g


def _wrap(g, create_graph):
    from ..tensor import Tensor
    return g if create_graph else Tensor(g)


def _unshared(g, stored, create_graph):
    """A copy of the array ``g`` when it may be shared with another result or not owned."""
    if create_graph:
        return g
    if not owns_writable_memory(g) or id(g) in stored:
        g = g.copy()
    stored.add(id(g))
    return g


def _accumulate_leaf(t, g, stored, create_graph):
    """Add ``g`` into ``t.grad`` (out of place; recorded when ``create_graph``)."""
    from ..tensor import Tensor
    old = t.__dict__.get("_grad")
    if create_graph:
        store_grad(t, g if old is None else old + g)
    elif old is None:
        store_grad(t, Tensor(_unshared(g, stored, False)))
    else:
        store_grad(t, Tensor(old.array + g))


def _call_hooks(t, g, create_graph):
    """Run ``t``'s hooks (``register_hook``) on its gradient; a hook's non-None result replaces it."""
    hooks = t._backward_hooks
    if not hooks:
        return g
    from ..tensor import Tensor
    gt = g if create_graph else Tensor(g)
    for hook in list(hooks.values()):
        new = hook(gt)
        if new is not None:
            if not isinstance(new, Tensor):
                raise RuntimeError(f"a hook registered with register_hook returned a {type(new).__name__}; "
                                   "it must return a Tensor or None")
            if tuple(new.shape) != tuple(gt.shape):
                raise RuntimeError(f"a hook registered with register_hook returned a gradient of shape "
                                   f"{tuple(new.shape)} for a tensor of shape {tuple(gt.shape)}")
            gt = new
    return gt if create_graph else gt.array


def _watched(fn, g, create_graph):
    """Hooks and ``retain_grad`` of the non-leaf outputs of ``fn``, given its output gradient(s)."""
    from ..tensor import Tensor
    multi = fn._nout > 1
    if multi:
        g = list(g)
    for index, ref in fn.__dict__["_watched"]:
        t = ref()
        gi = g[index] if multi else g
        if t is None or gi is None:
            continue
        gi = _call_hooks(t, gi, create_graph)
        if t.retains_grad:
            value = gi if create_graph else Tensor(gi.copy())
            old = t.__dict__.get("_grad")
            store_grad(t, value if old is None else (old + value if create_graph else Tensor(old.array + gi)))
        if multi:
            g[index] = gi
        else:
            g = gi
    return g


def _cast_array(g, dtype):
    if g.dtype.kind == "c" and dtype.kind != "c":   # a real input's gradient is the real part (PyTorch's rule)
        g = g.real
    return g.astype(dtype)


def _cast_tensor(g, dtype):
    from ..ops.math import Cast
    return Cast.apply(g, dtype=dtype)


def _walk_arrays(order, pending, retain_graph, capture, run):
    """The fast path: array gradients, array backward methods, nothing recorded."""
    return _walk(order, pending, retain_graph, capture, run, False)


def _walk_graph(order, pending, retain_graph, capture, run):
    """The graph path: Tensor gradients from ``backward_graph``, recorded for higher-order derivatives."""
    return _walk(order, pending, retain_graph, capture, run, True)


def _walk(order, pending, retain_graph, capture, run, graph):
    """Visit the nodes in reverse topological order, turning each one's output gradient(s) into its
    inputs' (``backward`` on arrays, or ``backward_graph`` on Tensors when ``graph``), summed per
    input and reduced to the input's shape and dtype; returns ``(leaf gradients, captured)``."""
    reduce_to = _unbroadcast_tensor if graph else unbroadcast
    cast = _cast_tensor if graph else _cast_array
    leaf_grads = {}
    captured = {}
    for fn in reversed(order):
        g = pending.pop(fn, None)
        if g is None:
            continue
        if "_watched" in fn.__dict__:
            g = _watched(fn, g, graph)
        if not graph and "_bf16" in fn.__dict__:   # computed in float32 from bfloat16 inputs (function.py)
            g = g.astype(np.float32) if g.dtype == BFLOAT16 else g
        if capture is not None:
            for index, k in capture.get(fn, ()):
                gk = g[index] if fn._nout > 1 else g
                if gk is not None:
                    captured[k] = gk
            if fn not in run:
                continue
        if "_saved_versions" in fn.__dict__:   # a kept array written in place since: PyTorch's error
            _versions.check_saved(fn)
        if "_node_prehooks" in fn.__dict__:   # grad_fn.register_prehook (node_hooks.py)
            g = node_hooks.run_prehooks(fn, g, graph)
        if _profiling.active:   # a profiler records: time this node's backward (_profiling.py)
            input_grads = _profiling.timed_backward(fn, g, graph)
        elif "_saved_packed" in fn.__dict__:  # saved under saved_tensors_hooks: unpack for this call
            input_grads = _saved_hooks.run_unpacked(fn, g, graph)
        else:
            input_grads = fn.backward_graph(g) if graph else fn.backward(g)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        if "_node_hooks" in fn.__dict__:   # grad_fn.register_hook (node_hooks.py)
            input_grads = node_hooks.run_hooks(fn, g, input_grads, graph)
        if anomaly_mode._enabled and anomaly_mode._check_nan:
            anomaly_mode.check_gradients(fn, input_grads, graph)
        inputs = fn.inputs
        for i, (t, gi, needed) in enumerate(zip(inputs, input_grads, fn.needs_input_grad)):
            if not needed or gi is None:
                continue
            # shapes and dtypes compared on the arrays: Tensor.shape builds a Size and
            # Tensor.dtype a minidl.dtype, whose comparison with a NumPy dtype is slow
            data, garray = t.array, gi.array if graph else gi
            if garray.shape != data.shape:
                if not _reducible(garray.shape, data.shape):
                    raise _bad_shape(fn, i, garray.shape, data.shape)
                gi = reduce_to(gi, data.shape)
                garray = gi.array if graph else gi
            if garray.dtype != data.dtype:
                gi = cast(gi, data.dtype)
            c = t.creator
            if c is None:
                _add_leaf(leaf_grads, t, gi)
            elif c._nout == 1:
                pending[c] = gi if c not in pending else pending[c] + gi
            else:
                _add_pending(pending, c, output_index(t), gi)
        if len(input_grads) < len(inputs) and any(fn.needs_input_grad[len(input_grads):]):
            raise RuntimeError(f"{_op_name(fn)} returned {len(input_grads)} gradients for {len(inputs)} inputs; "
                               "its backward must return one gradient (or None) per input")
        if not retain_graph and not (graph and isinstance(fn, NotTwiceDifferentiable)):
            fn._release()
    return leaf_grads, captured


# --- post-accumulate-grad hooks ----------------------------------------------
# ``hook(tensor)`` runs once per backward pass, after the leaf ``tensor``'s
# ``.grad`` has received that pass's gradient (PyTorch's
# ``register_post_accumulate_grad_hook``); DistributedDataParallel starts its
# gradient buckets' allreduce from them. A pass without hooked leaves pays one
# dict lookup per leaf.

class _PostAccumulateHandle:
    """``remove()`` unregisters the hook (idempotent)."""

    def __init__(self, tensor, key):
        self._tensor, self._key = tensor, key

    def remove(self):
        """Unregister the hook."""
        hooks = self._tensor.__dict__.get("_post_accumulate_grad_hooks")
        if hooks is not None and hooks.pop(self._key, None) is not None and not hooks:
            del self._tensor.__dict__["_post_accumulate_grad_hooks"]


def register_post_accumulate_grad_hook(tensor, hook):
    """Call ``hook(tensor)`` after each backward pass has accumulated into the leaf ``tensor``'s
    ``.grad``; returns a handle whose ``remove()`` unregisters it."""
    if tensor.creator is not None or not tensor.requires_grad:
        raise RuntimeError("register_post_accumulate_grad_hook: only leaf tensors that require grad "
                           "accumulate gradients")
    hooks = tensor.__dict__.setdefault("_post_accumulate_grad_hooks", {})
    key = object()
    hooks[key] = hook
    return _PostAccumulateHandle(tensor, key)


def _run_post_accumulate_hooks(t):
    for hook in list(t.__dict__.get("_post_accumulate_grad_hooks", {}).values()):
        hook(t)
