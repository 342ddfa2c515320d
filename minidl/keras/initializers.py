"""Keras' weight initialisers (``keras.initializers``), drawing NumPy arrays in Keras' layout.

Shapes are Keras': a Dense kernel is (in, out), a Conv2D kernel (kh, kw, in,
out); ``fan_in = in * kh * kw`` and ``fan_out = out * kh * kw``, as Keras
computes them. Randomness comes from minidl's generator
(``minidl.manual_seed``), or from ``seed=`` when given.

>>> import numpy as np
>>> w = GlorotUniform(seed=0)((3, 3, 16, 32))
>>> bool(np.abs(w).max() <= np.sqrt(6 / (9 * 16 + 9 * 32)))
True
"""
from __future__ import annotations

import math

import numpy as np

from minidl import backend

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
           "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform",
           "HeNormal", "LecunUniform", "LecunNormal", "Orthogonal", "Identity", "get", "serialize",
           "deserialize"]

# std of a unit normal truncated to [-2, 2]: Keras divides by it so the truncated draw keeps the variance
_TRUNCATED_STD = 0.87962566103423978


def compute_fans(shape, input_axes=None, output_axes=None):
    """``(fan_in, fan_out)`` of a Keras-layout weight shape (the products over ``input_axes`` and
    ``output_axes`` when both are given, as Keras)."""
    shape = tuple(int(s) for s in shape)
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``init(shape, dtype=None) -> np.ndarray`` (float32 by default)."""

    def __init__(self, seed=None):
        if seed is not None and not isinstance(seed, (int, np.integer)) and not hasattr(seed, "next"):
            raise ValueError("`seed` argument should be an instance of `keras.random.SeedGenerator()` or an "
                             f"integer. Received: seed={seed}")
        self.seed = seed
        if seed is None and self._random:  # Keras fixes an unseeded random initialiser's seed when it is made
            self._default_seed = int(backend.rng().integers(1, 10 ** 9))

    def _rng(self):
        """The generator of one call. As Keras 3: an int seed gives the same values on every call, and so
        does an unseeded initialiser (its seed is drawn from minidl's generator when it is made);
        a ``keras.random.SeedGenerator`` gives new values each call."""
        if self.seed is None:
            if getattr(self, "_default_seed", None) is None:
                self._default_seed = int(backend.rng().integers(1, 10 ** 9))
            return np.random.default_rng(self._default_seed)
        if hasattr(self.seed, "next"):
            return np.random.default_rng(self.seed.next())
        return np.random.default_rng(int(self.seed))

    def __call__(self, shape, dtype=None):
        """A new array of ``shape``."""
        raise NotImplementedError

    def get_config(self) -> dict:
        """The constructor arguments (Keras': ``{}`` for the constant initialisers, ``seed`` first for the
        random ones)."""
        return {"seed": self.seed} if self._random else {}

    _random = True  # Keras' RandomInitializer family writes its seed (None included)

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config`."""
        return cls(**config)


def _out(values, dtype):
    return np.asarray(values, dtype=np.dtype(dtype or np.float32))


class Zeros(Initializer):
    """All zeros."""

    _random = False

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype=np.dtype(dtype or np.float32))


class Ones(Initializer):
    """All ones."""

    _random = False

    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype=np.dtype(dtype or np.float32))


class Constant(Initializer):
    """All ``value``."""

    _random = False

    def __init__(self, value=0.0):
        super().__init__()
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype=np.dtype(dtype or np.float32))

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    """N(mean, stddev**2); Keras' defaults mean=0, stddev=0.05."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, dtype=None):
        return _out(self._rng().normal(self.mean, self.stddev, size=shape), dtype)

    def get_config(self):
        return dict(super().get_config(), mean=self.mean, stddev=self.stddev)


class RandomUniform(Initializer):
    """U(minval, maxval); Keras' defaults -0.05, 0.05."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = float(minval), float(maxval)

    def __call__(self, shape, dtype=None):
        u = self._rng().random(size=shape)  # (maxval < minval allowed, as Keras)
        return _out(self.minval + (self.maxval - self.minval) * u, dtype)

    def get_config(self):
        return dict(super().get_config(), minval=self.minval, maxval=self.maxval)


def _truncated_normal(rng, shape, mean, stddev):
    """N(mean, stddev) redrawn until inside mean +- 2 stddev."""
    values = rng.normal(size=shape)
    bad = np.abs(values) > 2
    while bad.any():
        values[bad] = rng.normal(size=int(bad.sum()))
        bad = np.abs(values) > 2
    return mean + stddev * values


