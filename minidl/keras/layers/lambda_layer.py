"""``Lambda``: a layer around a plain function (``Lambda(lambda x: x ** 2)``), as Keras 3's.

The function gets the inputs as channels-last Tensors (plus ``arguments`` as keyword arguments,
and ``mask=``/``training=`` when its signature names them). Its output shape is ``output_shape``
(a tuple without the batch axis, or a function of the input shape), or, when not given, found
by running the function on stand-in batches. ``get_config`` writes Keras' format: a named
function as ``{"class_name": "function", "config": name}``, a Python lambda as its marshalled
bytecode (``"__lambda__"``), which, as in Keras, loads only with ``safe_mode=False``.
"""
from __future__ import annotations

import base64
import builtins
import contextlib
import importlib
import inspect
import marshal
import types

import numpy as np

from minidl.keras.layers._symbolic import KerasTensor
from minidl.keras.layers.base import Layer
from minidl.tensor import Tensor

__all__ = ["Lambda", "safe_mode_scope"]

_SAFE_MODE = [True]


@contextlib.contextmanager
def safe_mode_scope(safe_mode):
    """Within the block, deserialising a ``Lambda`` of a Python lambda is allowed only when
    ``safe_mode`` is False (``load_model(..., safe_mode=False)`` uses it)."""
    previous = _SAFE_MODE[0]
    _SAFE_MODE[0] = True if safe_mode is None else bool(safe_mode)
    try:
        yield
    finally:
        _SAFE_MODE[0] = previous


def _is_python_lambda(fn) -> bool:
    return isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>"


def _dump_function(fn):
    """Keras' config entry of a function: a Python lambda as marshalled bytecode, a named one by name."""
    if _is_python_lambda(fn):
        code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
        closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
        return {"class_name": "__lambda__", "config": {"code": code, "defaults": fn.__defaults__,
                                                        "closure": closure}}
    if callable(fn):
        return {"module": getattr(fn, "__module__", None) or "builtins", "class_name": "function",
                "config": fn.__name__, "registered_name": "function"}
    raise ValueError(f"Invalid input type for serialization. Received: {fn} of type {type(fn)}.")


def _lambda_globals():
    import numpy as np

    import minidl
    from minidl import keras
    return {"__builtins__": builtins, "keras": keras, "ops": keras.ops, "np": np, "numpy": np, "minidl": minidl}


def _load_function(entry, custom_objects, safe_mode, what):
    """The function a :func:`_dump_function` entry describes."""
    if not isinstance(entry, dict):
        return entry
    if entry.get("class_name") == "__lambda__":
        if safe_mode:
            raise ValueError(f"Requested the deserialization of a `Lambda` layer whose `{what}` is a Python "
                             "lambda. This carries a potential risk of arbitrary code execution and thus it is "
                             "disallowed by default. If you trust the source of the artifact, you can override "
                             "this error by passing `safe_mode=False` to the loading function.")
        cfg = entry["config"]
        code = marshal.loads(base64.decodebytes(cfg["code"].encode("ascii")))
        closure = None
        if cfg.get("closure") is not None:
            closure = tuple(types.CellType(v) for v in cfg["closure"])
        defaults = tuple(cfg["defaults"]) if cfg.get("defaults") is not None else None
        return types.FunctionType(code, _lambda_globals(), code.co_name, defaults, closure)
    name = entry.get("config")
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    module = entry.get("module")
    if module and module not in ("builtins", "__main__"):
        with contextlib.suppress(ImportError):
            fn = getattr(importlib.import_module(module), name, None)
            if fn is not None:
                return fn
    import __main__
    fn = getattr(__main__, name, None) or getattr(builtins, name, None)
    if fn is None:
        raise ValueError(f"Lambda layer: could not find the function {name!r} of the saved config; pass it in "
                         "custom_objects")
    return fn


