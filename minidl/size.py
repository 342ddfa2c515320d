"""``minidl.Size``: the shape of a Tensor, a tuple subclass like ``torch.Size``."""
from __future__ import annotations

import math
import sys

__all__ = ["Size"]


class Size(tuple):
    """A tensor shape: a tuple of ints with ``numel()``; slicing and ``+`` give a Size again.

    >>> import minidl as mdl
    >>> s = mdl.zeros(2, 3, 4).shape
    >>> s, s[1:], s.numel(), s == (2, 3, 4)
    (minidl.Size([2, 3, 4]), minidl.Size([3, 4]), 24, True)

    Formatted into a user's text (``f"shape {s}"``) it reads as its repr,
    ``minidl.Size([2, 3, 4])``, as ``torch.Size`` does.

    """

    __slots__ = ()

    def numel(self):
        """The number of elements a tensor of this shape holds."""
        return math.prod(self)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Size(tuple.__getitem__(self, index))
        return tuple.__getitem__(self, index)

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __repr__(self):
        return f"minidl.Size({list(self)})"

    def __format__(self, spec):
        """``f"{shape}"``: ``minidl.Size([2, 3])`` as ``torch.Size`` formats; minidl's own error
        messages (f-strings in the minidl package) keep the plain tuple ``(2, 3)``."""
        if spec:
            return format(tuple(self), spec)
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller == "minidl" or caller.startswith("minidl."):
            return tuple.__repr__(self)
        return repr(self)

    def __reduce__(self):
        return (Size, (tuple(self),))
