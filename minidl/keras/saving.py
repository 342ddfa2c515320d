"""``keras.saving``: ``load_model``, ``save_model``."""
from minidl.keras.models.saving import load_model, save_model

__all__ = ["load_model", "save_model"]
