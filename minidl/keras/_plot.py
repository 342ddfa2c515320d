"""``keras.utils.plot_model`` / ``model_to_dot``: a model's layer graph drawn with pydot and graphviz.

As in Keras, both are optional: without ``pydot`` (or without graphviz's ``dot`` program)
``plot_model`` raises Keras' ``ImportError`` (in a notebook it prints the message and returns None).
"""
from __future__ import annotations

import os
import sys

__all__ = ["plot_model", "model_to_dot"]


def _pydot():
    try:
        import pydot
    except ImportError:
        return None
    return pydot


def _has_graphviz(pydot) -> bool:
    try:
        pydot.Dot.create(pydot.Dot())
        return True
    except (OSError, getattr(pydot, "PydotException", OSError)):
        return False


def _missing(message):
    if "IPython.core.magics.namespace" in sys.modules:  # don't break notebooks, as Keras
        print(message)
        return None
    raise ImportError(message)


def _shape_text(shape):
    if isinstance(shape, dict):
        return ", ".join(f"{k}: {_shape_text(v)}" for k, v in shape.items())
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return str(tuple(shape)) if shape is not None else "?"


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable):
    title = f"{layer.name} ({type(layer).__name__})" if show_layer_names else type(layer).__name__
    rows = [title]
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        act = layer.activation
        rows.append(f"Activation: {getattr(act, '__name__', act)}")
    if show_dtype:
        rows.append(f"dtype: {layer.dtype}")
    if show_shapes:
        inp = getattr(layer, "_build_shape", None)
        out = getattr(layer, "_output_shape", None)
        rows.append(f"Input shape: {_shape_text(inp)}")
        rows.append(f"Output shape: {_shape_text(out)}")
    if show_trainable:
        rows.append(f"Trainable: {'T' if layer.trainable else 'F'}")
    return "{" + "|".join(r.replace("{", "\\{").replace("}", "\\}").replace("|", "\\|")
                          .replace("<", "\\<").replace(">", "\\>") for r in rows) + "}"


def _graph_layers_and_edges(model):
    """``(layers, [(source layer, target layer)])`` of a functional or Sequential model."""
    from minidl.keras.models.sequential import Sequential
    if isinstance(model, Sequential):
        chain = ([model._input_layer] if model._input_layer is not None else []) + list(model.layers)
        return chain, list(zip(chain, chain[1:]))
    graph = model._graph
    if graph is None:  # a subclassed model: its layers, unconnected
        return list(model.layers), []
    edges = []
    for node in graph[2]:
        if node._mask_source is not None or getattr(node, "_output_index", None) is not None:
            continue
        for parent in node._parents:
            source = parent._parents[0]._layer if getattr(parent, "_output_index", None) is not None else parent._layer
            if (source, node._layer) not in edges:
                edges.append((source, node._layer))
    return list(model.layers), edges


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, **kwargs):
    """A ``pydot.Dot`` graph with one record node per layer and an edge per connection."""
    pydot = _pydot()
    if pydot is None:
        raise ImportError("You must install pydot (`pip install pydot`) for `model_to_dot` to work.")
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling `build()` or "
                         "by calling the model on a batch of data.")
    dot = pydot.Cluster(style="dashed", graph_name=model.name) if subgraph else pydot.Dot()
    dot.set("rankdir", rankdir)
    dot.set("concentrate", True)
    dot.set("dpi", dpi)
    dot.set_node_defaults(shape="record")
    if kwargs.get("splines") is not None:
        dot.set("splines", kwargs["splines"])
    layers, edges = _graph_layers_and_edges(model)
    for layer in layers:
        dot.add_node(pydot.Node(str(id(layer)), label=_label(layer, show_shapes, show_dtype, show_layer_names,
                                                            show_layer_activations, show_trainable)))
    for source, target in edges:
        dot.add_edge(pydot.Edge(str(id(source)), str(id(target))))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False,
               splines="ortho", **kwargs):
    """Draw ``model``'s layer graph into ``to_file`` (format from its extension: png, svg, pdf, ...)
    with pydot and graphviz; returns an IPython ``Image`` of a png/jpeg/gif when IPython is there
    (else None)."""
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling `build()` or "
                         "by calling the model on a batch of data.")
    pydot = _pydot()
    if pydot is None:
        return _missing("You must install pydot (`pip install pydot`) for `plot_model` to work.")
    if not _has_graphviz(pydot):
        return _missing("You must install graphviz (see instructions at https://graphviz.gitlab.io/download/) "
                        "for `plot_model` to work.")
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi, splines=splines,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    if extension in ("png", "jpg", "jpeg", "gif"):  # formats a notebook Image can embed
        try:
            from IPython import display
            return display.Image(filename=to_file)
        except ImportError:
            pass
    return None
