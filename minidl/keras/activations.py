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
           "get", "serialize", "apply", "celu", "gelu", "glu", "hard_shrink", "hard_silu", "hard_swish", "hard_tanh",
           "log_sigmoid", "mish", "soft_shrink", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus",
           "tanh_shrink", "threshold", "deserialize"]


def _t(x):
    return as_tensor(x, dtype=None) if not hasattr(x, "creator") else x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0) with Keras' options: values at or below ``threshold`` become 0 (or
    ``negative_slope * (x - threshold)``), values above ``max_value`` are clipped to it."""
    x = _t(x)
    if threshold == 0.0:
        out = _act.leaky_relu(x, negative_slope) if negative_slope else _act.relu(x)
        if max_value is None:
            return out
        if not negative_slope:
            return _math.clip(out, None, max_value)
    import minidl
    negative_part = _act.relu(threshold - x) if negative_slope else None
    out = minidl.where(x > threshold, x, minidl.zeros_like(x)) if threshold != 0.0 else _act.relu(x)
    if max_value is not None:
        out = _math.clip(out, 0.0, max_value)
    return out - negative_part * negative_slope if negative_slope else out


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


def _ops():
    from minidl.keras import ops
    return ops


def celu(x, alpha=1.0):
    """max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))."""
    return _ops().celu(_t(x), alpha=alpha)


def gelu(x, approximate=False):
    """The Gaussian error linear unit ``x * Phi(x)`` (the tanh approximation with ``approximate=True``)."""
    return _ops().gelu(_t(x), approximate=approximate)


def glu(x, axis=-1):
    """The gated linear unit ``a * sigmoid(b)`` of the halves of ``x`` along ``axis``."""
    return _ops().glu(_t(x), axis=axis)


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return _ops().hard_shrink(_t(x), threshold=threshold)


def hard_silu(x):
    """x * hard_sigmoid(x) (also ``hard_swish``)."""
    x = _t(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def hard_tanh(x):
    """x clipped to [-1, 1]."""
    return _math.clip(_t(x), -1.0, 1.0)


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), computed stably."""
    return -softplus(-_t(x))


def mish(x):
    """x * tanh(softplus(x))."""
    x = _t(x)
    return x * _act.tanh(softplus(x))


def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, else 0."""
    return _ops().soft_shrink(_t(x), threshold=threshold)


def sparse_plus(x):
    """0 for x <= -1, x for x >= 1, (x + 1)**2 / 4 between."""
    return _ops().sparse_plus(_t(x))


def sparse_sigmoid(x):
    """0 for x <= -1, 1 for x >= 1, (x + 1) / 2 between."""
    return _ops().sparse_sigmoid(_t(x))


def sparsemax(x, axis=-1):
    """The Euclidean projection of ``x`` onto the probability simplex along ``axis``."""
    return _ops().sparsemax(_t(x), axis=axis)


def squareplus(x, b=4):
    """(x + sqrt(x**2 + b)) / 2."""
    return _ops().squareplus(_t(x), b=b)


def tanh_shrink(x):
    """x - tanh(x)."""
    return _ops().tanh_shrink(_t(x))


def threshold(x, threshold, default_value):
    """x where x > threshold, else ``default_value``."""
    return _ops().threshold(_t(x), threshold, default_value)


_BY_NAME = {f.__name__: f for f in (relu, sigmoid, tanh, softmax, log_softmax, linear, elu, selu,
                                     softplus, softsign, swish, leaky_relu, relu6, hard_sigmoid,
                                     exponential, celu, gelu, glu, hard_shrink, hard_silu, hard_tanh,
                                     log_sigmoid, mish, soft_shrink, sparse_plus, sparse_sigmoid, sparsemax,
                                     squareplus, tanh_shrink)}
_BY_NAME["silu"] = swish
_BY_NAME["hard_swish"] = hard_silu
_AXIS_FUNCTIONS = {softmax, log_softmax, glu, sparsemax}


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


def deserialize(config, custom_objects=None):
    """The activation function of a serialized ``config``: a name, or Keras' dict
    ``{"class_name": "function", "config": name, ...}``; ``custom_objects`` maps extra names."""
    if isinstance(config, dict):
        name = config.get("config", config.get("class_name"))
        if isinstance(name, dict):
            name = name.get("name")
    else:
        name = config
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if not isinstance(name, str):
        raise ValueError(f"Could not interpret serialized activation function: {config!r}")
    return get(name)


def serialize(activation) -> str:
    """The name of an activation function."""
    for name, f in _BY_NAME.items():
        if f is activation:
            return name
    return getattr(activation, "__name__", repr(activation))


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
