"""NumPy-style reductions of ``keras.ops`` beyond the basic ones: the NaN-ignoring family
(``nansum``, ``nanmean``, ...), ``median``/``quantile``/``percentile``, ``average``, ``ptp``.

Built from minidl's differentiable ops, so gradients flow (a NaN entry gets a zero gradient).
Dtypes follow Keras 3: integer inputs of a mean-like reduction give float32, integer
sums/products keep the input's integer dtype, index results are int32.
"""
from __future__ import annotations

import numpy as np

import minidl
from minidl.tensor import Tensor

__all__ = ["amax", "amin", "ptp", "average", "median", "quantile", "percentile", "nansum", "nanmean", "nanmax",
           "nanmin", "nanprod", "nanvar", "nanstd", "nanmedian", "nanquantile", "nanpercentile", "nanargmax",
           "nanargmin", "nancumsum", "nancumprod"]

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _t(x):
    from minidl.keras.ops import convert_to_tensor
    return convert_to_tensor(x)


def _floating(x: Tensor) -> Tensor:
    return x if x.is_floating_point() else x.float()


def _keep_int(out: Tensor, like: Tensor) -> Tensor:
    """``out`` in the integer dtype Keras keeps for sums/products of ``like`` (bool -> int32)."""
    if like.dtype == minidl.bool or (not like.is_floating_point() and like.dtype.itemsize < 4):
        return out.to(minidl.int32)
    return out if like.is_floating_point() else out.to(like.dtype)


def _axes(x: Tensor, axis):
    if axis is None:
        return tuple(range(x.ndim))
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    for a in axes:
        if not -x.ndim <= a < max(x.ndim, 1):
            raise ValueError(f"axis {a} is out of bounds for an input of rank {x.ndim}")
    return tuple(sorted(a % max(x.ndim, 1) for a in axes))


def _reduce(fn, x: Tensor, axis, keepdims):
    """``fn(x, dim=axes, keepdim=True)`` then the reduced axes dropped unless ``keepdims``."""
    axes = _axes(x, axis)
    if x.ndim == 0:
        return fn(x.reshape(1), dim=(0,), keepdim=True).reshape(())
    out = fn(x, dim=axes, keepdim=True)
    return out if keepdims else out.squeeze(axes)


def _amax(x, dim, keepdim):
    return minidl.amax(x, dim=dim, keepdim=keepdim)


def _amin(x, dim, keepdim):
    return minidl.amin(x, dim=dim, keepdim=keepdim)


def amax(x, axis=None, keepdims=False) -> Tensor:
    """The largest value over ``axis`` (NaN if any value is NaN)."""
    return _reduce(_amax, _t(x), axis, keepdims)


def amin(x, axis=None, keepdims=False) -> Tensor:
    """The smallest value over ``axis`` (NaN if any value is NaN)."""
    return _reduce(_amin, _t(x), axis, keepdims)


def ptp(x, axis=None, keepdims=False) -> Tensor:
    """The range ``max - min`` over ``axis``."""
    return amax(x, axis, keepdims) - amin(x, axis, keepdims)


def average(x, axis=None, weights=None) -> Tensor:
    """The mean over ``axis`` weighted by ``weights`` (same shape as ``x``, or 1-D along ``axis``)."""
    x = _floating(_t(x))
    if weights is None:
        return _reduce(lambda v, dim, keepdim: v.mean(dim=dim, keepdim=keepdim), x, axis, False)
    w = _t(weights).to(x.dtype) if _t(weights).is_floating_point() else _t(weights).to(minidl.float32)
    if w.shape != x.shape:
        if axis is None or w.ndim != 1 or w.shape[0] != x.shape[axis]:
            raise ValueError(f"average: weights of shape {tuple(w.shape)} do not fit an input of shape "
                             f"{tuple(x.shape)} along axis {axis}")
        shape = [1] * x.ndim
        shape[axis] = w.shape[0]
        w = w.reshape(shape)
    total = _reduce(lambda v, dim, keepdim: v.sum(dim=dim, keepdim=keepdim), x * w, axis, False)
    norm = _reduce(lambda v, dim, keepdim: v.sum(dim=dim, keepdim=keepdim), minidl.broadcast_to(w, x.shape), axis,
                   False)
    return total / norm


def _quantile(fn, x, q, axis, method, keepdims, scale=1.0):
    if method not in _METHODS:
        raise ValueError(f"Invalid quantile method {method!r}; expected one of {_METHODS}")
    x = _floating(_t(x))
    q_t = _t(q).to(x.dtype) / scale
    if bool(((q_t < 0) | (q_t > 1)).any()):
        raise ValueError(f"quantile/percentile: q must lie in [0, {scale:g}], got {q}")
    axes = _axes(x, axis)
    kept = [a for a in range(x.ndim) if a not in axes]
    flat = minidl.permute(x, kept + list(axes)).reshape([x.shape[a] for a in kept] + [-1]) if x.ndim else x.reshape(1)
    out = fn(flat, q_t, dim=-1, keepdim=False, interpolation=method)
    if keepdims:
        shape = [1 if a in axes else x.shape[a] for a in range(x.ndim)]
        out = out.reshape(tuple(out.shape[:q_t.ndim]) + tuple(shape))
    return out


def quantile(x, q, axis=None, method="linear", keepdims=False) -> Tensor:
    """The ``q``-th quantile(s) (``q`` in [0, 1], a scalar or 1-D) over ``axis``; ``method`` as NumPy's
    (``"linear"``, ``"lower"``, ``"higher"``, ``"midpoint"``, ``"nearest"``). Shape: ``q.shape + reduced``."""
    return _quantile(minidl.quantile, x, q, axis, method, keepdims)


