"""``keras.random``: random tensors with Keras' seeding (an int seed, a ``SeedGenerator`` or None).

An int ``seed`` gives the same numbers on every call; a :class:`SeedGenerator`
gives a reproducible stream (each call draws new numbers); ``None`` draws from
minidl's global generator, so ``minidl.manual_seed`` /
``keras.utils.set_random_seed`` fix it. Results are minidl Tensors.
"""
from __future__ import annotations

import numpy as np

import minidl
from minidl.tensor import Tensor

__all__ = ["SeedGenerator", "normal", "uniform", "randint", "truncated_normal", "dropout", "shuffle",
           "categorical", "gamma", "beta", "binomial"]


class SeedGenerator:
    """A stream of seeds: pass it as ``seed=`` so successive calls draw different, reproducible numbers.

    Args: ``seed`` (int or None: drawn from minidl's global generator).
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is None:
            seed = int(minidl.randint(0, 2 ** 31 - 1, (1,)).item())
        if not isinstance(seed, (int, np.integer)):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
        self.initial_seed, self.name = int(seed), name
        self._rng = np.random.default_rng(int(seed))

    def next(self, ordered=True) -> int:
        """The next seed of the stream."""
        return int(self._rng.integers(0, 2 ** 31 - 1))

    def get_config(self) -> dict:
        """``{"seed": initial seed}``."""
        return {"seed": self.initial_seed}


def _rng(seed):
    if isinstance(seed, SeedGenerator):
        return np.random.default_rng(seed.next())
    if seed is None:
        return np.random.default_rng(int(minidl.randint(0, 2 ** 31 - 1, (1,)).item()))
    if isinstance(seed, (int, np.integer)):
        return np.random.default_rng(int(seed))
    raise ValueError(f"Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
                     f"Received: seed={seed!r} (of type {type(seed)})")


def _out(arr, dtype, default="float32") -> Tensor:
    return minidl.as_tensor(np.ascontiguousarray(arr).astype(np.dtype(str(dtype or default).split(".")[-1])))


def _shape(shape):
    from minidl.keras.ops import _shape_tuple  # (ints, lists of them or of scalar tensors, 1-D tensors)
    return _shape_tuple(shape)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """Normal samples of ``shape``."""
    return _out(_rng(seed).normal(mean, stddev, _shape(shape)), dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> Tensor:
    """Uniform samples in ``[minval, maxval)``."""
    return _out(_rng(seed).uniform(minval, maxval, _shape(shape)), dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None) -> Tensor:
    """Integers in ``[minval, maxval)``."""
    return _out(_rng(seed).integers(minval, maxval, _shape(shape)), dtype, "int32")


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """Normal samples redrawn until within two standard deviations of the mean."""
    rng, shape = _rng(seed), _shape(shape)
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return _out(mean + stddev * out, dtype)


def dropout(inputs, rate, noise_shape=None, seed=None) -> Tensor:
    """``inputs`` with each element zeroed with probability ``rate``, the rest scaled by ``1 / (1 - rate)``
    (differentiable in ``inputs``); ``noise_shape`` broadcasts one mask over some axes."""
    from minidl.keras.ops import convert_to_tensor
    x = convert_to_tensor(inputs)
    shape = tuple(x.shape) if noise_shape is None else tuple(
        x.shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    keep = _rng(seed).uniform(size=shape) >= rate
    mask = minidl.as_tensor((keep / (1.0 - rate)).astype(np.dtype(str(x.dtype).split(".")[-1])))
    return x * mask


def shuffle(x, axis=0, seed=None) -> Tensor:
    """``x`` with its slices along ``axis`` in a random order."""
    from minidl.keras.ops import convert_to_tensor, take
    x = convert_to_tensor(x)
    order = _rng(seed).permutation(x.shape[axis])
    return take(x, order, axis=axis)


def categorical(logits, num_samples, dtype="int32", seed=None) -> Tensor:
    """``num_samples`` class indices per row of ``logits`` (batch, classes)."""
    from minidl.keras.ops import convert_to_numpy
    z = convert_to_numpy(logits).astype(np.float64)
    p = np.exp(z - z.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    rng = _rng(seed)
    out = np.stack([rng.choice(p.shape[-1], size=int(num_samples), p=row) for row in p.reshape(-1, p.shape[-1])])
    return _out(out.reshape(p.shape[:-1] + (int(num_samples),)), dtype, "int32")


def gamma(shape, alpha, dtype=None, seed=None) -> Tensor:
    """Gamma samples with concentration ``alpha`` (scale 1)."""
    return _out(_rng(seed).gamma(alpha, 1.0, _shape(shape)), dtype)


def beta(shape, alpha, beta, dtype=None, seed=None) -> Tensor:
    """Beta(``alpha``, ``beta``) samples."""
    return _out(_rng(seed).beta(alpha, beta, _shape(shape)), dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None) -> Tensor:
    """Binomial samples (``counts`` trials, success probability ``probabilities``), as floats."""
    return _out(_rng(seed).binomial(counts, probabilities, _shape(shape)), dtype)
