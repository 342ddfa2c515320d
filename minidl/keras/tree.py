"""``keras.tree``: utilities on nested structures of lists, tuples, namedtuples and dicts, with
Keras 3's rules: leaves of a ``dict`` come in sorted-key order (an ``OrderedDict`` keeps its
order), ``None`` and strings are leaves, rebuilt containers keep their type and key order.

>>> flatten({"b": [1, 2], "a": (3,)})
[3, 1, 2]
>>> map_structure(lambda a, b: a + b, [1, (2,)], [10, (20,)])
[11, (22,)]
"""
from __future__ import annotations

import collections

__all__ = ["MAP_TO_NONE", "is_nested", "flatten", "flatten_with_path", "pack_sequence_as", "map_structure",
           "map_structure_up_to", "assert_same_structure", "assert_same_paths", "traverse", "lists_to_tuples",
           "map_shape_structure"]


class MAP_TO_NONE:  # noqa: N801  (Keras' name)
    """Return this class from a :func:`traverse` function to put ``None`` in that place."""


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(structure) -> bool:
    """Whether ``structure`` is a list, tuple (namedtuple) or dict (not a leaf)."""
    return isinstance(structure, (list, tuple, dict))


def _keys(d):
    return list(d) if isinstance(d, collections.OrderedDict) else sorted(d)


def _children(structure) -> list:
    """The direct children in flattening order."""
    if isinstance(structure, dict):
        return [structure[k] for k in _keys(structure)]
    return list(structure)


def _rebuild(structure, children):
    """A container like ``structure`` holding ``children`` (in flattening order)."""
    if isinstance(structure, dict):
        by_key = dict(zip(_keys(structure), children))
        out = {k: by_key[k] for k in structure}  # the original key order
        if type(structure) is dict:
            return out
        if isinstance(structure, collections.defaultdict):
            rebuilt = type(structure)(structure.default_factory)
            rebuilt.update(out)
            return rebuilt
        return type(structure)(out)
    if _is_namedtuple(structure):
        return type(structure)(*children)
    if isinstance(structure, tuple):
        return tuple(children) if type(structure) is tuple else type(structure)(children)
    return list(children) if type(structure) is list else type(structure)(children)


def flatten(structure) -> list:
    """The leaves of ``structure`` in order (a lone leaf gives ``[leaf]``)."""
    if not is_nested(structure):
        return [structure]
    out = []
    for child in _children(structure):
        out.extend(flatten(child))
    return out


def flatten_with_path(structure) -> list:
    """``(path, leaf)`` pairs; a path is the tuple of keys/indices leading to the leaf."""
    def walk(node, path):
        if not is_nested(node):
            return [(path, node)]
        keys = _keys(node) if isinstance(node, dict) else range(len(node))
        out = []
        for key, child in zip(keys, _children(node)):
            out.extend(walk(child, path + (key,)))
        return out
    return walk(structure, ())


def pack_sequence_as(structure, flat_sequence):
    """``flat_sequence``'s values placed into the shape of ``structure`` (the inverse of :func:`flatten`)."""
    flat = list(flat_sequence)
    n_leaves = len(flatten(structure))
    if len(flat) != n_leaves:
        raise ValueError(f"The target structure has {n_leaves} leaves, but `flat_sequence` has "
                         f"{len(flat)} elements. Structure: {structure}")
    it = iter(flat)

    def build(node):
        if not is_nested(node):
            return next(it)
        return _rebuild(node, [build(child) for child in _children(node)])
    return build(structure)


def _check_same(a, b, check_types=True):
    if is_nested(a) != is_nested(b):
        raise ValueError(f"The two structures don't have the same nested structure: {a} and {b}")
    if not is_nested(a):
        return
    if check_types and type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        raise ValueError(f"Expected an instance of {type(a).__name__}, got {b}.")
    if isinstance(a, dict):
        if sorted(a) != sorted(b):
            raise ValueError(f"dictionary key mismatch; expected key(s): {sorted(a)}, got key(s): {sorted(b)}")
    elif len(a) != len(b):
        raise ValueError(f"{type(a).__name__} arity mismatch; expected: {len(a)}, got: {len(b)}; "
                         f"{type(a).__name__}: {b}.")
    for x, y in zip(_children(a), _children(b)):
        _check_same(x, y, check_types)


