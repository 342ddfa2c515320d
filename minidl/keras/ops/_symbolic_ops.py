"""``keras.ops`` on symbolic tensors: a call with a ``keras.Input``-derived ``KerasTensor`` among its
arguments records a graph node (Keras 3's ``Operation``) instead of computing, so functional models may
use ops and operators directly (``x = layers.Dense(4)(inputs); y = ops.sum(x, axis=1) + inputs[:, :1]``).

The node is an :class:`OpLayer` named as Keras names its operation (``add``, ``sum``, ``get_item``,
``add_1``, ...) and shown with Keras' class name (``Add``, ``Sum``, ``GetItem``) by ``summary()``; when the
model runs, it calls the op with the concrete tensors put back in place of the symbolic ones (constants
and keyword arguments as given). Its output shape comes from running it on stand-in batches. Models
holding op nodes train, predict, are summarised, and save and load: an op node is written as Keras writes
its Operation (``{"module": "keras.src.ops.numpy", "class_name": "Add", ...}`` with the call's tensors and
constants as the node's arguments) and rebuilt by calling the op again; a Keras file's op whose
constructor takes arguments (its ``config``) gets them as keyword arguments of the op.
"""
from __future__ import annotations

import functools

__all__ = ["OpLayer", "symbolic_aware", "has_symbolic", "record", "op_entry", "rebuild_op"]

# ops that look at a symbolic tensor without computing on it, or that take functions
NOT_RECORDED = frozenset({
    "shape", "ndim", "dtype", "size", "is_tensor", "convert_to_numpy", "custom_gradient", "cond", "switch",
    "fori_loop", "while_loop", "scan", "associative_scan", "map", "vectorized_map", "vectorize", "stop_gradient",
})


_KERAS_TENSOR = []  # the KerasTensor class, imported on first use (the layers import the ops)


def _is_symbolic(value) -> bool:
    if not _KERAS_TENSOR:
        from minidl.keras.layers._symbolic import KerasTensor
        _KERAS_TENSOR.append(KerasTensor)
    return isinstance(value, _KERAS_TENSOR[0])


def has_symbolic(values) -> bool:
    """True when a symbolic tensor is among ``values`` (or inside a list/tuple/dict of them)."""
    for value in values:
        if _is_symbolic(value):
            return True
        if isinstance(value, (list, tuple)) and any(_is_symbolic(v) for v in value):
            return True
        if isinstance(value, dict) and any(_is_symbolic(v) for v in value.values()):
            return True
    return False


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _collect(value, found):
    """``value`` with each symbolic tensor replaced by its index in ``found`` (a placeholder)."""
    if _is_symbolic(value):
        found.append(value)
        return _Slot(len(found) - 1)
    if isinstance(value, list):
        return [_collect(v, found) for v in value]
    if isinstance(value, tuple):
        return tuple(_collect(v, found) for v in value)
    if isinstance(value, dict):
        return {k: _collect(v, found) for k, v in value.items()}
    return value


def _fill(value, tensors):
    if isinstance(value, _Slot):
        return tensors[value.index]
    if isinstance(value, list):
        return [_fill(v, tensors) for v in value]
    if isinstance(value, tuple):
        return tuple(_fill(v, tensors) for v in value)
    if isinstance(value, dict):
        return {k: _fill(v, tensors) for k, v in value.items()}
    return value


class _Slot:
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


def _op_layer_class():
    from minidl.keras.layers.base import Layer

    class OpLayer(Layer):
        """A ``keras.ops`` call recorded in a functional graph (Keras' ``Operation`` node)."""

        def __init__(self, fn, op_name, args, kwargs):
            from minidl.keras._naming import unique_name
            super().__init__(name=_SAVED_NAME[0] or unique_name(op_name))  # (a loaded node keeps its name)
            self._fn, self._op_name = fn, op_name
            self._template = (args, kwargs)
            self._keras_class_name = _camel(op_name)
            self.__dict__["_mask_warned"] = True  # (ops take no masks; Keras does not warn about them)

        def call(self, inputs):
            """Run the op with the concrete tensors (a list, in the order they were recorded)."""
            args, kwargs = self._template
            tensors = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
            return self._fn(*_fill(args, tensors), **_fill(kwargs, tensors))

        def get_config(self):
            """Keras' Operation config: the name (the call's arguments are on the graph node)."""
            return {"name": self.name}

    return OpLayer


_CLASS = []
_SAVED_NAME = [None]  # the name a node rebuilt from a saved config takes


def _op_layer():
    if not _CLASS:
        _CLASS.append(_op_layer_class())
    return _CLASS[0]


def OpLayer(fn, op_name, args, kwargs):  # noqa: N802 -- built lazily (the layers import ops)
    """An op node for ``fn(*args, **kwargs)`` named ``op_name``."""
    return _op_layer()(fn, op_name, args, kwargs)


