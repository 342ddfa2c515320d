"""Applying a custom (ctx-style) ``Function``: run ``forward`` unrecorded, then make its outputs the node's.

Outputs that are inputs returned as they are become new tensors sharing their data and version counter;
an input the forward marked dirty (``ctx.mark_dirty``) and returned is the output itself, as in PyTorch.
"""
from __future__ import annotations

import functools
import weakref

from minidl.dtypes import is_float_or_complex

from . import _forward_rules
from . import _forward_state as _forward_ad
from . import graph as _saved_hooks
from . import versions as _versions
from .grad_mode import is_grad_enabled, no_grad

__all__ = ["apply_ctx_style"]


def apply_ctx_style(cls, args, kwargs):
    """``cls.apply(*args, **kwargs)`` for a custom Function with static ``forward(ctx, ...)``/``backward``."""
    from ..tensor import Tensor
    ctx = cls._backward_cls()
    inputs = [a if isinstance(a, Tensor) else None for a in args]
    needs = tuple(t is not None and t.requires_grad for t in inputs)
    ctx.needs_input_grad = needs
    record = is_grad_enabled() and any(needs)
    with no_grad(), _forward_ad.untracked():   # forward-mode AD: jvp gives the outputs' tangents
        if "setup_context" in _own_statics(cls):
            output = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, output)
        else:
            output = cls.forward(ctx, *args, **kwargs)
    for t in ctx.__dict__.get("_dirty", ()):   # mark_dirty: one more version, as PyTorch's
        _versions.bump(t, False)
    if not record:
        return _forward_rules.with_tangents(cls, ctx, args, output)
    is_tuple = isinstance(output, tuple)
    outputs = list(output) if is_tuple else [output]
    non_diff = ctx._non_differentiable
    refs, meta = [], []
    dirty = ctx.__dict__.get("_dirty", ())
    for i, o in enumerate(outputs):
        marked = not isinstance(o, Tensor) or any(o is t for t in non_diff)
        if isinstance(o, Tensor) and any(o is t for t in dirty) and any(o is a for a in inputs) and \
                "_base" not in o.__dict__:
            _take_over_dirty(cls, o, inputs)   # PyTorch returns the modified input itself, now the op's output
        elif isinstance(o, Tensor) and (any(o is a for a in args) or o.creator is not None or o.requires_grad):
            shared = o   # an input (or graph tensor) returned as is: a new output sharing its data and version
            o = outputs[i] = Tensor(o.array)
            o._vc = _versions.counter_of(shared)
        if marked or not is_float_or_complex(o.dtype):
            refs.append(None)
            meta.append(None)
            continue
        o.requires_grad = True
        o.creator = ctx
        refs.append(weakref.ref(o))
        meta.append((o.shape, o.dtype, o.xp))
    ctx.inputs = inputs
    for t in inputs:  # as in Function.apply: in-place ops on used non-leaves re-point their users
        if isinstance(t, Tensor) and t.creator is not None:
            t._used = True
    ctx._nout = len(outputs)
    ctx._output_refs = tuple(refs)
    ctx._output_meta = tuple(meta)
    if ctx._saved:
        _versions.note_ctx_saved(ctx)
    if _saved_hooks._active:  # saved_tensors_hooks: pack what save_for_backward received
        _saved_hooks.pack_ctx(ctx)
    return _forward_rules.with_tangents(cls, ctx, args, tuple(outputs) if is_tuple else outputs[0])


def _take_over_dirty(cls, tensor, inputs):
    """``mark_dirty``: ``tensor``, an input the forward changed in place and returned, becomes the output. The
    node (and earlier users of ``tensor``) get a stand-in for its old graph position, as an in-place op's do."""
    from ..tensor_inplace import _redirect_consumers
    from .view_inplace import stand_in
    if tensor.creator is None and tensor.requires_grad:
        raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
    old = stand_in(tensor)
    if tensor.__dict__.pop("_used", False):
        _redirect_consumers(cls.__name__, tensor, old)
    inputs[:] = [old if t is tensor else t for t in inputs]


@functools.lru_cache(maxsize=None)
def _own_statics(cls):
    """The names of ``cls``'s own static methods (above Function in its MRO)."""
    from .function import Function
    names = set()
    for klass in cls.__mro__:
        if klass is Function:
            break
        names.update(name for name, v in vars(klass).items() if isinstance(v, staticmethod))
    return frozenset(names)
