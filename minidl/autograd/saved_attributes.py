"""PyTorch's ``grad_fn._saved_<name>`` attributes on minidl's own graph nodes.

PyTorch's generated nodes expose what they saved for backward under the names of its derivative formulas:
``(a * b).grad_fn._saved_self is a``, ``._saved_other is b``; ``a.exp().grad_fn._saved_result`` equals the
output; ``(a ** 2).grad_fn._saved_exponent == 2``. Tutorials print them (the saved-tensors-hooks tutorial). Each
node class listed in ``_SAVED`` maps those names to what minidl's node keeps: an input (the Tensor itself, or,
under ``saved_tensors_hooks``, the unpacked value; the unpack hook runs at every read, as in PyTorch), the
output's array, or a plain attribute. A node whose saved values were freed by a backward pass raises PyTorch's
RuntimeError.
"""
from __future__ import annotations

from .released import FREED_MESSAGE

__all__ = ["node_getattr"]

# node class -> {PyTorch's saved name: ("input", index, attribute) | ("result", attribute) | ("value", attribute)}
_SELF_OTHER = {"self": ("input", 0, "a"), "other": ("input", 1, "b")}
_RESULT = {"result": ("result", "out")}
_SAVED = {
    "Mul": _SELF_OTHER, "Div": _SELF_OTHER,
    "Exp": _RESULT, "Tanh": _RESULT, "Sigmoid": _RESULT, "Sqrt": _RESULT,
    "Sin": {"self": ("input", 0, "x")}, "Cos": {"self": ("input", 0, "x")}, "Log": {"self": ("input", 0, "a")},
    "PowScalar": {"self": ("input", 0, "a"), "exponent": ("value", "c")},
    "Pow": {"self": ("input", 0, "a"), "exponent": ("input", 1, "b"), "result": ("result", "out")},
    "MatMul": {"self": ("input", 0, "a"), "mat2": ("input", 1, "b")},
}


def node_getattr(node, name):
    """``node._saved_<name>`` as PyTorch's node has it; AttributeError for anything else."""
    where = _SAVED.get(type(node).__name__, {}).get(name[7:]) if name.startswith("_saved_") else None
    if where is None:
        raise AttributeError(f"'{type(node).__name__}' object has no attribute '{name}'")
    kept = node.__dict__
    packed, unpack_hook = kept.get("_saved_packed", (None, None))
    attribute = where[-1]
    if packed is not None and attribute in packed:
        from .graph import _unpacked_tensor
        return _unpacked_tensor(unpack_hook, packed[attribute])
    if where[0] == "value" and attribute in kept:
        return kept[attribute]
    if where[0] == "input" and node.inputs is not None:
        return node.inputs[where[1]]
    if where[0] == "result" and attribute in kept:
        from ..tensor import Tensor
        return Tensor(kept[attribute])
    raise RuntimeError(FREED_MESSAGE)
