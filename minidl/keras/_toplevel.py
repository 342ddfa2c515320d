"""Top-level ``keras`` names with no other home: ``keras.device``, ``keras.name_scope``,
``keras.Function``, ``keras.version``."""
from __future__ import annotations

import contextlib
import threading

__all__ = ["device", "name_scope", "Function", "version", "current_name_scope"]

_SCOPES = threading.local()


@contextlib.contextmanager
def device(device_name):
    """``with keras.device("gpu:0"):`` makes ``device_name`` ("cpu", "cpu:0", "gpu:0", "cuda:1")
    minidl's default device for the tensors created in the block (``minidl.set_default_device``),
    then restores the previous default."""
    from minidl import backend
    name = str(device_name).lower()
    kind, _, index = name.partition(":")
    if kind not in ("cpu", "gpu", "cuda"):
        raise ValueError(f"Invalid value for argument `device_name`. Expected a string like 'gpu:0' or "
                         f"'cpu'. Received: device_name='{device_name}'")
    target = backend.Device("cpu") if kind == "cpu" else backend.Device("cuda", int(index) if index else 0)
    previous = backend._default_device
    backend.set_default_device(None if kind == "cpu" else target)
    try:
        yield
    finally:
        backend.set_default_device(previous)


def current_name_scope() -> str:
    """The ``/``-joined names of the open :class:`name_scope` blocks ("" outside any)."""
    return "/".join(getattr(_SCOPES, "stack", []))


class name_scope:  # noqa: N801  (Keras' name)
    """``with keras.name_scope("block1"):`` opens a naming scope (nested ones join with ``/``;
    read it with ``current_name_scope``). minidl's layer and weight names do not take the prefix."""

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"name_scope: `name` must be a string without '/', received: name={name!r}")
        self.name, self.caller, self.deduplicate, self.override_parent = name, caller, deduplicate, override_parent
        self._pushed = False

    def __enter__(self):
        stack = getattr(_SCOPES, "stack", None)
        if stack is None:
            stack = _SCOPES.stack = []
        self._saved = list(stack)
        if self.override_parent is not None:
            stack[:] = [s for s in self.override_parent.split("/") if s]
        if not (self.deduplicate and stack and stack[-1] == self.name):
            stack.append(self.name)
        return self

    def __exit__(self, *exc):
        _SCOPES.stack = self._saved


class Function:
    """``keras.Function(inputs, outputs)``: the computation from symbolic ``inputs`` (``keras.Input``)
    to ``outputs`` as a callable on real arrays (a model without weights of its own to train)."""

    def __init__(self, inputs, outputs, name=None):
        from minidl.keras.models.model import Model
        self._model = Model(inputs, outputs, name=name)
        self.name = self._model.name
        self.inputs, self.outputs = self._model.inputs, self._model.outputs

    def __call__(self, inputs):
        """The outputs for real ``inputs`` (arrays/Tensors in the structure of ``self.inputs``)."""
        return self._model(inputs)

    @property
    def operations(self) -> list:
        """The layers of the graph, in order."""
        return self._model.layers


def version() -> str:
    """The Keras API version minidl.keras follows."""
    from minidl.keras import __version__
    return __version__
