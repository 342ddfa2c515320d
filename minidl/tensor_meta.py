"""PyTorch's repr of a tensor on the ``meta`` device: ``tensor(..., device='meta', size=(2, 3))``."""
from __future__ import annotations

from .dtypes import default_float

__all__ = ["meta_repr"]


def meta_repr(tensor) -> str:
    """``tensor(..., device='meta', size=<shape>[, dtype=...][, grad_fn=...|requires_grad=True])``."""
    from .tensor_str import add_suffixes

    parts = ["device='meta'", f"size={tuple(tensor.array.shape)}"]
    if tensor.array.dtype != default_float():
        parts.append(f"dtype={tensor.dtype}")
    if tensor.creator is not None:
        parts.append(f"grad_fn=<{tensor.creator.name().rsplit('::', 1)[-1]}>")
    elif tensor.requires_grad:
        parts.append("requires_grad=True")
    # as PyTorch's printer: a suffix that would pass the line width starts a new, indented line
    return add_suffixes("tensor(...", parts)
