"""``minidl.autograd.graph``: hooks on the tensors that the graph saves for the backward pass.

Inside ``with saved_tensors_hooks(pack_hook, unpack_hook):`` every tensor an
operation saves for its backward pass (while a graph is recorded) is handed
to ``pack_hook`` at once, and only the packed value is kept; when the backward
pass reaches that operation it calls ``unpack_hook(packed)``, which must return
a Tensor with the saved values (each backward through a retained graph
unpacks again). This is how activations are offloaded, compressed or
recomputed. :class:`save_on_cpu` packs onto the CPU; :func:`disable_saved_tensors_hooks`
forbids hooks in a region. Hooks are per thread; the innermost pair wins.
:func:`register_multi_grad_hook` calls a function once per backward pass with
the gradients of several tensors.

What is "saved" is, for a custom :class:`minidl.autograd.Function`, exactly
what ``ctx.save_for_backward`` received (unpacked at each ``ctx.saved_tensors``
read); for minidl's own operations, every array the operation keeps for its
backward, each wrapped in a Tensor. Some of minidl's operations
keep more than PyTorch's do (``a * b`` keeps both factors even when only one
needs a gradient), so ``pack_hook`` may be called more often than in PyTorch.
"""
from __future__ import annotations

import contextlib
import threading

from .. import backend

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks"]

_state = threading.local()
# How many hook contexts are open in any thread: Function.apply checks this number first, so that the usual
# step without hooks pays one attribute read.
_active = 0


def _stack():
    stack = getattr(_state, "stack", None)
    if stack is None:
        stack = _state.stack = []
    return stack


def _current_hooks():
    """The innermost ``(pack_hook, unpack_hook)`` of this thread, or None; raises inside a disabled region."""
    stack = getattr(_state, "stack", None)
    if not stack:
        return None
    message = getattr(_state, "disabled", None)
    if message is not None:
        raise RuntimeError(message)
    return stack[-1]


class saved_tensors_hooks:
    """Context manager: within it, saved tensors go through ``pack_hook`` and come back through ``unpack_hook``.

    Args:
        pack_hook: ``pack_hook(tensor) -> Any``, called when an operation saves ``tensor``.
        unpack_hook: ``unpack_hook(packed) -> Tensor``, called when the backward
            pass needs the tensor; a result that is not a Tensor raises TypeError.
    """

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        global _active
        message = getattr(_state, "disabled", None)
        if message is not None:
            raise RuntimeError(message)
        _stack().append((self.pack_hook, self.unpack_hook))
        _active += 1
        return None

    def __exit__(self, *exc):
        global _active
        _stack().pop()
        _active -= 1
        return False


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are kept on the CPU and moved back to their device when the backward pass needs them.

    On the CPU the saved tensors stay where they are (``Tensor.cpu()`` of a
    CPU tensor is the tensor itself). ``pin_memory`` is accepted for PyTorch
    compatibility (minidl does not pin host memory); ``device_type`` names the
    accelerator (only "cuda" exists).
    """

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda"):
        def pack_to_cpu(tensor):
            return tensor.device, tensor.cpu()

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device)

        self.pin_memory = pin_memory
        self.device_type = device_type
        super().__init__(pack_to_cpu, unpack_from_cpu)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str):
    """Within the block, opening :class:`saved_tensors_hooks` (or saving a tensor while some are open)
    raises ``RuntimeError(error_message)``."""
    previous = getattr(_state, "disabled", None)
    _state.disabled = error_message
    try:
        yield
    finally:
        _state.disabled = previous


# --- used by the graph: minidl's own operations (array style) ---------------------------------------------

def pack_node(fn, tensors):
    """Pack the arrays that the array-style node ``fn`` keeps as attributes (its saved tensors).

    Each array is handed to the pack hook as a Tensor on that array
    (``requires_grad`` as the input's when it is an input's array), removed from
    the node and kept packed in ``fn._saved_packed`` with the unpack hook.
    """
    hooks = _current_hooks()
    if hooks is None:
        return
    fn.__dict__.pop("_saved_versions", None)   # PyTorch checks no version of a hooked saved tensor
    pack_hook, unpack_hook = hooks
    from ..tensor import Tensor
    # A Tensor over the saved array itself, never the input Tensor object: an in-place op on the input later
    # rebinds that object to a new array, while the saved values must stay the old ones.
    grad_inputs = {id(t.array) for t in tensors if t is not None and t.requires_grad}
    packed = {}
    attributes = fn.__dict__
    from .grad_mode import no_grad
    with no_grad():   # as PyTorch: a pack hook's own ops (``lambda x: x * 4``) record nothing
        for name, value in list(attributes.items()):
            if backend.is_array(value):
                packed[name] = pack_hook(Tensor(value, requires_grad=id(value) in grad_inputs))
                del attributes[name]
    if packed:
        attributes["_saved_packed"] = (packed, unpack_hook)


def _unpacked_tensor(unpack_hook, packed):
    from ..tensor import Tensor
    value = unpack_hook(packed)
    if not isinstance(value, Tensor):
        raise TypeError(f"Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
                        f"{type(value).__name__}")
    return value


def run_unpacked(fn, g, create_graph):
    """Run ``fn``'s backward (array or graph form) with its packed arrays unpacked for the call."""
    packed, unpack_hook = fn.__dict__["_saved_packed"]
    attributes = fn.__dict__
    for name, p in packed.items():
        attributes[name] = _unpacked_tensor(unpack_hook, p).array
    try:
        return fn.backward_graph(g) if create_graph else fn.backward(g)
    finally:
        for name in packed:
            attributes.pop(name, None)


