"""Version counters: PyTorch's ``Tensor._version`` and its "modified by an inplace operation" check.

Every in-place op (``add_``, ``x[i] = v``, ``copy_``, an optimizer's ``step``) adds one to the
tensor's version. A tensor and its views (``Tensor._base``) and ``detach()`` share one counter, as in
PyTorch; ``Tensor.data`` gets its own, so writing through ``.data`` goes unnoticed, as there.

A node records the versions of the tensors PyTorch's node saves for backward; before it runs, the
engine checks that none of them moved (PyTorch's SavedVariable rule), whatever the in-place op was:
recorded in the graph (minidl rebinds the tensor to new memory, the counter still advances), under
``no_grad``, through a view or a ``detach()``ed alias, an optimizer step. Only ``.data`` escapes.

* a custom ``Function`` (ctx style): every tensor given to ``ctx.save_for_backward``;
* a built-in op: the inputs and output its class declares (``_saved_inputs``, ``_saves_result``, read
  off PyTorch's derivatives.yaml), else those whose arrays its node keeps, by PyTorch's rule for
  products (``a * b`` saves ``b`` only when ``a`` needs a gradient);
* an op minidl builds from several nodes where PyTorch has one calls :func:`saved_by_node`.

The check is one int compare per saved tensor at backward time.
"""
from __future__ import annotations

import re
import weakref

import numpy as np

from .. import backend

__all__ = ["VALUE", "WRITES", "new_counter", "counter_of", "bump", "rebound", "note_saved", "saved_by_node",
           "check_saved", "note_ctx_saved", "check_ctx_saved"]


INFERENCE_SAVED = ("Inference tensors cannot be saved for backward. Please do not use Tensors created in inference "
                   "mode in computation tracked by autograd. To work around this, you can make a clone to get a normal "
                   "tensor and use it in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`.")


VALUE, WRITES = 0, 1   # a counter is a two-item list: in-place ops so far, those that wrote into the memory


def new_counter(value=0):
    """A version counter ``[value, writes]`` (a list: made for every output an op may keep, so kept cheap)."""
    return [value, 0]


def counter_of(tensor):
    """The counter ``tensor`` shares with its base and views (made on first use)."""
    counter = tensor.__dict__.get("_vc")
    if counter is None:
        base = tensor.__dict__.get("_base")
        counter = counter_of(base) if base is not None else new_counter()
        tensor._vc = counter
    return counter


def bump(tensor, wrote_memory):
    """Count one in-place op on ``tensor``; ``wrote_memory``: it wrote into the array itself."""
    counter = counter_of(tensor)
    counter[VALUE] += 1
    if wrote_memory:
        counter[WRITES] += 1


def rebound(tensor, *sharing):
    """Count an in-place op recorded in the graph: ``tensor`` (and ``sharing``, its view retaken) now hold
    new memory, but keep the counter they share with their views and with the nodes that saved them, as
    PyTorch's: a node that saved the tensor sees its version move and refuses backward."""
    counter = counter_of(tensor)
    counter[VALUE] += 1
    for t in sharing:
        t._vc = counter


_ARRAY_TYPES = [np.ndarray]   # CuPy's ndarray joins once CuPy is loaded (_array_types)


def _array_types():
    if backend._cupy is not None and backend._cupy.ndarray not in _ARRAY_TYPES:
        _ARRAY_TYPES.append(backend._cupy.ndarray)
    return tuple(_ARRAY_TYPES)


def _held_ids(fn):
    """The ids of the arrays a node keeps for its backward (its attributes) and of the arrays they view."""
    if backend._cupy is None:
        kept = [v for v in fn.__dict__.values() if type(v) is np.ndarray]
    else:
        types = _array_types()
        kept = [v for v in fn.__dict__.values() if type(v) in types]
    if not kept:
        return kept
    held = {id(v) for v in kept}
    held.update([id(v.base) for v in kept if v.base is not None])
    return held


def _record(t):
    """A saved input's record: its counter, version now and the tensor (read for the message)."""
    if "_inference" in t.__dict__ or "_base" in t.__dict__ and t.is_inference():
        raise RuntimeError(INFERENCE_SAVED)
    counter = t.__dict__.get("_vc") or counter_of(t)
    return counter, counter[VALUE], t


def _weak_record(t):
    """As :func:`_record` for a node that frees its inputs' values (``_input_values_unused``): the tensor is
    held weakly, with its dtype, shape and creator for the message once it is gone."""
    counter, value, _ = _record(t)
    return counter, value, (weakref.ref(t), t.array.dtype, tuple(t.array.shape), t.creator)


