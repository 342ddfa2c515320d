"""The ``assets/`` folder of Keras' ``.keras`` archives: adapted vocabularies.

Keras writes an adapted ``StringLookup`` / ``IntegerLookup`` / ``TextVectorization`` vocabulary
(one token a line, special tokens first) to ``assets/<layer path>/vocabulary.txt``, the layer
path being the weight file's (``layers/text_vectorization``, ``layers/functional/layers/...``).
minidl writes the vocabulary into the layer's config instead, so this is only read, for files
that Keras wrote.

A layer that overrides Keras' ``save_assets(inner_path)`` / ``load_assets(inner_path)`` hooks writes
and reads its own files in a folder that becomes ``assets/<layer path>/`` in the archive, as Keras.
"""
from __future__ import annotations

import os
import tempfile

__all__ = ["load_assets", "save_layer_assets", "load_layer_assets"]


def _hooked_layers(model, hook, prefix="layers"):
    """``[(archive path, layer)]`` of the layers of ``model`` (nested models followed) whose class
    overrides ``hook``."""
    from minidl.keras.layers.base import Layer
    from minidl.keras.models.model import Model
    from minidl.keras.models.saving_weights import _weight_keys
    out = []
    for key, layer in zip(_weight_keys(model.layers), model.layers):
        path = f"{prefix}/{key}"
        if isinstance(layer, Model):
            out += _hooked_layers(layer, hook, f"{path}/layers")
        elif getattr(type(layer), hook, None) is not getattr(Layer, hook):
            out.append((path, layer))
    return out


def save_layer_assets(model, archive):
    """Run each overridden ``save_assets`` in a fresh folder and add its files to the zip ``archive``."""
    for path, layer in _hooked_layers(model, "save_assets"):
        with tempfile.TemporaryDirectory() as folder:
            layer.save_assets(folder)
            for root, _, names in os.walk(folder):
                for name in names:
                    full = os.path.join(root, name)
                    archive.write(full, f"assets/{path}/{os.path.relpath(full, folder)}")


def load_layer_assets(model, files):
    """Run each overridden ``load_assets`` on a folder holding its files from ``files`` (archive name ->
    bytes)."""
    for path, layer in _hooked_layers(model, "load_assets"):
        prefix = f"assets/{path}/"
        with tempfile.TemporaryDirectory() as folder:
            for name, content in files.items():
                if name.startswith(prefix) and not name.endswith("/"):
                    target = os.path.join(folder, name[len(prefix):])
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with open(target, "wb") as f:
                        f.write(content)
            layer.load_assets(folder)


def load_assets(model, files, prefix="layers"):
    """Give each layer of ``model`` that takes a vocabulary asset the one in ``files`` (archive
    name -> bytes) under its path; nested models are followed."""
    from minidl.keras.models.model import Model
    from minidl.keras.models.saving_weights import _weight_keys
    for key, layer in zip(_weight_keys(model.layers), model.layers):
        path = f"{prefix}/{key}"
        if isinstance(layer, Model):
            load_assets(layer, files, f"{path}/layers")
            continue
        content = files.get(f"assets/{path}/vocabulary.txt")
        if content is not None and hasattr(layer, "load_vocabulary_asset"):
            layer.load_vocabulary_asset(content.decode("utf-8").splitlines())
