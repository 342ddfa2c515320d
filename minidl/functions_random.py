"""Random sampling functions: ``bernoulli``, ``multinomial``, ``normal``, ``poisson``, ``randint_like``.

Samples come from minidl's seeded generator (:func:`minidl.manual_seed`), or
from ``generator=`` (a :class:`minidl.Generator`), drawn on the CPU and moved
to the input's device, so the same seed gives the same numbers everywhere.
Samples carry no gradient.

>>> import minidl as mdl
>>> _ = mdl.manual_seed(0)
>>> a = mdl.multinomial(mdl.tensor([0.1, 0.0, 0.9]), 4, replacement=True)
>>> _ = mdl.manual_seed(0)
>>> bool((a == mdl.multinomial(mdl.tensor([0.1, 0.0, 0.9]), 4, replacement=True)).all())
True
"""
from __future__ import annotations

import numbers

import numpy as np

from minidl.dtypes import is_floating

from . import backend, mt19937
from ._torch_samplers import poisson_draws
from .dtypes import get_default_dtype, to_numpy_dtype
from .generator import as_numpy_generator
from .tensor import Tensor, as_tensor

__all__ = ["bernoulli", "multinomial", "normal", "poisson", "randint_like"]


def _t(value):
    return value if isinstance(value, Tensor) else as_tensor(value)


def _on(array, like_device):
    return Tensor(backend.to_device(array, like_device) if like_device.type != "cpu" else array)


def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples, 1 with probability ``input`` (elementwise, in [0, 1]) or ``p``; ``input``'s dtype."""
    input = _t(input)
    probs = backend.to_numpy(input.array) if p is None else np.full(input.array.shape, float(p))
    if ((probs < 0) | (probs > 1)).any() or np.isnan(probs).any():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message "
                           "be improved?  If so, please report an enhancement request to PyTorch.)")
    bits = np.float64 if probs.dtype == np.float64 else np.float32   # PyTorch draws at the precision of p
    draw = mt19937.bernoulli(as_numpy_generator(generator), probs, input.array.shape, bits)
    dtype = input.array.dtype if is_floating(input.array.dtype) else to_numpy_dtype(get_default_dtype())
    result = _on(draw.astype(dtype), input.device)
    if out is not None:
        out.array = result.array
        return out
    return result


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """``num_samples`` category indices per row of the non-negative weights ``input`` (1-D or 2-D), int64.

    Without ``replacement`` each category is drawn at most once (so ``num_samples`` may not exceed the number
    of non-zero weights).
    """
    input = _t(input)
    w = backend.to_numpy(input.array).astype(np.float64)
    if w.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got shape {list(w.shape)}")
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples, got {num_samples}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = w.reshape(-1, w.shape[-1])
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    for row in rows:
        if row.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    dtype = input.array.dtype if is_floating(input.array.dtype) else np.dtype(np.float32)
    result = _multinomial_rows(rows.astype(dtype), num_samples, replacement, as_numpy_generator(generator))
    return _on(result.reshape(w.shape[:-1] + (num_samples,)), input.device)


def _multinomial_rows(rows: np.ndarray, num_samples: int, replacement: bool, rng) -> np.ndarray:
    """PyTorch's CPU multinomial on the (n_dist, n_categories) weights ``rows``, in their dtype; int64 indices.

    Without replacement (or for one sample): the exponential race, argmax / top-k of w / q with q ~ Exp(1)
    drawn as ``exponential_`` draws it (zero weights come last, highest index first, as PyTorch's top-k
    leaves them). With replacement: per row, each sample is the first category whose normalised cumulative
    weight (summed in the weights' dtype, the last one set to 1) reaches a float64 uniform.
    """
    n_dist, n_cat = rows.shape
    if not replacement or num_samples == 1:
        q = (-np.log1p(-mt19937.unit(rng, rows.size, np.float64))).astype(rows.dtype).reshape(rows.shape)
        keys = rows / q
        out = np.empty((n_dist, num_samples), dtype=np.int64)
        for i in range(n_dist):
            if num_samples == 1:
                out[i, 0] = int(np.argmax(keys[i]))
                continue
            positive = np.flatnonzero(keys[i] > 0)
            order = positive[np.argsort(-keys[i][positive], kind="stable")]
            zeros = np.flatnonzero(keys[i] <= 0)[::-1]
            out[i] = np.concatenate([order, zeros])[:num_samples]
        return out
    cumulative = np.cumsum(rows, axis=1, dtype=rows.dtype)
    total = cumulative[:, -1:].copy()
    cumulative = np.where(total > 0, cumulative / total, cumulative).astype(rows.dtype)
    cumulative[:, -1] = 1
    draws = mt19937.unit(rng, n_dist * num_samples, np.float64).reshape(n_dist, num_samples)
    return np.stack([np.searchsorted(cumulative[i].astype(np.float64), draws[i], side="left")
                     for i in range(n_dist)]).astype(np.int64)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           pin_memory=False, requires_grad=False):
    """Samples of N(mean, std**2): ``mean``/``std`` tensors (broadcast) or numbers (then ``size`` is needed)."""
    rng = as_numpy_generator(generator)
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if tensors:
        like = tensors[0]
        m = backend.to_numpy(mean.array) if isinstance(mean, Tensor) else np.asarray(mean)
        s = backend.to_numpy(std.array) if isinstance(std, Tensor) else np.asarray(std)
        if (s < 0).any():
            raise RuntimeError(f"normal expects all elements of std >= 0.0, got {s.min()}")
        shape = np.broadcast_shapes(m.shape, s.shape) if size is None else tuple(size)
        kind = np.result_type(*[t.array.dtype for t in tensors])
        kind = kind if is_floating(kind) else to_numpy_dtype(get_default_dtype())
        # as PyTorch: standard normals of the output's dtype, then scaled by std and shifted by mean
        z = mt19937.normal(rng, shape, kind)
        draw = (z * s.astype(kind) + m.astype(kind)).astype(kind)
        result = _on(draw, like.device)
    else:
        if size is None:
            raise TypeError("normal() with a number mean and std needs size=")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        size = (size,) if isinstance(size, numbers.Integral) else tuple(size)
        np_dtype = to_numpy_dtype(dtype) or to_numpy_dtype(get_default_dtype())
        draw = mt19937.normal(rng, size, np_dtype, mean, std)
        result = Tensor(backend.to_device(draw, backend.device_or_default(device)))
    if requires_grad:
        result.requires_grad_(True)
    if out is not None:
        out.array = result.array.astype(out.array.dtype)
        return out
    return result


def poisson(input, generator=None):
    """Poisson samples with the rates ``input`` (elementwise), in ``input``'s dtype."""
    input = _t(input)
    rates = backend.to_numpy(input.array)
    if (rates < 0).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    draws = poisson_draws(as_numpy_generator(generator), rates)   # PyTorch's samplers: its numbers for a seed
    return _on(draws.astype(input.array.dtype), input.device)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None, generator=None):
    """Integers uniform in [low, high) with ``input``'s shape (``randint_like(input, high)`` for low 0)."""
    input = _t(input)
    if high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    np_dtype = to_numpy_dtype(dtype) or input.array.dtype
    draw = mt19937.integers(as_numpy_generator(generator), input.array.shape, int(low), int(high), np_dtype)
    target = backend.device_or_default(device) if device is not None else input.device
    result = Tensor(backend.to_device(draw, target) if target.type != "cpu" else draw)
    if requires_grad:
        result.requires_grad_(True)
    return result
