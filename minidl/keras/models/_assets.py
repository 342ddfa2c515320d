"""The ``assets/`` folder of Keras' ``.keras`` archives: adapted vocabularies.

Keras writes an adapted ``StringLookup`` / ``IntegerLookup`` / ``TextVectorization`` vocabulary
(one token a line, special tokens first) to ``assets/<layer path>/vocabulary.txt``, the layer
path being the weight file's (``layers/text_vectorization``, ``layers/functional/layers/...``).
minidl writes the vocabulary into the layer's config instead, so this is only read, for files
that Keras wrote.
"""
from __future__ import annotations

__all__ = ["load_assets"]


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
