"""``minidl.utils.hooks``: PyTorch's ``torch.utils.hooks`` (the handle hooks return, and hook helpers)."""
from __future__ import annotations

import warnings

from ..autograd.handles import RemovableHandle

__all__ = ["RemovableHandle", "unserializable_hook", "warn_if_has_hooks"]


def unserializable_hook(f):
    """Mark ``f`` (a Tensor hook) as one that saving the tensor may drop without a warning, as PyTorch's
    decorator of the same name; returns ``f``."""
    f.__torch_unserializable__ = True
    return f


def warn_if_has_hooks(tensor):
    """Warn once per hook that ``tensor``'s backward hooks will not be saved with it (unless the hook is
    marked with :func:`unserializable_hook`)."""
    hooks = getattr(tensor, "_backward_hooks", None)
    if not hooks:
        return
    for hook in hooks.values():
        if not getattr(hook, "__torch_unserializable__", False):
            warnings.warn(f"backward hook {hook!r} on tensor will not be serialized.  If this is expected, you "
                          "can decorate the function with @torch.utils.hooks.unserializable_hook to suppress "
                          "this warning", stacklevel=2)
