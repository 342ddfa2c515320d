"""``minidl.testing``: helpers for writing tests, as ``torch.testing``.

:func:`assert_close` checks that tensors, arrays, numbers or containers of them
are close with PyTorch's per-dtype tolerances and messages;
:func:`make_tensor` draws a random tensor of a given shape, dtype and range.

>>> import minidl as mdl
>>> from minidl.testing import assert_close, make_tensor
>>> x = make_tensor(3, dtype=mdl.float64, device="cpu")
>>> assert_close(x * 1.0, x)
"""
from ._compare import assert_close
from ._make import make_tensor

__all__ = ["assert_close", "make_tensor"]
