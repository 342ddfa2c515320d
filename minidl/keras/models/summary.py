"""``model.summary()``: Keras 3's table, drawn with the same box characters and column rule.

Columns take ``positions`` (default [0.45, 0.80, 1.0] for sequential-like
models, plus "Connected to" for DAGs) of ``line_length`` (default
``min(88, terminal columns - 4)``); when padding and borders do not fit, each
column gives up an equal share, as the ``rich`` table Keras uses does.
"""
from __future__ import annotations

import math
import re
import shutil
import textwrap

import numpy as np

from minidl.keras.layers.base import InputLayer

__all__ = ["print_summary", "readable_memory_size", "column_widths"]


def readable_memory_size(size: float) -> str:
    """``'213.04 KB'``-style size of ``size`` bytes."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _ratio_reduce(total, widths):
    """Take ``total`` columns away, an equal (rounded) share from each, left to right."""
    out, remaining, ratio = [], total, len(widths)
    for w in widths:
        share = min(w, round(remaining / ratio))
        out.append(w - share)
        remaining -= share
        ratio -= 1
    return out


def _ratio_distribute(total, widths):
    """Share ``total`` extra columns in proportion to ``widths`` (rounded up, left to right), as rich
    widens a table narrower than its ``width``."""
    out, remaining, ratio_left = [], total, sum(widths)
    for w in widths:
        share = math.ceil(w * remaining / ratio_left) if ratio_left > 0 else remaining
        out.append(share)
        ratio_left -= w
        remaining -= share
    return out


def column_widths(line_length, positions, columns=None):
    """Text widths of the ``columns`` columns (default: one per position) of a table ``line_length``
    characters wide (Keras sizes them from the first positions, and rich fits them to the width)."""
    requested, current = [], 0
    for pos in positions:
        width = int(pos * line_length) if pos <= 1 else int(pos)
        width -= current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        requested.append(width)
        current += width
    requested = requested[:columns]
    padded = [w + 2 for w in requested]
    available = line_length - (len(requested) + 1)
    if sum(padded) > available:
        padded = _ratio_reduce(sum(padded) - available, padded)
    elif sum(padded) < available:
        padded = [w + extra for w, extra in zip(padded, _ratio_distribute(available - sum(padded), padded))]
    return [w - 2 for w in padded]


def _cells(text, width, align):
    lines = []
    for part in str(text).split("\n"):
        wrapped = textwrap.wrap(part, width, break_long_words=False, break_on_hyphens=False) or [""]
        # rich's default overflow: a word longer than the column is cut with an ellipsis
        lines += [w if len(w) <= width else w[:width - 1] + "…" for w in wrapped]
    pad = {"left": str.ljust, "right": str.rjust, "center": str.center}[align]
    return [pad(line, width) for line in lines]


def _row(fields, widths, aligns, bar="│"):
    cells = [_cells(f, w, a) for f, w, a in zip(fields, widths, aligns)]
    height = max(len(c) for c in cells)
    if bar == "┃":  # rich sets header cells at the bottom of a header row that wraps
        cells = [[" " * w] * (height - len(c)) + c for c, w in zip(cells, widths)]
    lines = []
    for i in range(height):
        parts = [c[i] if i < len(c) else " " * w for c, w in zip(cells, widths)]
        lines.append(bar + bar.join(f" {p} " for p in parts) + bar)
    return lines


def _rule(widths, left, mid, right, fill):
    return left + mid.join(fill * (w + 2) for w in widths) + right


def _shape_text(layer):
    try:
        shape = layer.output_shape
    except AttributeError:
        return "?"
    if isinstance(shape, dict):  # a dict-output model: its shapes in flattened (sorted key) order
        shape = [shape[k] for k in sorted(shape)]
    if isinstance(shape, tuple) and any(isinstance(s, (tuple, list, dict)) for s in shape):
        shape = _flat_shapes(shape)  # several outputs (an RNN's return_state): Keras lists its node's
    if isinstance(shape, list):  # flat output tensors, "[(None, 64), (None, 64)]"
        return "[" + ", ".join(_tuple_text(s) for s in shape) + "]"
    return _tuple_text(shape)


def _flat_shapes(structure):
    """The shapes in a nested tuple/list/dict of output shapes, in Keras' flattened order."""
    if isinstance(structure, dict):
        return [s for k in sorted(structure) for s in _flat_shapes(structure[k])]
    if isinstance(structure, (tuple, list)) and any(isinstance(s, (tuple, list, dict)) for s in structure):
        return [s for part in structure for s in _flat_shapes(part)]
    return [structure]


def _type_text(layer):
    """Keras' class label: ``Functional`` for a model built from inputs and outputs."""
    from minidl.keras.models.model import Model
    if type(layer) is Model and layer._graph is not None:
        return "Functional"
    return getattr(layer, "_keras_class_name", None) or type(layer).__name__


def _tuple_text(shape):
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _params_text(layer):
    if not layer.built:
        return "0 (unbuilt)"
    return f"{layer.count_params():,}"


def _connections(layer, model):
    out = []
    for node in model._graph[2] if model._graph else []:
        if node._layer is layer and getattr(node, "_output_index", None) is None and node._mask_source is None:
            out += [f"{p._layer.name}[{p._node_index}][{getattr(p, '_output_index', None) or 0}]"
                    for p in node._parents]
    return ", ".join(out) or "-"


