"""``keras.InputSpec`` / ``keras.layers.InputSpec``: the rank, dtype and shape a layer accepts.

A layer that sets ``self.input_spec = InputSpec(ndim=4)`` (or a list of specs, one per input) has
every call checked before it runs (on ``keras.Input`` tensors and on arrays alike), with Keras'
ValueError messages. Shapes are Keras' (channels-last, batch first).
"""
from __future__ import annotations

import numpy as np

__all__ = ["InputSpec", "assert_input_compatibility"]


def _standardize_dtype(dtype):
    if dtype is None:
        return None
    name = getattr(dtype, "name", None)
    if isinstance(name, str):
        return name
    return np.dtype(dtype).name if not isinstance(dtype, str) else str(np.dtype(dtype).name)


def _shape_tuple(shape):
    return tuple(None if d is None else int(d) for d in shape)


class InputSpec:
    """What a layer's input must be: ``dtype``, ``shape`` (with None for any size, batch included),
    ``ndim``, ``max_ndim``, ``min_ndim``, ``axes`` ({axis: size}), ``allow_last_axis_squeeze``,
    ``name`` (key of a dict input), ``optional`` (None accepted)."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = _standardize_dtype(dtype)
        if shape is not None:
            self.shape = _shape_tuple(shape)
            self.ndim = len(shape)
        else:
            self.ndim = ndim
            self.shape = None
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.name, self.optional = name, optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            axes = axes or {}
            self.axes = {int(k): axes[k] for k in axes}
        except (ValueError, TypeError):
            raise TypeError(f"Argument `axes` must be a dict with integer keys. Received: axes={axes}") from None
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim else self.max_ndim) - 1
            if max(self.axes) > max_dim:
                raise ValueError(f"Axis {max(self.axes)} is greater than the maximum allowed value: {max_dim}")

    def __repr__(self):
        spec = [f"dtype={self.dtype}" if self.dtype else "", f"shape={self.shape}" if self.shape else "",
                f"ndim={self.ndim}" if self.ndim else "", f"max_ndim={self.max_ndim}" if self.max_ndim else "",
                f"min_ndim={self.min_ndim}" if self.min_ndim else "", f"axes={self.axes}" if self.axes else ""]
        return f"InputSpec({', '.join(x for x in spec if x)})"

    def get_config(self) -> dict:
        """Keras' config keys."""
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim, "max_ndim": self.max_ndim,
                "min_ndim": self.min_ndim, "axes": self.axes, "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config`."""
        return cls(**config)


def _flatten(value):
    if isinstance(value, dict):
        return [v for k in value for v in _flatten(value[k])]
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _flatten(item)]
    return [value]


def _dtype_of(x):
    dtype = getattr(x, "dtype", None)
    try:
        return _standardize_dtype(dtype)
    except TypeError:
        return str(dtype).replace("minidl.", "")


def assert_input_compatibility(input_spec, inputs, layer_name) -> None:
    """Raise Keras' ValueError when ``inputs`` (a tensor, or a list/dict of them) do not satisfy
    ``input_spec`` (an InputSpec or a list of them; None: no check)."""
    if not input_spec:
        return
    specs = _flatten(input_spec)
    if isinstance(inputs, dict):
        names = [spec.name for spec in specs]
        if all(names):
            for name in names:
                if name not in inputs:
                    raise ValueError(f'Missing data for input "{name}". You passed a data dictionary with keys '
                                     f"{list(inputs.keys())}. Expected the following keys: {names}")
            inputs = [inputs[name] for name in names]
    inputs = _flatten(inputs)
    if len(inputs) != len(specs):
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it received {len(inputs)} '
                         f"input tensors. Inputs received: {inputs}")
    for index, (x, spec) in enumerate(zip(inputs, specs)):
        if spec is None or (x is None and spec.optional):
            continue
        if not hasattr(x, "shape"):
            raise ValueError(f"Inputs to a layer should be tensors. Got '{x}' (of type {type(x)}) as input for "
                             f"layer '{layer_name}'.")
        shape = _shape_tuple(x.shape)
        ndim = len(shape)
        where = f"Input {index} with name '{spec.name}' of layer '{layer_name}' is incompatible with the layer"
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise ValueError(f"{where}: expected ndim={spec.ndim}, found ndim={ndim}. Full shape received: {shape}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(f"{where}: expected max_ndim={spec.max_ndim}, found ndim={ndim}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(f"{where}: expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                             f"Full shape received: {shape}")
        if spec.dtype is not None and _dtype_of(x) != spec.dtype:
            raise ValueError(f"{where}: expected dtype={spec.dtype}, found dtype={_dtype_of(x)}")
        for axis, value in spec.axes.items():
            if value is not None and shape[axis] not in {value, None}:
                raise ValueError(f"{where}: expected axis {axis} of input shape to have value {value}, but "
                                 f"received input with shape {shape}")
        if spec.shape is not None:
            spec_shape = spec.shape
            if spec.allow_last_axis_squeeze:
                if shape and shape[-1] == 1:
                    shape = shape[:-1]
                if spec_shape and spec_shape[-1] == 1:
                    spec_shape = spec_shape[:-1]
            for spec_dim, dim in zip(spec_shape, shape):
                if spec_dim is not None and dim is not None and spec_dim != dim:
                    raise ValueError(f"{where}: expected shape={spec.shape}, found shape={shape}")
