"""Keras' saving hooks of ``Layer`` (``save_own_variables``/``load_own_variables``,
``get_build_config``/``build_from_config``, ``save_assets``/``load_assets``), mixed into
:class:`~minidl.keras.layers.base.Layer`; a user layer overrides them to control what ``model.save`` /
``keras.models.load_model`` store and restore (see ``minidl/keras/models/saving_weights.py`` and
``_assets.py``)."""
from __future__ import annotations

__all__ = ["SavingHooksMixin"]


class SavingHooksMixin:
    """Keras' default saving hooks."""

    def save_own_variables(self, store):
        """Keras' hook of ``model.save``/``save_weights``: put this layer's own weights in the dict-like
        ``store`` (``"0"``, ``"1"``, ... in :attr:`weights` order); override to save more state."""
        for i, var in enumerate(self._own_weights()):
            store[str(i)] = var.numpy()

    def load_own_variables(self, store):
        """Keras' hook of ``load_model``/``load_weights``: assign this layer's own weights from ``store``."""
        own = self._own_weights()
        if len(store) != len(own):
            raise ValueError(f"Layer '{self.name}' expected {len(own)} variables, but received {len(store)} "
                             "variables during loading.")
        for i, var in enumerate(own):
            var.assign(store[str(i)])

    def get_build_config(self):
        """Keras' ``{"input_shape": shape}`` the layer was built for (None before it is built)."""
        if not self.built or self._build_shape is None:
            return None
        return {"input_shape": self._build_shape}

    def build_from_config(self, config):
        """Keras' hook of ``load_model``: build from :meth:`get_build_config`'s dict."""
        if config and config.get("input_shape") is not None and not self.built:
            shape = config["input_shape"]
            self._ensure_built([tuple(s) for s in shape] if shape and isinstance(shape[0], (list, tuple))
                               else tuple(shape))
        self.built = True

    def save_assets(self, inner_path):
        """Keras' hook of ``model.save``: write extra files into the folder ``inner_path`` (none here)."""

    def load_assets(self, inner_path):
        """Keras' hook of ``load_model``: read the files :meth:`save_assets` wrote (none here)."""