def percentile(x, q, axis=None, method="linear", keepdims=False) -> Tensor:
    """As :func:`quantile` with ``q`` in percent ([0, 100])."""
    return _quantile(minidl.quantile, x, q, axis, method, keepdims, scale=100.0)


def median(x, axis=None, keepdims=False) -> Tensor:
    """The median over ``axis`` (the mean of the two middle values for an even count, as NumPy)."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


def nanquantile(x, q, axis=None, method="linear", keepdims=False) -> Tensor:
    """As :func:`quantile`, ignoring NaN values."""
    return _quantile(minidl.nanquantile, x, q, axis, method, keepdims)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False) -> Tensor:
    """As :func:`percentile`, ignoring NaN values."""
    return _quantile(minidl.nanquantile, x, q, axis, method, keepdims, scale=100.0)


def nanmedian(x, axis=None, keepdims=False) -> Tensor:
    """As :func:`median`, ignoring NaN values."""
    return nanquantile(x, 0.5, axis=axis, keepdims=keepdims)


def _filled(x: Tensor, value) -> Tensor:
    """``x`` with its NaN entries replaced by ``value`` (integers pass through)."""
    if not x.is_floating_point():
        return x
    return minidl.where(minidl.isnan(x), minidl.full_like(x, value), x)


def _sum(v, dim, keepdim):
    return v.sum(dim=dim, keepdim=keepdim)


def nansum(x, axis=None, keepdims=False) -> Tensor:
    """The sum over ``axis`` treating NaN as zero."""
    x = _t(x)
    return _keep_int(_reduce(_sum, _filled(x, 0.0), axis, keepdims), x)


def _count(x: Tensor, axis, keepdims) -> Tensor:
    valid = (~minidl.isnan(x)) if x.is_floating_point() else minidl.ones_like(x, dtype=minidl.bool)
    return _reduce(_sum, valid.to(x.dtype), axis, keepdims)


def nanmean(x, axis=None, keepdims=False) -> Tensor:
    """The mean over ``axis`` of the non-NaN values (NaN where there are none)."""
    x = _floating(_t(x))
    return _reduce(_sum, _filled(x, 0.0), axis, keepdims) / _count(x, axis, keepdims)


def nanvar(x, axis=None, keepdims=False) -> Tensor:
    """The population variance over ``axis`` of the non-NaN values."""
    x = _floating(_t(x))
    mu = nanmean(x, axis, keepdims=True)
    deviation = _filled(x, 0.0) - mu  # NaN entries filled first: their gradient stays 0, not NaN
    sq = minidl.where(minidl.isnan(x), minidl.zeros_like(deviation), deviation * deviation)
    return _reduce(_sum, sq, axis, keepdims) / _count(x, axis, keepdims)


def nanstd(x, axis=None, keepdims=False) -> Tensor:
    """The population standard deviation over ``axis`` of the non-NaN values."""
    return minidl.sqrt(nanvar(x, axis, keepdims))


def _nan_extreme(x, axis, keepdims, fill, fn):
    x = _t(x)
    out = _reduce(fn, _filled(x, fill), axis, keepdims)
    if x.is_floating_point():
        all_nan = _reduce(lambda v, dim, keepdim: minidl.amin(v, dim=dim, keepdim=keepdim),
                          minidl.isnan(x).to(minidl.uint8), axis, keepdims).bool()
        out = minidl.where(all_nan, minidl.full_like(out, float("nan")), out)
    return out


def nanmax(x, axis=None, keepdims=False) -> Tensor:
    """The largest non-NaN value over ``axis`` (NaN where all are NaN)."""
    return _nan_extreme(x, axis, keepdims, -np.inf, _amax)


def nanmin(x, axis=None, keepdims=False) -> Tensor:
    """The smallest non-NaN value over ``axis`` (NaN where all are NaN)."""
    return _nan_extreme(x, axis, keepdims, np.inf, _amin)


def nanprod(x, axis=None, keepdims=False) -> Tensor:
    """The product over ``axis`` treating NaN as one."""
    from minidl.keras.ops import prod
    x = _t(x)
    return _keep_int(prod(_filled(x, 1.0), axis=axis, keepdims=keepdims), x)


def _nanarg(x, axis, keepdims, fill, fn):
    x = _t(x)
    out = fn(_filled(x, fill), dim=axis, keepdim=keepdims if axis is not None else False)
    if axis is None and keepdims:
        out = out.reshape((1,) * x.ndim)
    return out.to(minidl.int32)


def nanargmax(x, axis=None, keepdims=False) -> Tensor:
    """The index (int32) of the largest non-NaN value over ``axis`` (of the flattened input for None)."""
    return _nanarg(x, axis, keepdims, -np.inf, minidl.argmax)


def nanargmin(x, axis=None, keepdims=False) -> Tensor:
    """The index (int32) of the smallest non-NaN value over ``axis``."""
    return _nanarg(x, axis, keepdims, np.inf, minidl.argmin)


def nancumsum(x, axis=None, dtype=None) -> Tensor:
    """Running sums along ``axis`` treating NaN as zero (of the flattened input for None)."""
    from minidl.keras.ops import cast, cumsum
    x = _t(x) if dtype is None else cast(x, dtype)
    return _keep_int(cumsum(_filled(x, 0.0), axis=axis), x)


def nancumprod(x, axis=None, dtype=None) -> Tensor:
    """Running products along ``axis`` treating NaN as one."""
    from minidl.keras.ops import cast, cumprod
    x = _t(x) if dtype is None else cast(x, dtype)
    return _keep_int(cumprod(_filled(x, 1.0), axis=axis), x)
