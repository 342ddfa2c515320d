"""``keras.saving``: ``load_model``, ``save_model``."""
from minidl.keras.models.saving import load_model, save_model

__all__ = ["load_model", "save_model"]

# Keras 3's registry and (de)serialization names, and the weight-file functions (model first).
from minidl.keras._registry import (  # noqa: E402
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from minidl.keras.models.saving import save_weights  # noqa: E402
from minidl.keras.serialization import deserialize_keras_object, serialize_keras_object  # noqa: E402

__all__ += ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
            "get_registered_object", "register_keras_serializable", "serialize_keras_object",
            "deserialize_keras_object", "save_weights", "load_weights"]


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """``model.load_weights(filepath, skip_mismatch)``: a ``.weights.h5``, ``.keras`` or Keras 2 ``.h5`` file."""
    return model.load_weights(filepath, skip_mismatch=skip_mismatch, **kwargs)


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):  # noqa: F811  (Keras' signature)
    """``model.save(filepath, overwrite)``: architecture, weights, compile arguments and optimiser
    state in a zipped ``.keras`` file (``zipped=False``, Keras' unzipped folder, raises)."""
    model.save(filepath, overwrite=overwrite, zipped=zipped, **kwargs)