def note_saved(fn, tensors, out):
    """Record the counters of the inputs (and the output) that PyTorch's node for ``fn`` saves.

    An op class may say which inputs PyTorch saves (``_saved_inputs``: input index -> None, saved whenever
    the node is recorded, or the indices of the inputs whose gradient needs it) and whether it saves its
    output (``_saves_result``: True/False). Otherwise the arrays the node keeps tell: an input kept counts
    where another input's gradient needs it (``a * b`` keeps ``b`` for ``a``'s), or its own in a one-input
    op, and the output counts if kept.
    """
    cls = type(fn)
    spec = fn._saved_inputs   # (an instance may set its own in forward: einsum's operands, std's result)
    result = fn._saves_result
    records = []
    if spec is None:
        held = _held_ids(fn)
        if not held and not result:
            return
        if len(tensors) == 1:
            candidates = tensors if tensors[0] is not None else ()
        else:   # an input counts where another one's gradient needs it; linear(x, W, b) keeps W for x's, never b's
            present = [t for t in tensors if t is not None]
            if len(present) < 2:
                candidates = present
            else:
                first, second = present[0].requires_grad, present[1].requires_grad
                candidates = ([present[0]] if second else []) + ([present[1]] if first else []) + \
                    (present[2:] if first or second else [])
        records = [_record(t) for t in candidates if id(t.array) in held]
        if result is None:
            result = id(out.array) in held
    else:
        needs = fn.needs_input_grad
        weak = cls._input_values_unused or cls._reusable
        for i, users in spec.items():
            t = tensors[i] if i < len(tensors) else None
            if t is not None and (users is None or any(needs[j] for j in users if j < len(needs))):
                records.append(_weak_record(t) if weak else _record(t))
    if result:
        counter = out.__dict__.get("_vc") or counter_of(out)   # the output's array, not the tensor: no cycle
        records.append((counter, counter[VALUE], out.array))
    if records:
        fn._saved_versions = records


def saved_by_node(out, *tensors):
    """Make ``tensors`` (None skipped; ``out`` itself may be one) what the node that made ``out`` saves, in
    place of its own record: for an op minidl builds from several nodes where PyTorch's one node saves
    them (layer_norm saves input, weight and bias; rsqrt its result), so that changing one in place
    refuses backward as there. Returns ``out``; a no-op when ``out`` has no node."""
    fn = out.creator
    if fn is None or not hasattr(fn, "__dict__"):
        return out
    from . import graph
    if graph._active and graph._current_hooks() is not None:   # saved_tensors_hooks: PyTorch checks nothing
        fn.__dict__.pop("_saved_versions", None)
        return out
    records = []
    for t in tensors:
        if t is out:
            counter = counter_of(out)
            records.append((counter, counter[VALUE], out.array))
        elif t is not None and hasattr(t, "array"):
            records.append(_record(t))
    if records:
        fn._saved_versions = records
    else:
        fn.__dict__.pop("_saved_versions", None)
    return out


def _node_text(creator):
    """How PyTorch names a node in the message: ``MulBackward0`` -> ``Mul``, ``PowBackward1`` -> ``Pow1``,
    a custom ``FBackward`` -> ``F``; ``torch::autograd::CopySlices`` stays."""
    name = creator.name()
    return re.sub(r"Backward(0$)?", "", name, count=1)


def _message(source, creator, now, expected, output_nr=0):
    """PyTorch's text; the creator is named by its forward op (``ExpBackward0`` -> ``Exp``)."""
    from ..tensor import Tensor
    if not isinstance(source, Tensor):
        source = Tensor(source)
    where = f", which is output {output_nr} of {_node_text(creator)}," if creator is not None else ""
    return (f"one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"[{source.type()} {list(source.array.shape)}]{where} is at version {now}; expected version {expected} "
            f"instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
            f"with torch.autograd.set_detect_anomaly(True, check_nan=False).")


def check_saved(fn):
    """Raise PyTorch's RuntimeError if a tensor PyTorch's node for ``fn`` saves was modified in place since."""
    for counter, value, source in fn.__dict__["_saved_versions"]:
        if counter[VALUE] != value:
            if type(source) is tuple:   # held weakly (_weak_record)
                ref, dtype, shape, creator = source
                source = ref()
                if source is None:
                    source = np.lib.stride_tricks.as_strided(np.zeros(1, dtype), shape, [0] * len(shape))
                else:
                    creator = source.creator
            else:   # a tensor (an input: named by its node now) or the output's array (named by fn)
                creator = source.creator if hasattr(source, "creator") else fn
            raise RuntimeError(_message(source, creator, counter[VALUE], value))


def note_ctx_saved(ctx):
    """Record the versions of the tensors a custom Function saved (once its ``forward`` has returned)."""
    ctx._saved_ctx_versions = [None if t is None else (counter_of(t), counter_of(t)[VALUE]) for t in ctx._saved]


def check_ctx_saved(ctx):
    """Raise PyTorch's RuntimeError if a tensor given to ``save_for_backward`` was modified in place since."""
    for tensor, record in zip(ctx._saved, ctx._saved_ctx_versions):   # the tensors: freed with ctx._saved
        if record is not None and record[0][VALUE] != record[1]:
            counter, value = record
            # an output of this node is named by it (PyTorch's saved output), an input by its node now
            out_nr = next((i for i, ref in enumerate(ctx._output_refs) if ref() is tensor), None)
            creator = tensor.creator if out_nr is None else ctx
            raise RuntimeError(_message(tensor, creator, counter[VALUE], value, out_nr or 0))
