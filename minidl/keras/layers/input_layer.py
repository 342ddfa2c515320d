"""``InputLayer`` and ``Input``: the symbolic entry points of a functional or Sequential Keras model."""
from __future__ import annotations

from minidl.keras._naming import unique_name
from minidl.keras.layers._symbolic import KerasTensor
from minidl.keras.layers.base import Layer, standardize_shape

__all__ = ["InputLayer", "Input"]


class InputLayer(Layer):
    """The layer behind :func:`Input`; holds the Keras shape (batch first)."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, name=None, input_shape=None, ragged=None, optional=False, **kwargs):
        for arg, value in (("ragged", ragged), ("optional", optional)):
            if value:
                raise NotImplementedError(f"InputLayer: {arg}={value!r} is not supported by minidl.keras")
        if shape is None and input_shape is not None:
            shape = input_shape
        if batch_shape is None and shape is not None:
            batch_shape = (batch_size,) + standardize_shape(shape)
        if input_tensor is not None:   # Keras': the layer adopts an existing symbolic tensor as its output
            if not isinstance(input_tensor, KerasTensor):
                raise ValueError("Argument `input_tensor` must be a KerasTensor. Received invalid type: "
                                 f"input_tensor={input_tensor} (of type {type(input_tensor)})")
            if batch_shape is not None and standardize_shape(batch_shape) != tuple(input_tensor.shape):
                raise ValueError("When providing the `input_tensor` argument, you cannot provide an incompatible "
                                 "`batch_shape` argument.")
            batch_shape, dtype = tuple(input_tensor.shape), input_tensor.dtype
        if batch_shape is None:
            raise ValueError("You must pass a `shape` argument to InputLayer/Input.")
        super().__init__(name=name or unique_name("input_layer"), dtype=dtype, **kwargs)
        self.batch_shape = standardize_shape(batch_shape)
        self.sparse = bool(sparse)  # (inputs are dense arrays in minidl; the flag is kept for the config)
        self.built = True
        self._build_shape = self._output_shape = self.batch_shape
        if input_tensor is not None:
            input_tensor._layer, input_tensor._parents, input_tensor._node_index = self, (), 0
            self._symbolic_output = input_tensor
        else:
            self._symbolic_output = KerasTensor(self.batch_shape, dtype=self.dtype, layer=self, name=self.name)
        self._symbolic_output._list_input = False

    def _forward(self, x, training=False):
        return x

    def get_config(self):
        return {"batch_shape": self.batch_shape, "dtype": self.dtype, "sparse": self.sparse, "ragged": False,
                "name": self.name, "optional": False}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """A symbolic input of per-sample ``shape`` (channels-last), as ``keras.Input``.

    >>> x = Input(shape=(28, 28, 1))
    >>> x.shape
    (None, 28, 28, 1)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape,
                       name=name, input_tensor=tensor, optional=optional)
    return layer._symbolic_output
