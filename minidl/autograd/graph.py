"""``minidl.autograd.graph``: hooks on the tensors that the graph saves for the backward pass.

Inside ``with saved_tensors_hooks(pack_hook, unpack_hook):`` every tensor an
operation saves for its backward pass (while a graph is recorded) is handed
to ``pack_hook`` at once, and only the packed value is kept; when the backward
pass reaches that operation it calls ``unpack_hook(packed)``, which must return
a Tensor with the saved values (each backward through a retained graph
unpacks again). This is how activations are offloaded, compressed or
recomputed. :class:`save_on_cpu` packs onto the CPU; :func:`disable_saved_tensors_hooks`
forbids hooks in a region. Hooks are per thread; the innermost pair wins.

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
    pack_hook, unpack_hook = hooks
    from ..tensor import Tensor
    # A Tensor over the saved array itself, never the input Tensor object: an in-place op on the input later
    # rebinds that object to a new array, while the saved values must stay the old ones.
    grad_inputs = {id(t.array) for t in tensors if t is not None and t.requires_grad}
    packed = {}
    attributes = fn.__dict__
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
    ctx._saved_ctx_packed = (tuple(None if t is None else pack_hook(t) for t in ctx._saved), unpack_hook)
    ctx._saved = ()


def unpack_ctx(ctx):
    """The saved tensors of ``ctx``, unpacked (the unpack hook runs at every read, as in PyTorch)."""
    packed, unpack_hook = ctx._saved_ctx_packed
    return tuple(None if p is None else _unpacked_tensor(unpack_hook, p) for p in packed)