# --- used by the graph: custom Functions (ctx.save_for_backward) -----------------------------------------

def pack_ctx(ctx):
    """Pack what ``ctx.save_for_backward`` received (None stays None)."""
    hooks = _current_hooks()
    if hooks is None or not ctx._saved:
        return
    pack_hook, unpack_hook = hooks
    from .grad_mode import no_grad
    with no_grad():
        ctx._saved_ctx_packed = (tuple(None if t is None else pack_hook(t) for t in ctx._saved), unpack_hook)
    ctx._saved = ()


def unpack_ctx(ctx):
    """The saved tensors of ``ctx``, unpacked (the unpack hook runs at every read, as in PyTorch)."""
    packed, unpack_hook = ctx._saved_ctx_packed
    return tuple(None if p is None else _unpacked_tensor(unpack_hook, p) for p in packed)


# --- register_multi_grad_hook -----------------------------------------------------------------------------
# How many multi-grad hooks exist: while there are none, a backward pass records nothing for them.
_multi_grad_hooks = 0
_passes = threading.local()


class _BackwardPass:
    """Which tensors one backward pass will give a gradient to (computed at its start, only while
    multi-grad hooks exist): the nodes it runs and the leaves it accumulates into."""

    def __init__(self, roots, targets):
        from .engine import _topological_order
        root_nodes = [r.creator for r in roots if getattr(r, "creator", None) is not None]
        self.nodes = set(_topological_order(root_nodes)) if root_nodes else set()
        target_ids = None if targets is None else {id(t) for t in targets}
        self.leaves = {id(r) for r in roots if getattr(r, "creator", 1) is None}
        for fn in self.nodes:
            for t, needed in zip(fn.inputs, fn.needs_input_grad):
                if needed and t is not None and t.creator is None:
                    self.leaves.add(id(t))
        if target_ids is not None:
            self.leaves &= target_ids
        self.hook_states = {}

    def will_receive(self, t) -> bool:
        """Whether the pass computes a gradient for ``t`` (and so runs its hooks)."""
        return id(t) in self.leaves if t.creator is None else t.creator in self.nodes


@contextlib.contextmanager
def _backward_pass(roots, targets):
    """Used by the engine around each backward pass: makes the pass known to multi-grad hooks."""
    if not _multi_grad_hooks:
        yield
        return
    stack = getattr(_passes, "stack", None)
    if stack is None:
        stack = _passes.stack = []
    stack.append(_BackwardPass(roots, targets))
    try:
        yield
    finally:
        stack.pop()


class _MultiHandle:
    """Returned by :func:`register_multi_grad_hook`: ``remove()`` unregisters it from every tensor."""

    def __init__(self, handles):
        self._handles = handles
        self._removed = False

    def remove(self):
        """Unregister the hook (removing twice is harmless)."""
        global _multi_grad_hooks
        if self._removed:
            return
        self._removed = True
        _multi_grad_hooks -= 1
        for h in self._handles:
            h.remove()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


def register_multi_grad_hook(tensors, fn, *, mode: str = "all"):
    """Call ``fn`` once per backward pass, when the gradients of ``tensors`` are known.

    Args:
        tensors: the Tensors (each requires grad).
        fn: with ``mode="all"``, ``fn(grads)`` after every gradient that this
            pass computes for ``tensors`` is known, ``grads`` holding None for the
            tensors the pass does not reach; with ``mode="any"``, ``fn(grad)``
            with the first of those gradients. Its result is ignored.
        mode: "all" or "any".

    Returns:
        A handle whose ``remove()`` unregisters the hook.
    """
    global _multi_grad_hooks
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = tuple(tensors)
    key = object()

    def state_for_pass():
        stack = getattr(_passes, "stack", None)
        if not stack:
            return None
        record = stack[-1]
        state = record.hook_states.get(key)
        if state is None:
            expected = sum(1 for t in tensors if record.will_receive(t))
            state = record.hook_states[key] = {"grads": [None] * len(tensors), "seen": 0, "expected": expected,
                                               "done": False}
        return state

    def make_hook(i):
        def hook(grad):
            state = state_for_pass()
            if state is None or state["done"]:
                return None
            if mode == "any":
                state["done"] = True
                fn(grad)
                return None
            state["grads"][i] = grad
            state["seen"] += 1
            if state["seen"] >= state["expected"]:
                state["done"] = True
                fn(list(state["grads"]))
            return None
        return hook

    handles = []
    try:
        for i, t in enumerate(tensors):
            handles.append(t.register_hook(make_hook(i)))
    except RuntimeError:
        for h in handles:
            h.remove()
        raise
    _multi_grad_hooks += 1
    return _MultiHandle(handles)


__all__ += ["register_multi_grad_hook"]


def __getattr__(name):
    # graph.Node is minidl.autograd.Node, the base class of every graph node (function.py imports this module,
    # so the alias is resolved on first use)
    if name == "Node":
        from .function import Node
        return Node
    raise AttributeError(f"module 'minidl.autograd.graph' has no attribute {name!r}")


__all__ += ["Node"]  # noqa: F822  (resolved by __getattr__ above)
