"""The one ``RemovableHandle`` every ``register_*hook`` returns (Tensor, Module, Optimizer, Node hooks;
``torch.utils.hooks.RemovableHandle``), and the weakly referenceable dict of one Tensor's hooks."""
from __future__ import annotations

import itertools
import weakref

__all__ = ["RemovableHandle"]


def _ref(table):
    """A weak reference to ``table`` where it can have one (an OrderedDict, a ``_HookDict``), else a strong one
    (a plain ``dict``), both called to get the table back."""
    try:
        return weakref.ref(table)
    except TypeError:
        return lambda: table


class RemovableHandle:
    """The handle a ``register_*hook`` call returns: ``remove()`` takes the hook off again (twice is harmless);
    as a context manager it removes the hook on exit.

    ``hooks_dict`` maps handle ids to hooks; ``extra_dict`` (a dict or a list of dicts) are other tables keyed
    by the same id (a hook's flags) that ``remove()`` also clears, as PyTorch's.
    """

    _ids = itertools.count()

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = _ref(hooks_dict) if hooks_dict is not None else (lambda: None)
        self.id = next(RemovableHandle._ids)
        extras = [] if extra_dict is None else extra_dict if isinstance(extra_dict, list) else [extra_dict]
        self.extra_dict_ref = tuple(_ref(d) for d in extras)

    def remove(self):
        """Unregister the hook (removing twice is harmless)."""
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            table = ref()
            if table is not None:
                table.pop(self.id, None)

    def __getstate__(self):
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state):
        table, self.id, extras = state
        self.hooks_dict_ref = _ref(table) if table is not None else (lambda: None)
        self.extra_dict_ref = tuple(_ref(d) for d in extras if d is not None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


class _HookDict(dict):
    """A dict that can be weakly referenced (hooks registered on one Tensor, by handle id)."""

    __slots__ = ("__weakref__",)
