"""Keras 2's HDF5 weight files (``model.save_weights("w.h5")`` before Keras 3, and the
``keras.applications`` ImageNet files ``*_weights_tf_dim_ordering_tf_kernels*.h5``), which Keras 3
still reads through ``load_weights``.

Layout: the root's ``layer_names`` attribute lists the saved layers (split into ``layer_names0``,
``layer_names1``... when long); each layer's group has a ``weight_names`` attribute
(``"block1_conv1/kernel:0"``...) naming its datasets, in the order ``trainable_weights +
non_trainable_weights`` in Keras' layout. As Keras does, the layers that hold weights are matched
in order (or by name with ``by_name=True``).
"""
from __future__ import annotations

import os

import numpy as np

__all__ = ["is_legacy_h5", "load_legacy_weights", "write_legacy_weights"]


def _attribute_list(group, name) -> list:
    """A string-list attribute, possibly split into ``name0``, ``name1``..."""
    if name in group.attrs:
        values = list(group.attrs[name])
    else:
        values, chunk = [], 0
        while f"{name}{chunk}" in group.attrs:
            values += list(group.attrs[f"{name}{chunk}"])
            chunk += 1
    return [v.decode("utf8") if hasattr(v, "decode") else str(v) for v in values]


def is_legacy_h5(filepath) -> bool:
    """Whether ``filepath`` is a Keras 2 HDF5 weights (or whole-model) file."""
    import h5py
    path = os.fspath(filepath)
    if not path.endswith(".h5") or path.endswith(".weights.h5") or not os.path.exists(path):
        return False
    try:
        with h5py.File(path, "r") as f:
            group = f["model_weights"] if "model_weights" in f else f
            return "layer_names" in group.attrs or "layer_names0" in group.attrs
    except OSError:
        return False


def _assign(layer, values, skip_mismatch, path):
    variables = list(layer.trainable_weights) + list(layer.non_trainable_weights)
    expected = [tuple(v.shape) for v in variables]
    got = [tuple(v.shape) for v in values]
    if expected != got:
        if skip_mismatch:
            return
        raise ValueError(f"{path}: layer '{layer.name}' expects {len(expected)} weight(s) of shapes {expected}, "
                         f"the file has {len(got)} of shapes {got}")
    for var, value in zip(variables, values):
        var.assign(value)


def load_legacy_weights(model, filepath, skip_mismatch=False, by_name=False):
    """Read a Keras 2 HDF5 weights file into ``model`` (its weight-holding layers in order, or by
    layer name with ``by_name``); a count or shape mismatch raises ``ValueError`` naming the layer."""
    import h5py
    path = os.fspath(filepath)
    with h5py.File(path, "r") as f:
        group = f["model_weights"] if "model_weights" in f else f
        saved = [(name, _attribute_list(group[name], "weight_names")) for name in _attribute_list(group, "layer_names")]
        saved = [(name, [np.asarray(group[name][w]) for w in weight_names]) for name, weight_names in saved
                 if weight_names]
    layers = [layer for layer in model.layers if layer.weights]
    if by_name:
        by_layer = {layer.name: layer for layer in layers}
        for name, values in saved:
            if name in by_layer:
                _assign(by_layer[name], values, skip_mismatch, path)
        return
    if len(saved) != len(layers):
        raise ValueError(f"{path}: layer count mismatch when loading weights: the model has {len(layers)} layers "
                         f"with weights, the file has {len(saved)} ({[n for n, _ in saved][:5]}...)")
    for layer, (_, values) in zip(layers, saved):
        _assign(layer, values, skip_mismatch, path)


def write_legacy_weights(model, filepath):
    """Write ``model``'s weights in the Keras 2 HDF5 layout (for tests and for tools that read it)."""
    import h5py
    with h5py.File(os.fspath(filepath), "w") as f:
        names = [layer.name for layer in model.layers]
        f.attrs["layer_names"] = [n.encode("utf8") for n in names]
        f.attrs["backend"], f.attrs["keras_version"] = b"minidl", b"2.x-compatible"
        for layer in model.layers:
            g = f.create_group(layer.name)
            variables = list(layer.trainable_weights) + list(layer.non_trainable_weights)
            weight_names = [f"{layer.name}/{getattr(v, 'name', f'weight_{i}')}:0" for i, v in enumerate(variables)]
            g.attrs["weight_names"] = [w.encode("utf8") for w in weight_names]
            for wname, var in zip(weight_names, variables):
                g.create_dataset(wname, data=np.asarray(var.numpy()))
