"""Flattening nested tuples, lists and dicts of tensors (PyTorch's pytrees) for ``minidl.func``."""
from __future__ import annotations

__all__ = ["tree_flatten", "tree_unflatten", "TreeSpec"]


class TreeSpec:
    """The structure of a nested container: its kind, its keys (dicts) and its children's specs; a leaf is ``LEAF``."""

    __slots__ = ("kind", "keys", "children", "type")

    def __init__(self, kind, keys=None, children=(), type_=None):
        self.kind, self.keys, self.children, self.type = kind, keys, tuple(children), type_

    @property
    def num_leaves(self) -> int:
        """How many leaves the structure holds."""
        return 1 if self.kind == "leaf" else sum(c.num_leaves for c in self.children)

    def __eq__(self, other):
        return (isinstance(other, TreeSpec) and self.kind == other.kind and self.keys == other.keys
                and self.type == other.type and self.children == other.children)

    def __hash__(self):
        return hash((self.kind, self.keys, self.children))

    def __repr__(self):
        if self.kind == "leaf":
            return "*"
        inner = ", ".join(repr(c) for c in self.children)
        if self.kind == "dict":
            inner = ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.keys, self.children))
            return "{" + inner + "}"
        return f"({inner},)" if self.kind == "tuple" else f"[{inner}]"


LEAF = TreeSpec("leaf")


def tree_flatten(tree):
    """``(leaves, spec)``: the leaves of ``tree`` (anything but a tuple, list or dict) in order, and its structure."""
    if isinstance(tree, dict):
        keys = tuple(tree)
        leaves, specs = [], []
        for k in keys:
            sub, spec = tree_flatten(tree[k])
            leaves += sub
            specs.append(spec)
        return leaves, TreeSpec("dict", keys, specs, type(tree))
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for item in tree:
            sub, spec = tree_flatten(item)
            leaves += sub
            specs.append(spec)
        kind = "tuple" if isinstance(tree, tuple) else "list"
        return leaves, TreeSpec(kind, None, specs, type(tree))
    return [tree], LEAF


def tree_unflatten(leaves, spec):
    """The container of structure ``spec`` holding ``leaves`` (inverse of :func:`tree_flatten`)."""
    leaves = list(leaves)
    if len(leaves) != spec.num_leaves:
        raise ValueError(f"tree_unflatten: expected {spec.num_leaves} leaves, got {len(leaves)}")
    return _build(iter(leaves), spec)


def _build(it, spec):
    if spec.kind == "leaf":
        return next(it)
    values = [_build(it, c) for c in spec.children]
    if spec.kind == "dict":
        return spec.type(zip(spec.keys, values)) if spec.type is not dict else dict(zip(spec.keys, values))
    if spec.kind == "tuple":
        if spec.type is not tuple and hasattr(spec.type, "_fields"):  # a namedtuple
            return spec.type(*values)
        return tuple(values)
    return list(values)


def broadcast_prefix(prefix, tree):
    """The leaves of ``prefix`` repeated over the leaves of ``tree`` it covers (``in_dims``-style prefixes).

    Raises ValueError when ``prefix`` is not a prefix of ``tree``'s structure.
    """
    if not isinstance(prefix, (tuple, list, dict)):
        return [prefix] * tree_flatten(tree)[1].num_leaves
    if isinstance(prefix, dict):
        if not isinstance(tree, dict) or set(prefix) != set(tree):
            raise ValueError("structure mismatch")
        out = []
        for k in tree:
            out += broadcast_prefix(prefix[k], tree[k])
        return out
    if not isinstance(tree, (tuple, list)) or len(prefix) != len(tree):
        raise ValueError("structure mismatch")
    out = []
    for p, t in zip(prefix, tree):
        out += broadcast_prefix(p, t)
    return out