def record(fn, op_name, args, kwargs):
    """The symbolic output(s) of ``fn(*args, **kwargs)`` on symbolic tensors: a new op node's."""
    found = []
    args, kwargs = _collect(list(args), found), _collect(dict(kwargs), found)
    layer = OpLayer(fn, op_name, tuple(args), kwargs)
    out = layer(found)
    _set_dtypes(fn, args, kwargs, found, out)
    return out


def _set_dtypes(fn, args, kwargs, found, out):
    """Give the symbolic output(s) the dtype the op computes (``ops.cast(x, "int32")`` is int32, a comparison
    bool), from one run on stand-in values."""
    import numpy as np

    from minidl.keras._tensor import as_tensor, numpy_of
    from minidl.keras.layers._symbolic import _stand_in
    try:
        stand = [as_tensor(_stand_in(t.shape, t.dtype), dtype=None) for t in found]
        result = fn(*_fill(list(args), stand), **_fill(kwargs, stand))
    except Exception:  # (the node keeps the default dtype)
        return
    outs = out if isinstance(out, (list, tuple)) else [out]
    results = result if isinstance(result, (list, tuple)) else [result]
    for tensor, value in zip(outs, results):
        if _is_symbolic(tensor) and hasattr(value, "dtype"):
            tensor.dtype = np.dtype(numpy_of(value).dtype).name


def symbolic_aware(fn, op_name):
    """``fn`` that records an op node when given symbolic tensors, and computes otherwise."""
    @functools.wraps(fn)
    def op(*args, **kwargs):
        if op_name == "convert_to_tensor" and args and _is_symbolic(args[0]) and len(args) == 1 and not kwargs:
            return args[0]  # a symbolic tensor is a tensor already (Keras returns it)
        if has_symbolic(args) or (kwargs and has_symbolic(kwargs.values())):
            return record(fn, op_name, args, kwargs)
        return fn(*args, **kwargs)
    op.__wrapped_op__ = fn
    op.__name__ = op.__qualname__ = op_name  # (factory-made ops are all "op" inside: keras.ops.less.__name__ == "less")
    return op


def _encode(value):
    """A constant argument as JSON (slices and Ellipsis as Keras writes them)."""
    if isinstance(value, slice):
        return {"class_name": "__slice__", "config": {"start": _encode(value.start), "stop": _encode(value.stop),
                                                      "step": _encode(value.step)}}
    if value is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    return value


def op_entry(layer, nodes, tensor_entry):
    """The saved-config entry of op node ``layer`` (Keras' form), ``tensor_entry(kt)`` writing a tensor."""
    args, kwargs = layer._template
    inbound = []
    for node in nodes:
        entries = [tensor_entry(p) for p in node._parents]
        inbound.append({"args": _encode(_fill(list(args), entries)), "kwargs": _encode(_fill(kwargs, entries))})
    return {"module": "keras.src.ops.numpy", "class_name": layer._keras_class_name, "config": {"name": layer.name},
            "registered_name": layer._keras_class_name, "name": layer.name, "inbound_nodes": inbound}


def _snake(name: str) -> str:
    out = ""
    for i, char in enumerate(name):
        out += ("_" if i and char.isupper() else "") + char.lower()
    return out


def _decode(value, outputs_of, pick):
    if isinstance(value, dict):
        kind = value.get("class_name")
        if kind == "__keras_tensor__":
            return pick(outputs_of, value["config"]["keras_history"])
        if kind == "__slice__":
            c = value["config"]
            return slice(*(_decode(c.get(k), outputs_of, pick) for k in ("start", "stop", "step")))
        if kind == "__ellipsis__":
            return Ellipsis
        return {k: _decode(v, outputs_of, pick) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, outputs_of, pick) for v in value]
    return value


def rebuild_op(entry, outputs_of, pick) -> bool:
    """Rebuild a saved op node by calling the op on its (already rebuilt) symbolic inputs; False when
    it cannot be (an unknown op, or inputs that are not there: the mask ops minidl skips)."""
    from minidl.keras import ops
    from minidl.keras.layers._symbolic import _get_item
    name = _snake(entry.get("class_name", ""))
    fn = _get_item if name == "get_item" else getattr(ops, name, None)
    if fn is None or not callable(fn):
        return False
    extra = {k: v for k, v in (entry.get("config") or {}).items() if k != "name"}
    results = []
    try:
        for node in entry.get("inbound_nodes", []):
            args = _decode(node.get("args", []), outputs_of, pick)
            kwargs = _decode(node.get("kwargs", {}), outputs_of, pick)
            if name == "get_item" and len(args) == 2 and isinstance(args[1], list):
                args = [args[0], tuple(args[1])]  # (an index tuple was written as a list)
            _SAVED_NAME[0] = entry["name"]
            try:
                out = fn(*args, **extra, **kwargs)
            finally:
                _SAVED_NAME[0] = None
            if not has_symbolic([out]) and not (isinstance(out, (list, tuple)) and has_symbolic(out)):
                return False
            results.append(out)
    except (KeyError, TypeError, ValueError):
        return False
    for i, out in enumerate(results):
        outputs_of[(entry["name"], i)] = out
    return True
