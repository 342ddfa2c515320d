"""Saving a :class:`~minidl.keras.feature_space.FeatureSpace` to a ``.keras`` file and reading it back.

The file is the one ``model.save`` writes: ``config.json`` (Keras' entry for the FeatureSpace: module
``keras.utils``, its ``get_config()`` with every preprocessor's config, which holds adapted vocabularies
and bin boundaries, and its ``build_config``), ``metadata.json`` and ``model.weights.h5`` with the
preprocessors' weights (``Normalization``'s adapted mean and variance) under ``layers/<layer key>/vars``.
``keras.models.load_model`` rebuilds it with :func:`feature_space_from_config` and reads the weights in.
"""
from __future__ import annotations

import contextlib
import datetime
import json
import os
import zipfile

__all__ = ["save_feature_space", "feature_space_from_config"]


def save_feature_space(feature_space, filepath, overwrite=True):
    """Write ``feature_space`` to ``filepath`` (a ``.keras`` path; temp file then rename, the user's umask)."""
    import h5py

    from minidl.keras.models.saving import KERAS_VERSION, _json_value
    from minidl.keras.models.saving_weights import _atomic, _weight_keys, _write_layer_weights
    path = os.fspath(filepath)
    if not path.endswith(".keras"):
        raise ValueError(f"Invalid filepath extension for saving. Please add a `.keras` extension for the native "
                         f"Keras format. Received: filepath={path}.")
    entry = {"module": "keras.utils", "class_name": "FeatureSpace", "config": _json_value(feature_space.get_config()),
             "registered_name": None, "build_config": _json_value(feature_space.get_build_config())}
    metadata = {"keras_version": KERAS_VERSION, "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    with _atomic(path, overwrite) as tmp:
        weights_tmp = tmp + ".weights.h5"
        try:
            with h5py.File(weights_tmp, "w", track_order=True) as f:
                group = f.create_group("layers", track_order=True)
                layers = feature_space.layers
                for key, layer in zip(_weight_keys(layers), layers):
                    _write_layer_weights(group.create_group(key), layer)
                f.create_group("vars").attrs["name"] = feature_space.name
            with zipfile.ZipFile(tmp, "w") as z:
                z.writestr("metadata.json", json.dumps(metadata))
                z.writestr("config.json", json.dumps(entry))
                z.write(weights_tmp, "model.weights.h5")
        finally:
            with contextlib.suppress(OSError):
                os.remove(weights_tmp)


def feature_space_from_config(entry):
    """A FeatureSpace from its saved entry, its preprocessors built so that the weights file can be read in."""
    from minidl.keras.feature_space import FeatureSpace
    feature_space = FeatureSpace.from_config(entry["config"])
    feature_space.build_from_config(entry.get("build_config"))
    return feature_space
