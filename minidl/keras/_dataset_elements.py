"""The elements of a :class:`minidl.keras.dataset.Dataset`: how they are held, batched, split and handed out.

Inside a pipeline an element is a NumPy structure: an array (or NumPy scalar), a tuple of them or a
dict of them, nested. Strings are held as tf.data holds them, as ``bytes``: a string array is an
``object`` array of ``bytes`` (``str`` values are UTF-8 encoded on the way in). Python numbers and lists
follow ``tf.convert_to_tensor``: floats become float32, ints int32 (NumPy arrays keep their dtype).

Handed to the user (iteration, ``map``/``filter`` functions) a numeric part is a minidl ``Tensor`` and a
string part an :class:`EagerArray` (an ``ndarray`` answering ``.numpy()``, as an eager TF string tensor).
"""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.tensor import Tensor

__all__ = ["EagerArray", "TensorSpec", "to_numpy", "input_to_numpy", "structure", "leaves", "stack", "split",
           "to_user", "spec_of"]


class EagerArray(np.ndarray):
    """A NumPy array that also answers ``.numpy()`` (what code written for ``tf.data`` calls on an element)."""

    def numpy(self):
        """The values as a plain NumPy array; a 0-d array gives its value (``bytes`` for a string), as TF."""
        plain = np.asarray(self).view(np.ndarray)
        return plain[()] if plain.ndim == 0 else plain


class TensorSpec:
    """The shape and dtype of one part of a dataset's elements (``tf.TensorSpec``): ``shape`` is a tuple
    whose ``None`` entries are sizes that vary (the batch axis of a batched dataset); ``dtype`` a dtype
    name (``"float32"``, ``"int64"``, ``"string"``...)."""

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = str(dtype)
        self.name = name

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and (self.shape, self.dtype, self.name) == \
            (other.shape, other.dtype, other.name)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype}, name={self.name})"


def _encode(value):
    return value.encode("utf-8") if isinstance(value, str) else value


def _string_array(values, shape):
    out = np.empty(len(values), dtype=object)
    out[:] = [_encode(v) for v in values]
    return out.reshape(shape)


def _is_python_data(value) -> bool:
    return isinstance(value, (int, float, bool, list)) and not isinstance(value, np.generic)


def to_numpy(value):
    """One element part as NumPy (Tensors, CuPy arrays, numbers, strings, lists; see the module docstring)."""
    if isinstance(value, Tensor):
        return backend.to_numpy(value.array)
    if backend.is_device_array(value):
        return backend.to_numpy(value)
    if isinstance(value, (str, bytes)):
        return _encode(value)
    array = np.asarray(value)
    if array.dtype.kind in "US" or (array.dtype.kind == "O" and array.size and
                                    any(isinstance(v, str) for v in array.reshape(-1)[:1])):
        return _string_array(array.reshape(-1).tolist(), array.shape)
    if _is_python_data(value) and array.dtype.kind in "fi":
        return array.astype(np.float32 if array.dtype.kind == "f" else np.int32)
    return array


def input_to_numpy(value):
    """A user's structure (``from_tensor_slices``' argument) as NumPy: tuples and dicts are structure, a list
    is one value (a list of arrays or Tensors is stacked), as ``tf.data``."""
    if isinstance(value, dict):
        return {k: input_to_numpy(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(input_to_numpy(v) for v in value)
    if isinstance(value, list) and value and all(isinstance(v, Tensor) or backend.is_device_array(v) or
                                                 isinstance(v, np.ndarray) for v in value):
        return to_numpy(np.stack([to_numpy(v) for v in value]))
    return to_numpy(value)


def structure(element, leaf):
    """``element`` with ``leaf`` applied to every part (dicts kept; tuples and lists become tuples)."""
    if isinstance(element, dict):
        return {k: structure(v, leaf) for k, v in element.items()}
    if isinstance(element, (tuple, list)):
        return tuple(structure(v, leaf) for v in element)
    return leaf(element)


def leaves(element) -> list:
    """The parts of ``element``, in order."""
    if isinstance(element, dict):
        return [x for v in element.values() for x in leaves(v)]
    if isinstance(element, (tuple, list)):
        return [x for v in element for x in leaves(v)]
    return [element]


def _stack_parts(parts):
    if isinstance(parts[0], bytes) or (isinstance(parts[0], np.ndarray) and parts[0].dtype == object):
        arrays = [np.asarray(p, dtype=object) for p in parts]
        if len({a.shape for a in arrays}) == 1:
            out = np.empty((len(arrays),) + arrays[0].shape, dtype=object)
            for i, a in enumerate(arrays):
                out[i] = a if a.ndim else a.item()
            return out
    else:
        try:
            return np.stack(parts)
        except ValueError:
            pass
    shapes = sorted({tuple(np.shape(p)) for p in parts})
    raise ValueError(f"Dataset.batch: cannot batch elements of different shapes {shapes}; resize or pad them "
                     "first (e.g. with .map)")


def stack(elements):
    """One batched element from a list of elements of the same structure."""
    first = elements[0]
    if isinstance(first, dict):
        return {k: stack([e[k] for e in elements]) for k in first}
    if isinstance(first, tuple):
        return tuple(stack([e[i] for e in elements]) for i in range(len(first)))
    return _stack_parts(elements)


def split(element):
    """The elements of a batched element, along its first axis."""
    parts = leaves(element)
    if any(np.ndim(p) == 0 for p in parts):
        raise ValueError("Dataset.unbatch: the elements must have at least one dimension to unbatch; got a "
                         "scalar part")
    n = len(parts[0])
    if any(len(p) != n for p in parts):
        raise ValueError(f"Dataset.unbatch: the parts of an element have different batch sizes "
                         f"{sorted({len(p) for p in parts})}")
    for i in range(n):
        yield structure(element, lambda a, i=i: a[i])


def _user_leaf(part):
    if isinstance(part, bytes):
        return np.array(part, dtype=object).view(EagerArray)
    array = np.asarray(part)
    if array.dtype.kind in "OSU":
        return array.view(EagerArray)
    # a copy: the pipeline's arrays (slices of the source, cached batches) must not change under the user's
    # in-place ops; (np.ascontiguousarray would turn a 0-d array into a 1-d one)
    return Tensor(array.copy())


def to_user(element):
    """``element`` as the user sees it: Tensors for numbers, :class:`EagerArray` for strings."""
    return structure(element, _user_leaf)


def _spec_leaf(part, batched):
    array = np.asarray(part, dtype=object) if isinstance(part, bytes) else np.asarray(part)
    dtype = "string" if array.dtype.kind in "OSU" else str(array.dtype)
    shape = tuple(array.shape)
    if batched and shape:
        shape = (None,) + shape[1:]
    return TensorSpec(shape, dtype)


def spec_of(element, batched):
    """The :class:`TensorSpec` structure of ``element``; ``batched``: its first axis is a varying batch."""
    return structure(element, lambda part: _spec_leaf(part, batched))
