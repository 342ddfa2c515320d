"""Node names kept as PyTorch gives them: composite ops naming their last node, names that survive backward.

A graph node's ``name()`` is ``"<Class>Backward0"`` unless its ``__dict__`` holds
``_node_name``: :func:`name_grad_fn` sets it on the last node of an op that minidl
composes from others (``F.mse_loss`` ends in a ``Mean`` node; PyTorch's is
``MseLossBackward0``), and ``Function._release`` keeps it, and any name a node
class computes from its attributes (:func:`kept_name_first`), when a backward
pass frees the node's saved values.
"""
from __future__ import annotations

import functools

__all__ = ["name_grad_fn", "kept_name_first"]


def name_grad_fn(tensor, name, saved=None):
    """Give ``tensor.grad_fn`` the name PyTorch's node has (e.g. ``"MseLossBackward0"``) where minidl
    builds the operation from other differentiable ones; the gradients are unchanged. ``saved``: the tensors
    PyTorch's node saves for backward (``tensor`` itself for its result), whose in-place change then
    refuses backward as there (versions.saved_by_node). Returns ``tensor``."""
    node = tensor.creator
    if node is not None and hasattr(node, "__dict__"):
        node.__dict__["_node_name"] = name
        if saved is not None:
            from .versions import saved_by_node
            saved_by_node(tensor, *saved)
    return tensor


def kept_name_first(own_name):
    """``own_name`` (a node class's ``name`` method) answering the name kept by ``_release`` first."""
    @functools.wraps(own_name)
    def name(self):
        kept = self.__dict__.get("_node_name")
        return kept if kept is not None else own_name(self)
    return name


def names_node(name):
    """Decorator for a composite op: its result's ``grad_fn`` gets PyTorch's node ``name`` (unless the op
    returned one of its own Tensor arguments unchanged, whose node is not renamed)."""
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            out = fn(*args, **kwargs)
            if getattr(out, "creator", None) is not None and not any(out is a for a in args):
                name_grad_fn(out, name)
            return out
        return wrapper
    return decorate