def assert_same_structure(a, b, check_types=None):
    """Raise ``ValueError`` unless ``a`` and ``b`` nest the same containers with the same lengths and keys."""
    _check_same(a, b, True if check_types is None else bool(check_types))


def assert_same_paths(a, b):
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same leaf paths (container types may differ)."""
    paths_a = {p for p, _ in flatten_with_path(a)}
    paths_b = {p for p, _ in flatten_with_path(b)}
    if paths_a != paths_b:
        raise ValueError(f"`a` and `b` don't have the same paths. `a` is missing {sorted(paths_b - paths_a)}, "
                         f"`b` is missing {sorted(paths_a - paths_b)}")


def map_structure(func, *structures, none_is_leaf=True):
    """``func`` applied leaf-wise across ``structures`` (all of the same structure); the result has
    the first one's structure. With ``none_is_leaf=False`` a ``None`` stays ``None`` unmapped."""
    if not structures:
        raise ValueError("Must provide at least one structure")
    first = structures[0]
    for other in structures[1:]:
        _check_same(first, other, True)
    flats = [flatten(s) for s in structures]
    if none_is_leaf:
        results = [func(*leaves) for leaves in zip(*flats)]
    else:
        results = [None if leaves[0] is None else func(*leaves) for leaves in zip(*flats)]
    return pack_sequence_as(first, results)


def map_structure_up_to(shallow_structure, func, *structures):
    """``func`` applied to the sub-structures of ``structures`` found at the leaves of
    ``shallow_structure`` (deeper nesting is passed whole)."""
    def walk(shallow, nodes):
        if not is_nested(shallow):
            return func(*nodes)
        for node in nodes:
            if not is_nested(node):
                raise ValueError(f"If shallow structure is a sequence, input must also be a sequence. "
                                 f"Input has type: {type(node).__name__}.")
            if len(node) != len(shallow):
                raise ValueError(f"The two structures don't have the same sequence length. Input structure has "
                                 f"length {len(node)}, while shallow structure has length {len(shallow)}.")
        children = zip(*[_children(n) for n in nodes])
        return _rebuild(shallow, [walk(s, c) for s, c in zip(_children(shallow), children)])
    return walk(shallow_structure, structures)


def traverse(func, structure, top_down=True):
    """Visit every node. Top-down: where ``func(node)`` returns None, go on into the node's children;
    any other value replaces the node (``MAP_TO_NONE`` puts None). Bottom-up: children first, then
    ``func`` on the rebuilt node, whose None result keeps it."""
    def fix(value):
        return None if value is MAP_TO_NONE else value

    def down(node):
        out = func(node)
        if out is not None:
            return fix(out)
        if not is_nested(node):
            return node
        return _rebuild(node, [down(child) for child in _children(node)])

    def up(node):
        if is_nested(node):
            node = _rebuild(node, [up(child) for child in _children(node)])
        out = func(node)
        return node if out is None else fix(out)
    return down(structure) if top_down else up(structure)


def lists_to_tuples(structure):
    """``structure`` with every list turned into a tuple."""
    if not is_nested(structure):
        return structure
    children = [lists_to_tuples(c) for c in _children(structure)]
    return tuple(children) if isinstance(structure, list) else _rebuild(structure, children)


def _is_shape(x) -> bool:
    return isinstance(x, (list, tuple)) and all(d is None or isinstance(d, int) for d in x)


def map_shape_structure(func, structure):
    """``func`` applied to each shape (a tuple/list of ints or None) in a structure of shapes."""
    if _is_shape(structure):
        return func(tuple(structure))
    if is_nested(structure):
        return _rebuild(structure, [map_shape_structure(func, c) for c in _children(structure)])
    raise ValueError(f"map_shape_structure: cannot interpret {structure!r} as a shape")
