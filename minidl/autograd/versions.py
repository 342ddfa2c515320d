"""Version counters: PyTorch's ``Tensor._version`` and its "modified by an inplace operation" check.

Every in-place op (``add_``, ``x[i] = v``, ``copy_``, an optimizer's ``step``) adds one to the
tensor's version. A tensor and its views (``Tensor._base``) and ``detach()`` share one counter, as in
PyTorch; ``Tensor.data`` gets its own, so writing through ``.data`` goes unnoticed, as there.

A node keeps what its backward needs. Before it runs, the engine checks that none of it changed:

* a custom ``Function`` (ctx style): every tensor given to ``ctx.save_for_backward`` must still be at
  the version it had when ``forward`` returned (PyTorch's rule, exactly);
* a built-in op keeps NumPy/CuPy arrays. An in-place op recorded in the graph rebinds the tensor to a
  new array (:mod:`minidl.tensor_inplace`), so the kept array still holds the old values and the
  gradient stays right. An in-place op outside the graph (under ``no_grad``, on a tensor that does not
  require grad, an optimizer step) writes into the array itself; a node that kept that array would
  then compute a wrong gradient, so backward raises PyTorch's RuntimeError instead. Which kept arrays
  count follows PyTorch's saving rule for products: an input is needed only for *another* input's
  gradient (``a * b`` keeps ``b`` for ``a``'s gradient), or for its own in a one-input op;
* an op whose result PyTorch saves (``_saves_result``: exp, sigmoid, tanh, relu, sqrt, softmax,
  log_softmax) refuses any in-place change of its output, recorded or not, as PyTorch's.
"""
from __future__ import annotations

import re

import numpy as np

from .. import backend

__all__ = ["VALUE", "WRITES", "new_counter", "counter_of", "bump", "rebound", "note_saved", "check_saved",
           "note_ctx_saved", "check_ctx_saved"]


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
    new memory, so they get a new counter one past the old value. The old counter (kept by older views
    and by nodes that saved the tensor) advances too, without a write: its memory is unchanged."""
    old = counter_of(tensor)
    old[VALUE] += 1
    counter = new_counter(old[VALUE])
    for t in (tensor, *sharing):
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


def note_saved(fn, tensors, out):
    """Record the counters of the inputs (and the output) whose arrays the new node ``fn`` keeps.

    An op that PyTorch saves the result of (``_saves_result`` on its class: exp, sigmoid, relu, ...) also
    refuses a recorded in-place op on its output, as PyTorch's; other kept arrays count only when written.
    """
    strict = type(fn)._saves_result
    held = _held_ids(fn)
    if not held and not strict:
        return
    records = []
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
    for t in candidates:
        if id(t.array) in held:
            if "_inference" in t.__dict__ or "_base" in t.__dict__ and t.is_inference():
                raise RuntimeError(INFERENCE_SAVED)
            counter = t.__dict__.get("_vc") or counter_of(t)
            records.append((counter, counter[VALUE], counter[WRITES], t, False))
    out_array = out.array
    if strict or id(out_array) in held:
        counter = out.__dict__.get("_vc") or counter_of(out)   # the output's array, not the tensor: no cycle
        records.append((counter, counter[VALUE], counter[WRITES], out_array, strict))
    if records:
        fn._saved_versions = records


def _message(source, creator, now, expected):
    """PyTorch's text; the creator is named by its forward op (``ExpBackward0`` -> ``Exp``)."""
    from ..tensor import Tensor
    if not isinstance(source, Tensor):
        source = Tensor(source)
    where = f", which is output 0 of {re.sub(r'Backward[0-9]*$', '', creator.name())}," if creator is not None else ""
    return (f"one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"[{source.type()} {list(source.array.shape)}]{where} is at version {now}; expected version {expected} "
            f"instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
            f"with torch.autograd.set_detect_anomaly(True, check_nan=False).")


def check_saved(fn):
    """Raise PyTorch's RuntimeError if an array ``fn`` kept was written in place since it was recorded (or,
    for an op that saves its result, if the output was changed in place at all)."""
    for counter, value, writes, source, strict in fn.__dict__["_saved_versions"]:
        if counter[WRITES] != writes or (strict and counter[VALUE] != value):
            creator = fn if not hasattr(source, "creator") else source.creator
            raise RuntimeError(_message(source, creator, counter[VALUE], value))


def note_ctx_saved(ctx):
    """Record the versions of the tensors a custom Function saved (once its ``forward`` has returned)."""
    ctx._saved_ctx_versions = [None if t is None else (counter_of(t), counter_of(t)[VALUE]) for t in ctx._saved]


def check_ctx_saved(ctx):
    """Raise PyTorch's RuntimeError if a tensor given to ``save_for_backward`` was modified in place since."""
    for tensor, record in zip(ctx._saved, ctx._saved_ctx_versions):   # the tensors: freed with ctx._saved
        if record is not None and record[0][VALUE] != record[1]:
            counter, value = record
            raise RuntimeError(_message(tensor, tensor.creator, counter[VALUE], value))
