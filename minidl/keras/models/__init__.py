"""``keras.models``: ``Sequential``, ``Model``, ``load_model``, ``model_from_json``, ``clone_model``."""
from minidl.keras.models.cloning import clone_model
from minidl.keras.models.model import Functional, Model
from minidl.keras.models.saving import load_model, model_from_config
from minidl.keras.models.sequential import Sequential

__all__ = ["Sequential", "Model", "Functional", "load_model", "model_from_json", "model_from_config",
           "clone_model"]


def model_from_json(json_string, custom_objects=None):
    """A new (unweighted) model from ``model.to_json()``."""
    import json
    return model_from_config(json.loads(json_string), custom_objects)


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Keras' ``keras.models.save_model``: ``model.save(filepath)`` (a zipped ``.keras`` file)."""
    model.save(filepath, overwrite=overwrite, zipped=zipped, **kwargs)


__all__ += ["save_model"]
