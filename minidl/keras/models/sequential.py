"""``keras.Sequential``: a plain stack of layers."""
from __future__ import annotations

from minidl.keras._naming import unique_name
from minidl.keras.layers._symbolic import call_scope, node_training
from minidl.keras.layers.base import InputLayer, KerasTensor, Layer
from minidl.keras.models.model import Model

__all__ = ["Sequential"]


class Sequential(Model):
    """A linear stack of layers, as ``keras.Sequential``.

    Its input shape comes from a leading ``keras.Input(shape)`` (or
    ``InputLayer``), from ``input_shape=`` on the first layer, or from the
    first call / ``fit``; once known, every layer is built and
    ``summary()`` shows the shapes.

    >>> from minidl.keras import Input, layers
    >>> model = Sequential([Input((4,)), layers.Dense(3), layers.Dense(2)])
    >>> model.count_params()
    23
    """

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        super().__init__(name=name or unique_name("sequential"), trainable=trainable, **kwargs)
        self._input_layer = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build()

    def add(self, layer, rebuild=True):
        """Append ``layer`` (a Layer, or a ``keras.Input`` to fix the input shape first)."""
        if isinstance(layer, KerasTensor) and isinstance(layer._layer, InputLayer):
            layer = layer._layer
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError("An InputLayer / keras.Input can only be the first element of a "
                                 "Sequential model")
            self._input_layer = layer
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Only instances of `keras.Layer` can be added to a Sequential model. "
                            f"Received: {layer} (of type {type(layer)})")
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f"All layers added to a Sequential model should have unique names. "
                             f"Name '{layer.name}' is already the name of a layer in this model. "
                             "Update the `name` argument to pass a unique name.")
        self._layers.append(layer)
        self._register(layer)
        self.built = False
        self._graph = None
        if rebuild:
            self._maybe_build()

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        for key, module in list(self._modules.items()):
            if module is layer:
                del self._modules[key]
        self.built = False
        self._graph = None
        if rebuild:
            self._maybe_build()
        return layer

    def _known_input_shape(self):
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        if self._layers and self._layers[0]._input_shape_arg is not None:
            return self._layers[0]._input_shape_arg
        first = self._layers[0] if self._layers else None
        graph = getattr(first, "_graph", None)
        if graph is not None and len(graph[0]) == 1 and len(self._layers) > 1:  # a functional model's input,
            return tuple(graph[0][0].shape)  # as Keras builds Sequential([base_model, Dense(...)])
        return None

    def _maybe_build(self):
        shape = self._known_input_shape()
        if shape is not None and self._layers:
            self.build(shape)

    def build(self, input_shape=None):
        """Build every layer for inputs of Keras-layout ``input_shape`` (batch first)."""
        if input_shape is None:
            input_shape = self._known_input_shape()
            if input_shape is None:
                raise ValueError("You must provide an `input_shape` argument.")
        input_shape = tuple(input_shape)
        if self._input_layer is None or tuple(self._input_layer.batch_shape) != input_shape:
            if self._input_layer is None:
                self._input_layer = InputLayer(batch_shape=input_shape)
            else:
                self._input_layer = InputLayer(batch_shape=input_shape,
                                               name=self._input_layer.name)
        unique_name("functional")  # Keras builds a Functional behind a Sequential: same name count
        x = self._input_layer._symbolic_output
        for layer in self._layers:
            x = layer(x)
        self._graph = ([self._input_layer._symbolic_output], [x], [], False, False)
        self._build_shape = input_shape
        self._output_shape = x.shape
        self.built = True

    @property
    def layers(self) -> list:
        """The layers (without the input layer), in order."""
        return list(self._layers)

    def _output_layer(self):
        return self._layers[-1] if self._layers else None

    def _run_masked(self, x, mask, training):
        if not self._layers:
            raise ValueError("Sequential model has no layers")
        if self._graph is not None and not isinstance(x, (list, tuple, dict)):
            from minidl.keras.models.model import _adjust_input_rank
            x = _adjust_input_rank(self, x, self._input_layer.batch_shape, 0)
        with call_scope() as context:  # fit/evaluate/predict reach here without a layer call
            context.training = training
            for layer in self._layers:
                x, mask = layer._call_masked(x, mask, node_training(layer, training))
        return x, [mask]

    def _build_from_data(self, x, size=None):
        """Build for the shape of a first batch: ``size`` rows of ``x`` (all of it for None), as Keras
        builds a Sequential without an ``Input`` on the data it is first called or fitted on."""
        if not self.built:
            shape = x[0].shape if isinstance(x, list) else x.shape
            self.build((shape[0] if size is None else min(size, shape[0]),) + tuple(shape[1:]))

    def _ensure_built(self, input_shape):
        if not self.built:
            self.build(input_shape)

    def get_config(self):
        from minidl.keras.models.saving import model_config
        return model_config(self)["config"]


