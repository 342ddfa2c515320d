"""Shared pieces of the categorical / text preprocessing layers.

These layers run on data (often strings) rather than on differentiable
Tensors, as Keras' ``TFDataLayer`` s do: :class:`DataLayer` takes Python
lists, NumPy arrays (strings, bytes, numbers) and Tensors, computes in NumPy
and returns a Tensor (``int64`` indices, ``float32`` encodings; a text Tensor
for ``invert=True`` lookups). :func:`encode_categorical` is Keras'
``encode_categorical_inputs`` (one-hot / multi-hot / count over the last axis).
"""
from __future__ import annotations

import numpy as np

from minidl.keras._tensor import numpy_of
from minidl.keras.layers.base import KerasTensor, Layer
from minidl.tensor import Tensor

__all__ = ["DataLayer", "encode_categorical", "as_text_array", "is_text", "OUTPUT_MODES"]

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def is_text(array) -> bool:
    """True for NumPy arrays of ``str`` / ``bytes`` / Python objects (strings)."""
    return isinstance(array, np.ndarray) and array.dtype.kind in "USO"


def as_text_array(data, encoding="utf-8", what="inputs") -> np.ndarray:
    """``data`` (a string, a nested list of strings, a bytes/str/object array or a text Tensor)
    as a NumPy ``str`` array; bytes are decoded with ``encoding``."""
    array = numpy_of(data) if isinstance(data, Tensor) else np.asarray(data, dtype=object)
    if array.dtype.kind == "U":
        return array
    if array.dtype.kind == "S":
        return np.char.decode(array, encoding)
    flat = [v.decode(encoding) if isinstance(v, bytes) else v for v in array.reshape(-1).tolist()]
    if not all(isinstance(v, str) for v in flat):
        bad = next(v for v in flat if not isinstance(v, str))
        raise ValueError(f"{what}: expected strings, got a value {bad!r} of type {type(bad).__name__}")
    return np.array(flat, dtype=str).reshape(array.shape) if flat else np.zeros(array.shape, dtype=str)


def encode_categorical(indices, output_mode, depth, dtype="float32", count_weights=None):
    """Keras' ``encode_categorical_inputs`` on integer ``indices`` (NumPy).

    ``"int"``: the indices cast to ``dtype``. ``"one_hot"``: a trailing size-1 axis is replaced by
    ``depth`` (otherwise one is appended), a scalar becomes (1, depth). ``"multi_hot"`` /
    ``"count"``: the last axis is reduced to ``depth`` bins (a 1-D input gives (depth,), a
    scalar one sample; as in Keras, a rank > 2 input has its axis 1 reduced instead); values
    outside [0, depth) are dropped, ``count_weights`` weight the counts.
    """
    indices = np.asarray(indices)
    if output_mode == "int":
        return indices.astype(dtype)
    if indices.ndim == 0:
        indices = indices.reshape(1)
        if count_weights is not None:
            count_weights = np.asarray(count_weights).reshape(1)
    valid = (indices >= 0) & (indices < depth)
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices, valid = indices[..., 0], valid[..., 0]
        out = np.zeros(indices.shape + (depth,), dtype=dtype)
        where = np.nonzero(valid)
        out[where + (indices[where],)] = 1
        return out
    if indices.ndim > 2:  # Keras reduces axis 1 (not the last one) of a rank > 2 input
        indices, valid = np.moveaxis(indices, 1, -1), np.moveaxis(valid, 1, -1)
        if count_weights is not None:
            count_weights = np.moveaxis(np.asarray(count_weights), 1, -1)
    flat = indices.reshape(-1, indices.shape[-1]) if indices.ndim > 1 else indices.reshape(1, -1)
    flat_valid = valid.reshape(flat.shape)
    weights = None if count_weights is None else np.asarray(count_weights, dtype=np.float64).reshape(flat.shape)
    out = np.zeros((flat.shape[0], depth), dtype=np.float64)
    rows, cols = np.nonzero(flat_valid)
    if output_mode == "multi_hot":
        out[rows, flat[rows, cols]] = 1
    else:
        np.add.at(out, (rows, flat[rows, cols]), 1 if weights is None else weights[rows, cols])
    shape = indices.shape[:-1] + (depth,) if indices.ndim > 1 else (depth,)
    return out.reshape(shape).astype(dtype)


def _listify(data):
    """A list/tuple call argument as one array (these layers take one input)."""
    return np.asarray(data, dtype=object) if any(isinstance(v, (str, bytes)) for v in np.ravel(
        np.asarray(data, dtype=object))) else np.asarray(data)


def _contiguous(array):
    """``array`` C-contiguous, keeping a 0-d result 0-d (``np.ascontiguousarray`` makes it 1-d)."""
    return np.require(np.asarray(array), requirements="C")


class DataLayer(Layer):
    """Base of the preprocessing layers that compute in NumPy on data (numbers or strings).

    Subclasses implement ``_compute(array)`` on a NumPy array and return a NumPy array; calls on
    ``keras.Input`` tensors (``dtype="string"`` for text) record a graph node as usual.
    """

    def __call__(self, inputs, *args, **kwargs):
        """Run on a list / array / Tensor (a list is one input, as in Keras) or a ``keras.Input``."""
        if isinstance(inputs, (list, tuple)) and not any(isinstance(v, KerasTensor) for v in inputs):
            inputs = _listify(inputs)
        if isinstance(inputs, (KerasTensor, list, tuple)):
            return super().__call__(inputs, *args, **kwargs)
        # on data: computed here, without the float32 cast of ordinary layers (ids stay exact)
        array = numpy_of(inputs) if isinstance(inputs, Tensor) else np.asarray(inputs)
        self._ensure_built(tuple(array.shape))
        return Tensor(_contiguous(self._compute(array)))

    def _forward(self, x, training=False):
        out = self._compute(numpy_of(x) if isinstance(x, Tensor) else np.asarray(x))
        return Tensor(_contiguous(out))

    def _compute(self, array):
        raise NotImplementedError

    def _call_symbolic(self, inputs, mask=None, **kwargs):
        out = super()._call_symbolic(inputs, mask=mask, **kwargs)
        out.dtype = self._symbolic_dtype()
        return out

    def _symbolic_dtype(self):
        """The dtype of the symbolic output (Keras' ``compute_output_spec``)."""
        return str(self.dtype)

    def _symbolic_mask(self, inputs, in_masks, out):
        return None  # these layers neither take nor make masks
