"""A user subclass of a built-in layer that overrides ``call`` (``class MyDense(keras.layers.Dense)``).

Built-in layers compute in ``_forward`` on internal-layout (channels-first) Tensors. When a user class
derived from one defines its own ``call``, :func:`install_override` (run by ``Layer.__init_subclass__``)
makes the class's ``_forward``/``_forward_masked`` run that ``call`` on channels-last Tensors, as Keras
does in every path (eager, symbolic, ``fit``/``predict``, nested in models). Inside the override the
weights minidl stores in another layout (a Conv kernel, kept (out, in, kh, kw)) are differentiable
Tensors in Keras' layout, so training through the override updates them; ``super().call(inputs)``
(``Layer.call``) runs the built-in computation (:func:`builtin_call`).
"""
from __future__ import annotations

import contextlib

from minidl.keras._tensor import to_external, to_internal
from minidl.tensor import Tensor

__all__ = ["install_override", "builtin_call", "keras_layout_variables"]


def install_override(cls) -> None:
    """Record the built-in computation a class defines, and route a user override of ``call`` to it.

    ``cls._builtin_impl`` holds the nearest built-in ``(_forward, _forward_masked)``; a class from
    outside minidl that defines ``call`` below such a class (and below no built-in class that already
    has a ``call`` of its own, e.g. ``Model``/``Lambda``) gets :func:`_override_forward` and
    :func:`_override_forward_masked`."""
    own = cls.__dict__
    if "_forward" in own and not getattr(own["_forward"], "_call_override", False):
        from minidl.keras.layers._mask import MaskingMixin
        masked = getattr(cls, "_forward_masked", None)
        cls._builtin_impl = (own["_forward"], None if masked is MaskingMixin._forward_masked else masked)
    if "call" not in own or cls.__module__.startswith("minidl.") or getattr(cls, "_builtin_impl", None) is None:
        return
    from minidl.keras.layers.base import Layer
    for base in cls.__mro__[1:]:
        if base is Layer:
            break
        if base.__module__.startswith("minidl.") and "call" in base.__dict__:
            return  # a built-in with its own ``call`` protocol (Model, Lambda, RNN cells)
    cls._forward = _override_forward
    cls._forward_masked = _override_forward_masked


def _override_forward(self, x, training=False):
    with keras_layout_variables(self):
        return self._forward_user(x, training)


def _override_forward_masked(self, x, mask, training=False):
    with keras_layout_variables(self):
        return self._forward_user(x, training, mask)


_override_forward._call_override = _override_forward_masked._call_override = True


@contextlib.contextmanager
def keras_layout_variables(layer):
    """While open, each weight ``layer`` keeps in minidl's layout (a :class:`VariableView` attribute such as
    a Conv kernel) is replaced by a differentiable Tensor in Keras' layout."""
    from minidl.keras.layers.base import VariableView
    views = {name: value for name, value in layer.__dict__.items()
             if isinstance(value, VariableView) and value._layer is layer}
    for name, view in views.items():
        layer.__dict__[name] = view.keras_tensor()
    previous = layer.__dict__.get("_swapped_views")
    layer.__dict__["_swapped_views"] = views
    try:
        yield
    finally:
        layer.__dict__.update(views)
        layer.__dict__["_swapped_views"] = previous


@contextlib.contextmanager
def _builtin_running(layer, forward, forward_masked):
    """While the built-in computation runs inside an override: the weight views back in place, and the
    built-in's own calls of ``self._forward``/``self._forward_masked`` reach the built-in (not the override)."""
    views = layer.__dict__.get("_swapped_views") or {}
    swapped = {name: layer.__dict__[name] for name in views}
    layer.__dict__.update(views)
    methods = {"_forward": forward, "_forward_masked": forward_masked}
    previous = {name: layer.__dict__[name] for name in methods if name in layer.__dict__}
    for name, fn in methods.items():
        if fn is not None:
            layer.__dict__[name] = fn.__get__(layer, type(layer))
    try:
        yield
    finally:
        layer.__dict__.update(swapped)
        for name in methods:
            layer.__dict__.pop(name, None)
        layer.__dict__.update(previous)


def _internal(layer, value):
    if isinstance(value, (list, tuple)):
        return [_internal(layer, v) for v in value]
    if value is None:
        return None
    return to_internal(value if isinstance(value, Tensor) else layer._input_tensor(value))


def builtin_call(layer, inputs, training=None, mask=None, **kwargs):
    """``Layer.call`` of a built-in layer: its own computation on channels-last ``inputs`` (what
    ``super().call(inputs)`` returns in a subclass's override). ``training`` defaults to the
    layer's call default (False for Dropout and BatchNormalization)."""
    impl = getattr(type(layer), "_builtin_impl", None)
    if impl is None:
        raise NotImplementedError(f"Layer {type(layer).__name__} does not implement call()")
    if kwargs:
        raise TypeError(f"Layer {layer.name}: {type(layer).__name__}.call() got unexpected keyword argument(s) "
                        f"{sorted(kwargs)} (minidl's built-in call takes inputs, training and mask)")
    forward, forward_masked = impl
    if training is None:
        training = layer._call_training_default
    training = bool(training) if training is not None else False
    x = _internal(layer, inputs)
    if not layer.built:  # `layer.call(x)` before any `layer(x)`: built for these inputs
        ext = [to_external(v) for v in x] if isinstance(x, list) else to_external(x)
        layer._ensure_built([tuple(v.shape) for v in ext] if isinstance(ext, list) else tuple(ext.shape))
    from minidl.keras.layers._mask import any_mask, as_mask
    with _builtin_running(layer, forward, forward_masked):
        if forward_masked is not None and any_mask(mask):
            out = forward_masked(layer, x, as_mask(mask), training)
        else:
            out = forward(layer, x, training)
    return [to_external(o) for o in out] if isinstance(out, (list, tuple)) else to_external(out)
