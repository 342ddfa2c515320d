"""Keras 3's name scopes: the ``path`` of a variable (``outer/inner/kernel``) is the stack of layer
scopes open when it was made. A layer opens its scope around ``build`` and ``__call__`` (a nested
layer built inside gets ``outer/inner``); the first opening records the parent path, which later
openings reuse, as Keras' ``Layer._open_name_scope``."""
import contextlib
import functools
import threading

_state = threading.local()


def _stack() -> list:
    if not hasattr(_state, "stack"):
        _state.stack = []
    return _state.stack


def current_path() -> str:
    """The ``/``-joined names of the open scopes (an entry with a recorded parent path restarts there)."""
    parts = []
    for name, _caller, parent in _stack():
        if parent is not None:
            parts = [p for p in parent.split("/") if p]
        parts.append(name)
    return "/".join(parts)


@contextlib.contextmanager
def name_scope(name, caller=None):
    """Open the scope ``name`` for ``caller`` (not re-entered when ``caller`` already holds the top one)."""
    stack = _stack()
    if caller is not None and stack and stack[-1][1] is caller and stack[-1][0] == name:
        yield
        return
    stack.append((name, caller, getattr(caller, "_parent_path", None)))
    try:
        yield
    finally:
        stack.pop()


def layer_scope(layer):
    """The scope of ``layer``: its name; the first opening records the path it sits under."""
    if layer.__dict__.get("_parent_path") is None:
        layer.__dict__["_parent_path"] = current_path()
    return name_scope(layer.name, caller=layer)


def variable_path(name) -> str:
    """The path a variable called ``name`` made now gets."""
    prefix = current_path()
    return f"{prefix}/{name}" if prefix else name


def scoped_build(build):
    """Wrap a layer class's ``build`` so that it runs inside the layer's scope."""
    if getattr(build, "_scoped", False):
        return build

    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        with layer_scope(self):
            self.__dict__["_path"] = current_path()  # Keras' `layer.path`: where it was built
            return build(self, *args, **kwargs)
    wrapper._scoped = True
    return wrapper
