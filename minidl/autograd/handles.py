"""The handle ``Tensor.register_hook`` returns, and the weakly referenceable dict of one Tensor's hooks."""
from __future__ import annotations

import weakref

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """Returned by ``Tensor.register_hook``: ``remove()`` takes the hook off again."""

    _next_id = 0

    def __init__(self, hooks_dict):
        self._hooks_ref = weakref.ref(hooks_dict) if hooks_dict is not None else None
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        """Unregister the hook (removing twice is harmless)."""
        hooks = self._hooks_ref() if self._hooks_ref is not None else None
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


class _HookDict(dict):
    """A dict that can be weakly referenced (hooks registered on one Tensor, by handle id)."""

    __slots__ = ("__weakref__",)
