"""``default_collate`` and ``default_convert``: PyTorch's rules for turning samples into batches.

``default_collate(batch)``, with ``batch`` a list of samples of one kind:

=====================================  ==================================================
element type                           result
=====================================  ==================================================
Tensor (same shapes)                   one Tensor, stacked on a new first dimension
NumPy array (not str/object)           stacked into one Tensor
NumPy scalar                           a 1-D Tensor of its dtype
``float`` / ``int`` / ``bool``         float64 / int64 / bool 1-D Tensor
``str`` / ``bytes``                    the list itself
dict (Mapping)                         a dict of the same keys, each value collated
namedtuple                             the same namedtuple, each field collated
tuple / list                           a **list** of the collated positions (lists keep
                                       their type), all samples of equal length
=====================================  ==================================================

Anything else (None, a PIL image, an object array) raises a ``TypeError``
saying what was found, as PyTorch does.
"""
from __future__ import annotations

import collections.abc
import numbers

import numpy as np

from ...tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _array_ok(a) -> bool:
    return a.dtype.kind not in "OSUV"


def _stack_arrays(arrays, what):
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise RuntimeError(f"default_collate: stack expects each {what} to be equal size, "
                           f"but got shapes {sorted(shapes)}")
    return np.stack(arrays)


def default_collate(batch):
    """Collate a list of samples into a batch of Tensors (see the module docstring).

    >>> import numpy as np
    >>> x, y = default_collate([(np.zeros(2, np.float32), 1), (np.ones(2, np.float32), 0)])
    >>> x.shape, y.dtype.name, y.tolist()
    (minidl.Size([2, 2]), 'int64', [1, 0])
    """
    if not isinstance(batch, (list, tuple)) or not batch:
        raise TypeError(f"default_collate expects a non-empty list of samples, got {batch!r}")
    elem = batch[0]
    if isinstance(elem, Tensor):
        arrays = [b.array for b in batch]
        xp = elem.xp
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, "
                               f"but got shapes {sorted(shapes)}")
        return Tensor(xp.stack(arrays))
    if isinstance(elem, np.ndarray):
        if not _array_ok(elem):
            raise TypeError(_ERR.format(elem.dtype))
        return Tensor(_stack_arrays([np.asarray(b) for b in batch], "array"))
    if isinstance(elem, np.generic):
        if not _array_ok(np.asarray(elem)):
            raise TypeError(_ERR.format(elem.dtype))
        return Tensor(np.array(batch))
    if isinstance(elem, bool):
        return Tensor(np.array(batch, dtype=np.bool_))
    if isinstance(elem, float):
        return Tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, numbers.Integral):
        if any(isinstance(b, float) for b in batch):   # torch.tensor(batch): a float among ints gives float32
            return Tensor(np.array(batch, dtype=np.float32))
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return batch   # as it came (a tuple when transposed out of tuple samples), as PyTorch's
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(s) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return columns
        try:
            return type(elem)(columns)
        except TypeError:
            return columns
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data):
    """Without batching (``batch_size=None``): NumPy arrays and scalars become Tensors,
    containers are converted element-wise, anything else is left as it is."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return Tensor(data) if _array_ok(data) else data
    if isinstance(data, np.generic):
        return Tensor(np.asarray(data)) if _array_ok(np.asarray(data)) else data
    if isinstance(data, collections.abc.Mapping):
        converted = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