class TruncatedNormal(Initializer):
    """N(mean, stddev) truncated at two standard deviations; defaults 0, 0.05."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, dtype=None):
        return _out(_truncated_normal(self._rng(), shape, self.mean, self.stddev), dtype)

    def get_config(self):
        return dict(super().get_config(), mean=self.mean, stddev=self.stddev)


class VarianceScaling(Initializer):
    """Keras' VarianceScaling: ``n`` = fan_in, fan_out or their mean (``mode``);
    ``truncated_normal``: stddev sqrt(scale/n)/0.8796 truncated at 2 stddev,
    ``untruncated_normal``: stddev sqrt(scale/n), ``uniform``: U(+-sqrt(3*scale/n))."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, input_axes=None,
                 output_axes=None):
        super().__init__(seed)
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of {{'fan_in', 'fan_out', 'fan_avg'}}")
        distribution = distribution.lower()
        if distribution == "normal":  # Keras' alias
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"Invalid `distribution` argument: {distribution}.Please use one of "
                             "{'uniform', 'truncated_normal', 'untruncated_normal'}")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            values = _truncated_normal(rng, shape, 0.0, math.sqrt(scale) / _TRUNCATED_STD)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(scale), size=shape)
        else:
            limit = math.sqrt(3.0 * scale)
            values = rng.uniform(-limit, limit, size=shape)
        return _out(values, dtype)

    def get_config(self):
        return dict(super().get_config(), scale=self.scale, mode=self.mode,
                    distribution=self.distribution, input_axes=self.input_axes, output_axes=self.output_axes)


class GlorotUniform(VarianceScaling):
    """U(+-sqrt(6 / (fan_in + fan_out))): Keras' default kernel initialiser."""

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(1.0, "fan_avg", "uniform", seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotNormal(VarianceScaling):
    """Truncated normal with stddev sqrt(2 / (fan_in + fan_out))."""

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, input_axes, output_axes)

    get_config = GlorotUniform.get_config


class HeUniform(VarianceScaling):
    """U(+-sqrt(6 / fan_in))."""

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(2.0, "fan_in", "uniform", seed, input_axes, output_axes)

    get_config = GlorotUniform.get_config


class HeNormal(VarianceScaling):
    """Truncated normal with stddev sqrt(2 / fan_in)."""

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(2.0, "fan_in", "truncated_normal", seed, input_axes, output_axes)

    get_config = GlorotUniform.get_config


class LecunUniform(VarianceScaling):
    """U(+-sqrt(3 / fan_in))."""

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(1.0, "fan_in", "uniform", seed, input_axes, output_axes)

    get_config = GlorotUniform.get_config


class LecunNormal(VarianceScaling):
    """Truncated normal with stddev sqrt(1 / fan_in)."""

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(1.0, "fan_in", "truncated_normal", seed, input_axes, output_axes)

    get_config = GlorotUniform.get_config


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times ``gain``, over the flattened (prod(shape[:-1]), shape[-1])."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. Received: "
                             f"shape={tuple(shape)} of rank {len(shape)}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._rng().normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return _out(self.gain * q.reshape(shape), dtype)

    def get_config(self):
        return dict(super().get_config(), gain=self.gain)


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain=1.0):
        super().__init__()
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. Received: "
                             f"shape={tuple(shape)} of rank {len(shape)}.")
        return _out(self.gain * np.eye(*shape), dtype)

    _random = False

    def get_config(self):
        return {}  # Keras 3 writes no config for Identity (its gain is not saved)


_ALIASES = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_uniform": HeUniform, "he_normal": HeNormal,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal, "orthogonal": Orthogonal,
    "identity": Identity,
}
for _cls in list(_ALIASES.values()):
    _ALIASES[_cls.__name__.lower()] = _cls
_ALIASES["uniform"], _ALIASES["normal"] = RandomUniform, RandomNormal  # Keras' short names (Embedding's default)
_ALIASES.update(one=Ones, zero=Zeros, identityinitializer=Identity, orthogonalinitializer=Orthogonal)  # Keras' aliases
# Keras' lower-case function-style names
zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, glorot_uniform, glorot_normal = VarianceScaling, GlorotUniform, GlorotNormal
he_uniform, he_normal, lecun_uniform, lecun_normal = HeUniform, HeNormal, LecunUniform, LecunNormal
orthogonal, identity = Orthogonal, Identity


def get(identifier) -> Initializer:
    """An initialiser from a name (``"glorot_uniform"``, ``"he_normal"``, ...), a config dict,
    an :class:`Initializer`, or a callable ``fn(shape, dtype=None)``."""
    if identifier is None:
        return None
    if isinstance(identifier, Initializer) or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, dict):
        cls = _ALIASES.get(str(identifier.get("class_name", "")).lower())
        if cls is None:
            raise ValueError(f"unknown initializer config {identifier!r}")
        return cls(**identifier.get("config", {}))
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Could not interpret initializer identifier: {identifier}")
        return cls()
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def serialize(initializer) -> dict:
    """Keras' ``{"module": "keras.initializers", "class_name": ..., "config": ..., "registered_name": None}``
    of an initialiser (what a custom layer's ``get_config`` stores; :func:`deserialize` reads it back)."""
    return {"module": "keras.initializers", "class_name": type(initializer).__name__,
            "config": initializer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None) -> Initializer:
    """The initialiser described by :func:`serialize`'s dict (or a name such as ``"he_normal"``);
    ``custom_objects`` maps the class names of user initialisers to their classes."""
    if isinstance(config, dict) and custom_objects and config.get("class_name") in custom_objects:
        return custom_objects[config["class_name"]](**config.get("config", {}))
    return get(config)