class Lambda(Layer):
    """Wraps ``function`` as a layer.

    Args (Keras'): ``function`` (takes the inputs first), ``output_shape=None`` (a tuple without
    the batch axis, or a function of the full input shape; inferred when None), ``mask=None``
    (None: the layer drops masks; a function ``mask(inputs, previous_mask)``; or a fixed mask
    tensor), ``arguments=None`` (a dict of keyword arguments for ``function``).
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda layer {self.name}: `function` must be callable, received {function!r}")
        self.arguments = dict(arguments or {})
        self.function = function
        self.supports_masking = mask is not None
        self._makes_mask = mask is not None
        if mask is not None and not callable(mask):  # a fixed mask (a Tensor, an array or a saved list)
            from minidl.keras._tensor import numpy_of
            mask = Tensor(np.asarray(numpy_of(mask) if hasattr(mask, "shape") else mask, dtype=bool))
        self.mask = mask
        if isinstance(output_shape, list) and all(isinstance(d, (int, type(None))) for d in output_shape):
            output_shape = tuple(output_shape)
        self._output_shape_arg = output_shape
        params = inspect.signature(function).parameters if _has_signature(function) else {}
        self._fn_expects_training_arg = "training" in params
        self._fn_expects_mask_arg = "mask" in params

    def call(self, inputs, mask=None, training=None):
        """``function(inputs, **arguments)`` (with ``mask``/``training`` when it takes them)."""
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def _mask_consumer(self):
        return self._fn_expects_mask_arg

    def compute_mask(self, inputs, mask=None):
        """``mask(inputs, previous_mask)`` for a function ``mask``, else the fixed ``mask`` (or None)."""
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def _ensure_built(self, input_shape):
        if not self.built:
            self._build_shape = input_shape
            self.built = True

    def _traces_call(self):
        return self._output_shape_arg is None

    def compute_output_shape(self, input_shape):
        """``output_shape`` (with the batch axis added), its value on ``input_shape`` when it is a
        function, or the shape found by running the function on stand-in inputs."""
        spec = self._output_shape_arg
        if spec is None:
            listed = isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple))
            stand = [KerasTensor(s) for s in input_shape] if listed else KerasTensor(tuple(input_shape))
            return self._traced_output_shape(stand, None)
        if callable(spec):
            return spec(input_shape)
        first = input_shape
        while isinstance(first, (list, tuple)) and first and isinstance(first[0], (list, tuple)):
            first = first[0]
        batch = first[0] if first else None
        if spec and isinstance(spec[0], (list, tuple)):
            return [(batch,) + tuple(s) for s in spec]
        return (batch,) + tuple(spec)

    def get_config(self):
        config = dict(super().get_config(), function=_dump_function(self.function))
        spec = self._output_shape_arg
        if spec is not None:
            config["output_shape"] = _dump_function(spec) if callable(spec) else spec
        if self.mask is not None:
            if callable(self.mask):
                config["mask"] = _dump_function(self.mask)
            else:
                from minidl.keras._tensor import numpy_of
                config["mask"] = numpy_of(self.mask).tolist()
        config["arguments"] = dict(self.arguments)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """A Lambda from :meth:`get_config` (or Keras'); a Python lambda's bytecode loads only outside
        safe mode (``safe_mode=False``, or inside ``load_model(..., safe_mode=False)``)."""
        config = dict(config)
        safe = _SAFE_MODE[0] if safe_mode is None else bool(safe_mode)
        from minidl.keras._settings import unsafe_deserialization
        safe = safe and not unsafe_deserialization()  # keras.config.enable_unsafe_deserialization()
        config["function"] = _load_function(config["function"], custom_objects, safe, "function")
        if isinstance(config.get("output_shape"), dict):
            config["output_shape"] = _load_function(config["output_shape"], custom_objects, safe, "output_shape")
        elif isinstance(config.get("output_shape"), list):
            shape = config["output_shape"]
            config["output_shape"] = [tuple(s) for s in shape] if shape and isinstance(shape[0], list) \
                else tuple(shape)
        if isinstance(config.get("mask"), dict):
            config["mask"] = _load_function(config["mask"], custom_objects, safe, "mask")
        return cls(**config)


def _has_signature(fn) -> bool:
    try:
        inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    return True
