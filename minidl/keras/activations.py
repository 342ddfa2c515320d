"""Keras' activation functions (``keras.activations``) on minidl Tensors.

Each takes and returns a Tensor; ``softmax``/``log_softmax`` take Keras'
``axis=-1``. Layers call them on their internal (channels-first) tensors
through :func:`apply`, which maps the channel axis.
"""
from __future__ import annotations

from minidl.keras._tensor import as_tensor, to_internal_axis
from minidl.ops import activation as _act
from minidl.ops import math as _math

__all__ = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "elu", "selu", "softplus",
           "softsign", "swish", "silu", "leaky_relu", "relu6", "hard_sigmoid", "exponential",
           "get", "serialize", "apply"]


def _t(x):
    return as_tensor(x, dtype=None) if not hasattr(x, "creator") else x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0) (with Keras' optional ``negative_slope``, ``max_value``)."""
    x = _t(x)
    if threshold != 0.0:
        raise NotImplementedError("relu(threshold != 0) is not supported")
    out = _act.leaky_relu(x, negative_slope) if negative_slope else _act.relu(x)
    return _math.clip(out, None, max_value) if max_value is not None else out


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return _act.sigmoid(_t(x))


def tanh(x):
    """Hyperbolic tangent."""
    return _act.tanh(_t(x))


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``."""
    return _act.softmax(_t(x), axis)


def log_softmax(x, axis=-1):
    """log(softmax(x)) along ``axis``."""
    return _act.log_softmax(_t(x), axis)


def linear(x):
    """The identity."""
    return _t(x)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    x = _t(x)
    neg = _math.exp(_math.minimum(x, 0.0)) - 1.0
    return _act.relu(x) + (neg * alpha if alpha != 1.0 else neg)


def selu(x):
    """scale * elu(x, alpha) with Keras' constants."""
    return elu(x, 1.6732632423543772848170429916717) * 1.0507009873554804934193349852946


def softplus(x):
    """log(1 + exp(x)), computed stably as relu(x) + log(1 + exp(-|x|))."""
    x = _t(x)
    return _act.relu(x) + _math.log(_math.exp(-_math.abs(x)) + 1.0)


def softsign(x):
    """x / (|x| + 1)."""
    x = _t(x)
    return x / (_math.abs(x) + 1.0)


def swish(x):
    """x * sigmoid(x) (also ``silu``)."""
    x = _t(x)
    return x * _act.sigmoid(x)


silu = swish


def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, negative_slope * x otherwise (Keras' default slope 0.2)."""
    return _act.leaky_relu(_t(x), negative_slope)


def relu6(x):
    """min(max(x, 0), 6)."""
    return _math.clip(_t(x), 0.0, 6.0)


def hard_sigmoid(x):
    """relu6(x + 3) / 6 (Keras 3's definition)."""
    return relu6(_t(x) + 3.0) / 6.0


def exponential(x):
    """exp(x)."""
    return _math.exp(_t(x))


_BY_NAME = {f.__name__: f for f in (relu, sigmoid, tanh, softmax, log_softmax, linear, elu, selu,
                                     softplus, softsign, swish, leaky_relu, relu6, hard_sigmoid,
                                     exponential)}
_BY_NAME["silu"] = swish
_BY_NAME["hard_silu"] = _BY_NAME["hard_swish"] = lambda x: _t(x) * hard_sigmoid(x)
_AXIS_FUNCTIONS = {softmax, log_softmax}


def get(identifier):
    """The activation function named ``identifier`` (None or "linear": identity), or the callable."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier.lower())
        fn = fn if fn is not None else _user_object(identifier)  # a registered / scoped user function
        if fn is None:
            raise ValueError(f"Could not interpret activation function identifier: {identifier!r} "
                             f"(known: {sorted(_BY_NAME)})")
        return fn
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(fn) -> str:
    """The name of an activation function."""
    for name, f in _BY_NAME.items():
        if f is fn:
            return name
    return getattr(fn, "__name__", repr(fn))


def apply(fn, x):
    """``fn`` on an internal-layout Tensor ``x`` (softmax over the channel axis of 4-D inputs)."""
    if fn is linear:
        return x
    if fn in _AXIS_FUNCTIONS:
        return fn(x, axis=to_internal_axis(-1, x.ndim))
    return fn(x)


def _user_object(name):
    """A registered (``register_keras_serializable``) or scoped (``custom_object_scope``) object named ``name``."""
    from minidl.keras._registry import lookup
    return lookup(name)
