"""More ``keras.utils`` names: ``Config``, ``get_source_inputs``, ``is_keras_tensor``,
``pack_x_y_sample_weight`` / ``unpack_x_y_sample_weight``."""
from __future__ import annotations

import copy
import difflib
import json

__all__ = ["Config", "get_source_inputs", "is_keras_tensor", "pack_x_y_sample_weight", "unpack_x_y_sample_weight"]


class Config:
    """A dict of named values also read and set as attributes (``config.seed = 1``,
    ``config["seed"]``); ``freeze()`` makes it read-only; ``as_dict()``/``to_json()`` export it.

    >>> c = Config(learning_rate=0.1)
    >>> c.momentum = 0.9
    >>> sorted(c.as_dict().items())
    [('learning_rate', 0.1), ('momentum', 0.9)]
    """

    _OWN = ("_values", "_frozen")

    def __init__(self, **kwargs):
        object.__setattr__(self, "_values", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self) -> bool:
        """Whether :meth:`freeze` was called (then changes raise ``ValueError``)."""
        return self._frozen

    def freeze(self):
        """Forbid further changes."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        """Allow changes again."""
        object.__setattr__(self, "_frozen", False)

    def _check_mutable(self):
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")

    def as_dict(self) -> dict:
        """A shallow copy of the values as a dict."""
        return copy.copy(self._values)

    def to_json(self) -> str:
        """The values as a JSON string."""
        return json.dumps(self._values)

    def keys(self):
        """The names."""
        return self._values.keys()

    def values(self):
        """The values."""
        return self._values.values()

    def items(self):
        """``(name, value)`` pairs."""
        return self._values.items()

    def get(self, keyname, value=None):
        """The value of ``keyname`` (``value`` when absent)."""
        return self._values.get(keyname, value)

    def pop(self, *args):
        """Remove and return a value (as ``dict.pop``)."""
        self._check_mutable()
        return self._values.pop(*args)

    def update(self, *args, **kwargs):
        """Add or replace values (as ``dict.update``)."""
        self._check_mutable()
        return self._values.update(*args, **kwargs)

    def __setattr__(self, name, value):
        if name in type(self).__dict__ or name in Config.__dict__:
            return object.__setattr__(self, name, value)
        self._check_mutable()
        self._values[name] = value

    def __getattr__(self, name):
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        msg = f"Unknown attribute: '{name}'."
        close = difflib.get_close_matches(name, values.keys(), n=1, cutoff=0.7)
        if close:
            msg += f" Did you mean '{close[0]}'?"
        raise AttributeError(msg)

    def __setitem__(self, key, item):
        self._check_mutable()
        self._values[key] = item

    def __getitem__(self, key):
        return self._values[key]

    def __delitem__(self, key):
        self._check_mutable()
        del self._values[key]

    def __contains__(self, item):
        return item in self._values

    def __iter__(self):
        return iter(sorted(self._values))

    def __len__(self):
        return len(self._values)

    def __repr__(self):
        return f"<Config {self._values}>"


def is_keras_tensor(x) -> bool:
    """Whether ``x`` is a symbolic tensor (from ``keras.Input`` and layer calls on it)."""
    from minidl.keras.layers import KerasTensor
    return isinstance(x, KerasTensor)


def get_source_inputs(tensor) -> list:
    """The ``keras.Input`` tensors ``tensor`` was computed from (``[tensor]`` for an input itself)."""
    if not is_keras_tensor(tensor):
        raise ValueError(f"get_source_inputs: expected a symbolic Keras tensor, got {type(tensor).__name__}")
    found, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        parents = list(getattr(t, "_parents", ()) or ())
        if not parents:
            found.append(t)
        stack.extend(reversed(parents))
    return found


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """``x``, ``(x, y)`` or ``(x, y, sample_weight)``, as ``fit`` takes them (a lone tuple ``x``
    becomes ``(x,)`` so that it is not read as ``(x, y)``)."""
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``
    (missing parts None)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) in (1, 2, 3):
        return tuple(data) + (None,) * (3 - len(data))
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"found: {data}")
