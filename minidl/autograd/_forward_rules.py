"""How tangents go through operations in forward-mode AD (``minidl.autograd.forward_ad``).

minidl's own ops (array-style ``Function``s in ``minidl/ops``) get their
output tangent from the reverse-mode rule they already have, by the
"double-vjp" identity: an op's ``backward_graph(u)`` is ``Jᵀu``, linear in
``u``, so for input tangents ``ṫᵢ``

    ẏ = J ṫ = ∂/∂u  Σᵢ ⟨Jᵢᵀ u, ṫᵢ⟩.

Both steps run on a private graph that holds only ``u`` and constants (the
op's inputs detached, its tangents as plain values), so one op's tangent
costs a small constant times its forward and backward, never a Jacobian, and
the walk never reaches the caller's graph. Custom PyTorch-style Functions use
their own ``jvp`` static method, as in PyTorch.
"""
from __future__ import annotations

from minidl.dtypes import is_float_or_complex

from . import _forward_state as _fw
from ._forward_fast import fast_tangent

__all__ = ["propagate", "custom_function_jvp", "with_tangents", "jvp", "save_for_forward", "carry_inplace"]


def propagate(fn, tensors, out, kwargs):
    """Give ``out`` (made by the array-style op ``fn`` from ``tensors`` and ``kwargs``) its tangent, when it
    has one: by the op's direct rule (``_forward_fast.py``) where there is one, else by the double vjp."""
    if not is_float_or_complex(out.array.dtype):
        return
    tangents = [None if t is None else _fw.tangent_of(t) for t in tensors]
    if all(tg is None for tg in tangents):
        return
    fast = fast_tangent(fn, tensors, tangents, kwargs, out)
    if fast is not None:
        from ..tensor import Tensor
        _fw.set_tangent(out, Tensor(fast))
        return
    _fw.set_tangent(out, _double_vjp(fn, tensors, tangents, out))


def _double_vjp(fn, tensors, tangents, out):
    from ..tensor import Tensor
    from .engine import grad
    from .grad_mode import enable_grad
    xp = out.xp
    had_inputs = _read_slot(fn, "inputs")
    had_needs = _read_slot(fn, "needs_input_grad")
    fn.inputs = [None if t is None else Tensor(t.array) for t in tensors]
    fn.needs_input_grad = tuple(tg is not None for tg in tangents)
    try:
        with _fw.private(), enable_grad():
            u = Tensor(xp.zeros_like(out.array), requires_grad=True)
            grads = fn.backward_graph(u)
            if type(grads) is not tuple:
                grads = (grads,)
            total = None
            for g, tg in zip(grads, tangents):
                if g is None or tg is None:
                    continue
                ta = tg.array
                if ta.dtype != g.array.dtype and not (ta.dtype.kind == "f" and g.array.dtype.kind == "c"):
                    ta = ta.astype(g.array.dtype)
                if ta.shape != g.array.shape:
                    ta = xp.broadcast_to(ta, g.array.shape)
                if g.array.dtype.kind == "c" or ta.dtype.kind == "c":   # Re<g, t>: real, so u's gradient is J t
                    term = (g.conj() * Tensor(ta)).real.sum()
                else:
                    term = (g * Tensor(ta)).sum()
                total = term if total is None else total + term
            if total is None or not total.requires_grad:
                return Tensor(xp.zeros_like(out.array))
            found, = grad(total, u, allow_unused=True)
    finally:
        _restore_slot(fn, "inputs", had_inputs)
        _restore_slot(fn, "needs_input_grad", had_needs)
    return Tensor(xp.zeros_like(out.array)) if found is None else Tensor(found.array)


_MISSING = object()


def _read_slot(fn, name):
    try:
        return getattr(fn, name)
    except AttributeError:
        return _MISSING


def _restore_slot(fn, name, value):
    if value is _MISSING:
        try:
            delattr(fn, name)
        except AttributeError:
            pass
    else:
        setattr(fn, name, value)


def custom_function_jvp(cls, ctx, args, output):
    """Run ``cls.jvp`` for a PyTorch-style custom Function whose Tensor arguments carry tangents.

    ``jvp(ctx, *tangents)`` gets one tangent per ``forward`` argument (zeros
    for a Tensor without one, None for anything else) and returns one per
    output, as in PyTorch; a Function without ``jvp`` raises PyTorch's error.
    """
    from ..tensor import Tensor
    from .grad_mode import no_grad
    if not any(isinstance(a, Tensor) and _fw.tangent_of(a) is not None for a in args):
        return
    user_jvp = getattr(cls, "jvp", None)
    if user_jvp is None or user_jvp is jvp:
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it "
                                  "with forward mode AD.")
    tangents = []
    for a in args:
        if not isinstance(a, Tensor):
            tangents.append(None)
            continue
        tg = _fw.tangent_of(a)
        tangents.append(tg if tg is not None else Tensor(a.xp.zeros_like(a.array)))
    outputs = list(output) if isinstance(output, tuple) else [output]
    ctx.__dict__["_in_jvp"] = True
    try:
        with _fw.private(), no_grad():
            result = user_jvp(ctx, *tangents)
    finally:
        ctx.__dict__.pop("_in_jvp", None)
    results = list(result) if isinstance(result, tuple) else [result]
    if len(results) != len(outputs):
        raise RuntimeError(f"function {cls.__name__}.jvp returned an incorrect number of forward gradients "
                           f"(expected {len(outputs)}, got {len(results)})")
    non_diff = getattr(ctx, "_non_differentiable", ())
    for i, (o, r) in enumerate(zip(outputs, results)):
        if not isinstance(o, Tensor) or r is None or not is_float_or_complex(o.array.dtype) \
                or any(o is t for t in non_diff):
            continue
        if not isinstance(r, Tensor):
            raise TypeError(f"function {cls.__name__}.jvp returned a {type(r).__name__} as forward gradient {i}; "
                            "jvp must return Tensors (or None)")
        if tuple(r.shape) != tuple(o.shape):
            raise RuntimeError(f"Function {cls.__name__} returned an invalid forward gradient at index {i}: got "
                               f"shape {list(r.shape)} but expected {list(o.shape)}")
        _fw.set_tangent(o, r)


def carry_inplace(target, result):
    """After an in-place op wrote ``result``'s values into ``target``: ``target`` takes ``result``'s tangent."""
    _fw.set_tangent(target, _fw.tangent_of(result))


def with_tangents(cls, ctx, args, output):
    """``output`` of a PyTorch-style Function, its Tensors given tangents by ``cls.jvp`` when an argument is dual."""
    if _fw.active and _fw.any_dual(args):
        custom_function_jvp(cls, ctx, args, output)
    return output


def jvp(ctx, *grad_inputs):
    """Optional, for forward-mode AD: one output tangent per output, given one tangent per ``forward``
    argument (zeros for a Tensor without one, None for non-Tensors); see ``minidl.autograd.forward_ad``."""
    raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it "
                              "with forward mode AD.")


def save_for_forward(self, *tensors):
    """Keep Tensors (or None) for ``jvp`` (forward-mode AD); inside ``jvp`` they are ``saved_tensors``."""
    from ..tensor import Tensor
    for i, t in enumerate(tensors):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"save_for_forward: argument {i} is a {type(t).__name__}, not a Tensor or None; "
                            "keep other values as ctx attributes (ctx.name = value)")
    self.__dict__["_saved_forward"] = tensors
