"""``model.summary()``: Keras 3's table, drawn with the same box characters and column rule.

Columns take ``positions`` (default [0.45, 0.80, 1.0] for sequential-like
models, plus "Connected to" for DAGs) of ``line_length`` (default
``min(88, terminal columns - 4)``); when padding and borders do not fit, each
column gives up an equal share, as the ``rich`` table Keras uses does.
"""
from __future__ import annotations

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


def column_widths(line_length, positions):
    """Text widths of the columns of a table ``line_length`` characters wide."""
    requested, current = [], 0
    for pos in positions:
        width = int(pos * line_length) if pos <= 1 else int(pos)
        width -= current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        requested.append(width)
        current += width
    padded = [w + 2 for w in requested]
    available = line_length - (len(requested) + 1)
    if sum(padded) > available:
        padded = _ratio_reduce(sum(padded) - available, padded)
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
    if isinstance(shape, list):
        return "[" + ", ".join(_tuple_text(s) for s in shape) + "]"
    return _tuple_text(shape)


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


def print_summary(model, line_length=None, positions=None, print_fn=None, show_trainable=False,
                  layer_range=None):
    """Print (or pass to ``print_fn``) Keras' summary table of ``model``."""
    layers = list(model.layers)
    dag = model._graph is not None and any(len(n._parents) > 1 for n in model._graph[2])
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
    widths = column_widths(line_length or default_length, positions)
    if layer_range is not None:
        names = [layer.name for layer in layers]
        layers = layers[names.index(layer_range[0]):names.index(layer_range[1]) + 1]

    lines = [f'Model: "{model.name}"', _rule(widths, "┏", "┳", "┓", "━")]
    lines += _row(header, widths, ["center" if a == "center" else a for a in aligns], "┃")
    lines.append(_rule(widths, "┡", "╇", "┩", "━"))
    for i, layer in enumerate(layers):
        fields = [f"{layer.name} ({_type_text(layer)})", _shape_text(layer), _params_text(layer)]
        if dag:
            fields.append("-" if isinstance(layer, InputLayer) else _connections(layer, model))
        if show_trainable:
            fields.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        lines += _row(fields, widths, aligns)
        if i < len(layers) - 1:
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
    text = "\n".join(lines)
    if print_fn is not None:
        print_fn(text + "\n")
    else:
        print(text, flush=True)
