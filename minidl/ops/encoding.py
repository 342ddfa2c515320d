"""``one_hot``: class ids to one-hot int64 vectors (PyTorch's ``F.one_hot``)."""
from __future__ import annotations

import numpy as np

from .._errors import ArgumentTypeError, ShapeError
from ..tensor import Tensor

__all__ = ["one_hot"]


def one_hot(tensor, num_classes=-1):
    """One-hot encode integer class ids: (*) int -> (*, num_classes) int64.

    ``num_classes=-1`` uses max(tensor) + 1. Not differentiable (an index op).

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> F.one_hot(mdl.tensor([0, 2]), 3).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    t = tensor.array if isinstance(tensor, Tensor) else np.asarray(tensor)
    if t.dtype.kind not in "iu":
        raise ArgumentTypeError(f"one_hot is only applicable to index tensor (integer dtype), got dtype {t.dtype}")
    from ..backend import get_array_module
    xp = get_array_module(t)
    num_classes = int(num_classes)
    if num_classes == -1:
        if t.size == 0:
            raise ValueError("one_hot: can not infer total number of classes from empty tensor")
        num_classes = int(t.max()) + 1
    elif num_classes < -1:
        raise ValueError(f"one_hot: num_classes should be -1 or a non-negative int, got {num_classes}")
    if t.size:
        if int(t.min()) < 0:
            raise ValueError(f"one_hot: class values must be non-negative, got {int(t.min())}")
        if int(t.max()) >= num_classes:
            raise ShapeError(f"one_hot: class values must be smaller than num_classes={num_classes}, "
                             f"got {int(t.max())}")
    out = (xp.expand_dims(t, -1) == xp.arange(num_classes)).astype(np.int64)
    return Tensor(out)
