"""Control flow of ``keras.ops`` (``fori_loop``, ``while_loop``, ``scan``, ``map``, ``switch``,
``associative_scan``, ``vectorize``) and ``rearrange``. minidl runs eagerly, so these are Python loops
over minidl ops: gradients flow through every step, as through JAX's traced loops."""
from __future__ import annotations

import builtins
import re

import numpy as np

import minidl
from minidl.tensor import Tensor

__all__ = ["fori_loop", "while_loop", "scan", "map", "switch", "associative_scan", "vectorize", "rearrange"]


def _t(x):
    from minidl.keras.ops import convert_to_tensor
    return convert_to_tensor(x)


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``, starting from ``init_val``."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` holds (at most ``maximum_iterations``
    times); a single (non-tuple) ``loop_vars`` is passed and returned as is."""
    is_tuple = isinstance(loop_vars, (tuple, list))
    state = tuple(loop_vars) if is_tuple else (loop_vars,)
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and bool(cond(*state)):
        out = body(*state)
        state = tuple(out) if is_tuple else (out,)
        if len(state) != (len(loop_vars) if is_tuple else 1):
            raise ValueError(f"while_loop: body returned {len(state)} values for {len(loop_vars)} loop_vars")
        steps += 1
    return type(loop_vars)(state) if is_tuple else state[0]


def _stack_tree(items):
    """Stack a list of equally structured results (Tensors, numbers, tuples/lists/dicts of them, None)."""
    first = items[0]
    if first is None:
        return None
    if isinstance(first, (tuple, list)):
        return type(first)(_stack_tree([it[i] for it in items]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack_tree([it[k] for it in items]) for k in first}
    return minidl.stack([_t(it) for it in items])


def _slice_tree(tree, i):
    if isinstance(tree, (tuple, list)):
        return type(tree)(_slice_tree(v, i) for v in tree)
    if isinstance(tree, dict):
        return {k: _slice_tree(v, i) for k, v in tree.items()}
    return _t(tree)[i]


def _leading(tree):
    if isinstance(tree, (tuple, list)):
        return _leading(tree[0])
    if isinstance(tree, dict):
        return _leading(next(iter(tree.values())))
    return _t(tree).shape[0]


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """``carry, y = f(carry, x)`` over the leading axis of ``xs`` (or ``length`` times with ``x=None``);
    returns ``(final carry, stacked ys)`` (ys in input order also with ``reverse``)."""
    n = _leading(xs) if xs is not None else length
    if n is None:
        raise ValueError("scan: give xs or length")
    if xs is not None and length is not None and int(length) != n:
        raise ValueError(f"scan: length={length} does not match the leading axis of xs ({n})")
    carry, ys = init, []
    order = range(n - 1, -1, -1) if reverse else range(n)
    for i in order:
        carry, y = f(carry, None if xs is None else _slice_tree(xs, i))
        ys.append(y)
    if reverse:
        ys.reverse()
    return carry, (_stack_tree(ys) if ys else None)


def map(f, xs):  # noqa: A001 -- Keras' name
    """``f`` applied to each slice of ``xs`` along its leading axis, the results stacked."""
    return _stack_tree([f(_slice_tree(xs, i)) for i in range(_leading(xs))])


def switch(index, branches, *operands):
    """Calls ``branches[index]`` on ``*operands``, ``index`` clamped into ``[0, len(branches) - 1]``."""
    if not branches:
        raise ValueError("switch: branches must not be empty")
    i = builtins.min(builtins.max(int(index), 0), len(branches) - 1)
    return branches[i](*operands)


def associative_scan(f, elems, reverse=False, axis=0):
    """The inclusive scan ``out[i] = f(out[i - 1], elems[i])`` along ``axis`` of ``elems`` (a Tensor or a
    tuple/list of Tensors of equal length) with the associative function ``f``."""
    leaves = list(elems) if isinstance(elems, (tuple, list)) else [elems]
    leaves = [minidl.movedim(_t(v), axis, 0) for v in leaves]
    n = leaves[0].shape[0]
    if any(v.shape[0] != n for v in leaves):
        raise ValueError(f"associative_scan: elems differ in length along axis {axis}")

    def pack(values):
        return type(elems)(values) if isinstance(elems, (tuple, list)) else values[0]

    def unpack(value):
        return list(value) if isinstance(elems, (tuple, list)) else [value]

    order = range(n - 1, -1, -1) if reverse else range(n)
    outs, acc = [], None
    for i in order:
        cur = [v[i] for v in leaves]
        acc = cur if acc is None else unpack(f(pack(acc), pack(cur)) if not reverse else f(pack(cur), pack(acc)))
        outs.append(acc)
    if reverse:
        outs.reverse()
    stacked = [minidl.movedim(minidl.stack([_t(o[j]) for o in outs]), 0, axis) for j in range(len(leaves))]
    return pack(stacked)


_CORE = re.compile(r"\(([^()]*)\)")


def _parse_signature(signature):
    inputs, outputs = signature.replace(" ", "").split("->")
    parse = lambda part: [tuple(d for d in g.split(",") if d) for g in _CORE.findall(part)]  # noqa: E731
    return parse(inputs), parse(outputs)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """``pyfunc`` mapped over the broadcast leading (loop) axes of its Tensor arguments, as
    ``numpy.vectorize``: without ``signature`` each call sees scalars; with one such as
    ``"(n),(n)->()"`` the trailing core axes are passed whole. ``excluded``: argument positions or
    names passed through unchanged."""
    excluded = set(excluded or ())
    in_core, out_core = _parse_signature(signature) if signature else (None, None)

    def wrapped(*args, **kwargs):
        mapped = [i for i in range(len(args)) if i not in excluded]
        tensors = {i: _t(args[i]) for i in mapped}
        cores = in_core if in_core is not None else [()] * len(mapped)
        if len(cores) != len(mapped):
            raise ValueError(f"vectorize: signature {signature!r} has {len(cores)} inputs, got {len(mapped)}")
        loops = [tensors[i].shape[:tensors[i].ndim - len(c)] for i, c in zip(mapped, cores)]
        batch = tuple(np.broadcast_shapes(*[tuple(s) for s in loops])) if loops else ()
        expanded = {i: minidl.broadcast_to(tensors[i], batch + tuple(tensors[i].shape[len(s):]))
                    for i, s in zip(mapped, loops)}
        results = []
        for pos in np.ndindex(*batch):
            call = [expanded[i][pos] if i in expanded else a for i, a in enumerate(args)]
            results.append(pyfunc(*call, **kwargs))
        if not results:
            raise ValueError("vectorize: the broadcast loop shape is empty")
        out = _stack_tree(results)

        def reshape(v):
            return v.reshape(batch + tuple(v.shape[1:]))
        if isinstance(out, (tuple, list)):
            return type(out)(reshape(v) for v in out)
        return reshape(out)
    wrapped.__doc__ = pyfunc.__doc__
    return wrapped


def _groups(side):
    """The axes of one side of an einops pattern: names, or lists of names for parenthesised groups."""
    tokens = re.findall(r"\(|\)|\.\.\.|[A-Za-z_][A-Za-z0-9_]*|\d+", side)
    out, group = [], None
    for tok in tokens:
        if tok == "(":
            if group is not None:
                raise ValueError(f"rearrange: nested parentheses in {side!r}")
            group = []
        elif tok == ")":
            out.append(group)
            group = None
        elif group is not None:
            group.append(tok)
        else:
            out.append([tok])
    if group is not None:
        raise ValueError(f"rearrange: unbalanced parentheses in {side!r}")
    return out


def rearrange(tensor, pattern, **axes_lengths) -> Tensor:
    """einops' ``rearrange``: reorder, merge ``(h w)`` and split axes by a pattern such as
    ``"b (h w) c -> b h w c"`` (``h=...`` gives split sizes); ``...`` stands for the remaining axes."""
    x = _t(tensor)
    if "->" not in pattern:
        raise ValueError(f"rearrange: pattern {pattern!r} has no '->'")
    left, right = (_groups(s) for s in pattern.split("->"))
    sizes = dict(axes_lengths)
    ellipsis_rank = x.ndim - (len(left) - (1 if ["..."] in left else 0))
    if ellipsis_rank < 0 or (["..."] not in left and len(left) != x.ndim):
        raise ValueError(f"rearrange: pattern {pattern!r} does not fit an input of shape {tuple(x.shape)}")
    names, dim = [], 0
    for group in left:
        if group == ["..."]:
            for j in range(ellipsis_rank):
                sizes[f"...{j}"] = x.shape[dim]
                names.append(f"...{j}")
                dim += 1
            continue
        total, unknown = x.shape[dim], [n for n in group if n not in sizes]
        if len(unknown) > 1:
            raise ValueError(f"rearrange: cannot infer the sizes of {unknown} in {pattern!r}")
        known = int(np.prod([sizes[n] for n in group if n in sizes], dtype=np.int64))
        if unknown:
            sizes[unknown[0]] = total // known
        if int(np.prod([sizes[n] for n in group], dtype=np.int64)) != total:
            raise ValueError(f"rearrange: axis {dim} of length {total} does not split into {group} of {sizes}")
        names.extend(group)
        dim += 1
    split = x.reshape(tuple(sizes[n] for n in names))
    flat_right = []
    for group in right:
        flat_right.extend([f"...{j}" for j in range(ellipsis_rank)] if group == ["..."] else group)
    if sorted(flat_right) != sorted(names):
        raise ValueError(f"rearrange: both sides of {pattern!r} must name the same axes")
    moved = split.permute(*[names.index(n) for n in flat_right])
    shape = []
    for group in right:
        if group == ["..."]:
            shape.extend(sizes[f"...{j}"] for j in range(ellipsis_rank))
        else:
            shape.append(int(np.prod([sizes[n] for n in group], dtype=np.int64)))
    return moved.reshape(tuple(shape))
