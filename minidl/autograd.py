"""Reverse-mode automatic differentiation: ``Function``, the backward walk, ``no_grad``.

A :class:`Function` computes on raw backend arrays (NumPy or CuPy) and keeps
what its ``backward`` needs on ``self``. ``Function.apply`` wraps the result in a
:class:`~minidl.tensor.Tensor` whose ``creator`` is the function, which is how
the graph is recorded. :func:`backward` walks that graph in reverse
topological order with an explicit stack (no recursion limit), accumulates
gradients where a tensor is used more than once, sums broadcast dimensions
back to each input's shape, and releases the graph's saved arrays afterwards
unless ``retain_graph=True``.
"""
from __future__ import annotations

import contextlib
import threading

from .backend import DeviceError

__all__ = ["Function", "no_grad", "enable_grad", "is_grad_enabled", "set_grad_enabled",
           "backward", "unbroadcast"]

_state = threading.local()


def is_grad_enabled() -> bool:
    """True unless inside :func:`no_grad` (per thread)."""
    return getattr(_state, "enabled", True)


@contextlib.contextmanager
def set_grad_enabled(mode: bool):
    """Context manager that turns graph recording on or off."""
    previous = is_grad_enabled()
    _state.enabled = bool(mode)
    try:
        yield
    finally:
        _state.enabled = previous


def no_grad():
    """Context manager: no graph is recorded inside it (inference, updates).

    >>> import minidl as mdl
    >>> x = mdl.tensor([1.0, 2.0], requires_grad=True)
    >>> with mdl.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """
    return set_grad_enabled(False)


def enable_grad():
    """Context manager that re-enables graph recording inside ``no_grad``."""
    return set_grad_enabled(True)


def unbroadcast(grad, shape):
    """Sum ``grad`` over the dimensions that broadcasting added to reach it from ``shape``."""
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


class Function:
    """One differentiable operation on raw arrays.

    Subclasses implement ``forward(*arrays, **params) -> array`` and
    ``backward(grad) -> tuple`` (one gradient array, or ``None``, per input).
    ``self.needs_input_grad`` tells ``backward`` which inputs want a gradient,
    so it can skip work. Inputs given as ``None`` (an absent bias, say) reach
    ``forward`` as ``None`` and get no gradient.
    """

    __slots__ = ("inputs", "needs_input_grad", "__dict__")

    def forward(self, *arrays, **params):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the function on Tensors (or arrays/scalars) and record it in the graph."""
        from .tensor import Tensor, as_tensor
        tensors = []
        ref = None
        for item in inputs:
            if isinstance(item, Tensor):
                ref = item if ref is None else ref
        dev = None
        for item in inputs:
            if item is None:
                tensors.append(None)
                continue
            if not isinstance(item, Tensor):
                item = as_tensor(item, like=ref)
            elif dev is None:
                dev = item.device
            elif item.device != dev:
                raise DeviceError(f"{cls.__name__}: inputs are on different devices "
                                  f"({dev} and {item.device}); move them with .to(device) first")
            tensors.append(item)
        fn = cls()
        arrays = [None if t is None else t.data for t in tensors]
        out_data = fn.forward(*arrays, **params)
        requires = is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)
        out = Tensor(out_data, requires_grad=requires)
        if requires:
            fn.inputs = tensors
            fn.needs_input_grad = tuple(t is not None and t.requires_grad for t in tensors)
            out.creator = fn
        return out

    def _release(self):
        """Drop the saved arrays and inputs so their memory can be freed."""
        self.__dict__.clear()
        self.inputs = None


def _topological_order(root_fn):
    """Functions reachable from ``root_fn``, each after every function feeding it."""
    order, seen = [], set()
    stack = [(root_fn, False)]
    while stack:
        fn, expanded = stack.pop()
        if expanded:
            order.append(fn)
            continue
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        stack.append((fn, True))
        for t in fn.inputs:
            if t is not None and t.creator is not None and id(t.creator) not in seen:
                stack.append((t.creator, False))
    return order


def backward(tensor, grad=None, retain_graph=False):
    """Backpropagate from ``tensor``, accumulating into ``.grad`` of the leaves.

    ``grad`` (same shape as ``tensor``) is required unless ``tensor`` has one
    element. After the walk every function's saved arrays are released unless
    ``retain_graph`` is True.
    """
    from .tensor import Tensor
    if not tensor.requires_grad:
        raise RuntimeError("backward(): this tensor does not require grad and has no graph; "
                           "create the inputs with requires_grad=True")
    xp = tensor.xp
    if grad is None:
        if tensor.size != 1:
            raise RuntimeError(f"backward(): grad can be implicitly created only for scalar outputs; "
                               f"this output has shape {tensor.shape}, pass grad= of that shape")
        grad = xp.ones(tensor.shape, dtype=tensor.dtype)
    else:
        grad = grad.data if isinstance(grad, Tensor) else xp.asarray(grad)
        if grad.shape != tensor.shape:
            raise ValueError(f"backward(): grad has shape {grad.shape} but the output has shape {tensor.shape}")
        grad = grad.astype(tensor.dtype, copy=False)

    if tensor.creator is None:  # a leaf: its gradient is the seed itself
        _accumulate_leaf(tensor, grad, set())
        return
    root = tensor.creator
    if root.inputs is None:
        raise RuntimeError("backward(): the graph was already freed by an earlier backward(); "
                           "call backward(retain_graph=True) the first time to go through it twice")
    order = _topological_order(root)
    pending = {id(root): grad}
    stored = set()
    for fn in reversed(order):
        g = pending.pop(id(fn), None)
        if g is None:
            continue
        retain = fn.__dict__.get("_retained_output")
        if retain is not None:
            out = retain()
            if out is not None:
                out.grad = Tensor(g if out.grad is None else out.grad.data + g)
        input_grads = fn.backward(g)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for t, gi, needed in zip(fn.inputs, input_grads, fn.needs_input_grad):
            if not needed or gi is None:
                continue
            gi = unbroadcast(gi, t.shape)
            if gi.dtype != t.dtype:
                gi = gi.astype(t.dtype)
            if t.creator is None:
                _accumulate_leaf(t, gi, stored)
            else:
                key = id(t.creator)
                pending[key] = gi if key not in pending else pending[key] + gi
        if not retain_graph:
            fn._release()


def _accumulate_leaf(t, g, stored):
    """Add ``g`` into ``t.grad``, copying when the array may be shared or read-only."""
    from .tensor import Tensor
    if t.grad is None:
        owns = getattr(g.flags, "owndata", False) and g.flags.writeable
        if not owns or id(g) in stored:
            g = g.copy()
        stored.add(id(g))
        t.grad = Tensor(g)
    else:
        t.grad = Tensor(t.grad.data + g)
