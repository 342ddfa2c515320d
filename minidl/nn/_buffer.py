"""``nn.Buffer`` (PyTorch 2.5+: ``module.x = nn.Buffer(t)`` registers a buffer) and the deprecated ``nn.Container``."""
from __future__ import annotations

import warnings

from minidl.nn.module import Module
from minidl.tensor import Tensor

__all__ = ["Buffer", "Container"]


class _BufferMeta(type):
    """``isinstance(t, nn.Buffer)`` is True for the tensors that ``nn.Buffer(...)`` marked, as in PyTorch."""

    def __instancecheck__(cls, instance):
        if cls is Buffer:
            return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Mark a tensor as a buffer: assigning it to a Module attribute registers it with ``register_buffer``.

    ``Buffer(data=None, *, persistent=True)`` returns a detached plain Tensor on ``data``'s array (keeping
    its ``requires_grad``) flagged ``_is_buffer`` and carrying ``persistent`` (whether ``state_dict`` saves it).

    >>> import minidl as mdl, minidl.nn as nn
    >>> m = nn.Module()
    >>> m.running = nn.Buffer(mdl.zeros(2))
    >>> m.scratch = nn.Buffer(mdl.ones(1), persistent=False)
    >>> list(m.state_dict()), [name for name, _ in m.named_buffers()]
    (['running'], ['running', 'scratch'])
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from minidl.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"nn.Buffer: data must be a Tensor, got {type(data).__name__}")
        out = data.detach().requires_grad_(data.requires_grad)
        out.persistent = bool(persistent)
        out._is_buffer = True
        return out


def is_buffer(value) -> bool:
    """True for a tensor made by :class:`Buffer` (``Module.__setattr__`` registers those as buffers)."""
    return isinstance(value, Tensor) and getattr(value, "_is_buffer", False)


class Container(Module):
    """Deprecated (PyTorch too): a Module holding the modules given as keywords; subclass Module instead."""

    def __init__(self, **kwargs):
        super().__init__()
        warnings.warn("nn.Container is deprecated. All of its functionality is now implemented in nn.Module. "
                      "Subclass that instead.", FutureWarning, stacklevel=2)
        for key, value in kwargs.items():
            self.add_module(key, value)