def _count(weights):
    return int(sum(int(np.prod(w.shape)) for w in weights))


def layer_range_bounds(layers, layer_range=None):
    """Keras' ``[first, last + 1]`` indices of the layers whose names ``re.match`` the two patterns of
    ``layer_range`` (both ends included; all layers for None)."""
    if layer_range is None:
        return [0, len(layers)]
    if len(layer_range) != 2:
        raise ValueError("layer_range must be a list or tuple of length 2. Received: "
                         f"layer_range = {layer_range} of length {len(layer_range)}")
    if not isinstance(layer_range[0], str) or not isinstance(layer_range[1], str):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(f"Passed layer_names do not match the layer names in the model. Received: {layer_range}")
    if min(lower) > max(upper):
        return [min(upper), max(lower) + 1]
    return [min(lower), max(upper) + 1]


def _nested_rows(layer, level, expand_nested):
    """``(layer, prefix)`` of ``layer`` and, with ``expand_nested``, of the layers of a nested model
    below it, prefixed ``"   " * level + "└ "`` as Keras does."""
    rows = [(layer, "   " * level + "└ " if level else "")]
    inner = getattr(layer, "layers", None) if expand_nested else None
    if inner:
        for sub in inner:
            rows += _nested_rows(sub, level + 1, expand_nested)
    return rows


def _sequential_like(model) -> bool:
    """Keras' test for the 3-column table: a functional model is sequential-like when each depth of its
    graph (counted from the outputs) holds one node, no node takes several tensors and no layer is
    called twice."""
    if model._graph is None:
        return True
    _, outs, nodes = model._graph[:3]
    depth, calls = {}, {}
    for tensor in outs:
        depth[id(tensor)] = 0
    tensors = {id(t): t for t in outs}
    for node in reversed(nodes):
        passthrough = getattr(node, "_output_index", None) is not None \
            or getattr(node, "_mask_source", None) is not None
        if not passthrough:
            if len(node._parents) > 1:
                return False
            calls[id(node._layer)] = calls.get(id(node._layer), 0) + 1
            if calls[id(node._layer)] > 1:
                return False
        for parent in node._parents:
            tensors[id(parent)] = parent
            depth[id(parent)] = max(depth.get(id(parent), 0), depth.get(id(node), 0) + (0 if passthrough else 1))
    per_depth = {}
    for key, d in depth.items():
        node = tensors[key]
        if getattr(node, "_output_index", None) is None and getattr(node, "_mask_source", None) is None:
            per_depth[d] = per_depth.get(d, 0) + 1
    return all(count == 1 for count in per_depth.values())


def print_summary(model, line_length=None, positions=None, print_fn=None, show_trainable=False,
                  layer_range=None, expand_nested=False):
    """Print (or pass to ``print_fn``) Keras' summary table of ``model`` (with ``expand_nested``, the
    layers of nested models below theirs, indented with ``└``)."""
    layers = list(model.layers)
    dag = not _sequential_like(model)
    if dag:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header, aligns = ["Layer (type)", "Output Shape", "Param #", "Connected to"], \
            ["left", "left", "right", "left"]
    else:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        header, aligns = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        aligns.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    widths = column_widths(line_length or default_length, positions, len(header))
    first, last = layer_range_bounds(layers, layer_range)
    rows = [row for layer in layers[first:last] for row in _nested_rows(layer, 0, expand_nested)]

    lines = [f'Model: "{model.name}"', _rule(widths, "┏", "┳", "┓", "━")]
    lines += _row(header, widths, ["center" if a == "center" else a for a in aligns], "┃")
    lines.append(_rule(widths, "┡", "╇", "┩", "━"))
    for i, (layer, prefix) in enumerate(rows):
        fields = [f"{prefix}{layer.name} ({_type_text(layer)})", _shape_text(layer), _params_text(layer)]
        if dag:  # (a nested model's own layers connect inside it: "-", as Keras prints them)
            fields.append("-" if isinstance(layer, InputLayer) or prefix else _connections(layer, model))
        if show_trainable:
            fields.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        lines += _row(fields, widths, aligns)
        if i < len(rows) - 1:
            lines.append(_rule(widths, "├", "┼", "┤", "─"))
    lines.append(_rule(widths, "└", "┴", "┘", "─"))
    trainable = _count(model.trainable_weights) if model.built else 0
    frozen = _count(model.non_trainable_weights) if model.built else 0
    opt = model.optimizer if getattr(model, "compiled", False) else None
    opt_count = opt.count_params() if opt is not None and opt.built else 0
    total = trainable + frozen + opt_count
    lines.append(f" Total params: {total:,} ({readable_memory_size(total * 4)})")
    lines.append(f" Trainable params: {trainable:,} ({readable_memory_size(trainable * 4)})")
    lines.append(f" Non-trainable params: {frozen:,} ({readable_memory_size(frozen * 4)})")
    if opt is not None and opt.built:
        lines.append(f" Optimizer params: {opt_count:,} ({readable_memory_size(opt_count * 4)})")
    # rich's console (as wide as the terminal, 80 columns when there is none) crops a wider table's lines
    console_width = shutil.get_terminal_size().columns
    text = "\n".join(line[:console_width] for line in lines)
    if print_fn is not None:
        print_fn(text + "\n")
    else:
        print(text, flush=True)
