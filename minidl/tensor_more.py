"""More :class:`minidl.Tensor` methods: the method forms of the module-level functions in
``functions_math``, ``functions_shape``, ``functions_stats`` and ``tensor_index_add`` (``x.log1p()``,
``x.tril()``, ``x.median(0)``, ``x.scatter_add(...)``, ...), their in-place ``_`` forms, the in-place
shape changes (``unsqueeze_``, ``t_``, ...), random fills (``bernoulli_``, ``random_``, ``exponential_``)
and the layout queries ``stride()`` and ``storage_offset()``.

A method ``x.name(*args)`` is ``minidl.name(x, *args)`` with the same
docstring; ``x.name_(*args)`` writes that result into ``x`` following the
in-place rules of the other ``_`` methods (a leaf that requires grad refuses).

>>> import minidl as mdl
>>> x = mdl.tensor([[1.0, 2.0], [3.0, 4.0]])
>>> x.tril().tolist(), x.trace().item()
([[1.0, 0.0], [3.0, 4.0]], 5.0)
"""
from __future__ import annotations

import functools

import numpy as np

from . import backend

__all__ = ["MoreMixin"]


def _function(module, name):
    import importlib
    return getattr(importlib.import_module(f"minidl.{module}"), name)


def _method(module, name, target=None):
    """``Tensor.<name>(self, ...)`` calling ``minidl.<module>.<target or name>(self, ...)``."""
    fn = _function(module, target or name)

    @functools.wraps(fn)
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    method.__signature__ = _as_method_signature(fn)
    return method


def _as_method_signature(fn):
    """``fn``'s signature with its first parameter (the tensor) named ``self``."""
    import inspect
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    params = list(sig.parameters.values())
    if params:
        params[0] = params[0].replace(name="self")
    return sig.replace(parameters=params)


def _inplace_method(module, name, target):
    """``Tensor.<name>_(self, ...)``: ``<target>(self, ...)`` written into ``self`` (PyTorch's in-place rules)."""
    fn = _function(module, target)

    def method(self, *args, **kwargs):
        from .tensor import Tensor
        inputs = tuple(a for a in tuple(args) + tuple(kwargs.values()) if isinstance(a, Tensor))
        return self._inplace(name, lambda t: fn(t, *args, **kwargs), inputs)
    method.__name__ = method.__qualname__ = name
    method.__signature__ = _as_method_signature(fn)
    method.__doc__ = f"In-place ``{target}``: {(fn.__doc__ or '').strip().splitlines()[0]}"
    return method


_METHODS = {
    "functions_math": ["log1p", "expm1", "log2", "log10", "tan", "sinh", "cosh", "asin", "acos", "atan", "asinh",
                       "acosh", "atanh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "arctan2",
                       "erf", "erfc", "erfinv", "atan2", "fmod", "frac", "fix", "exp2", "hypot", "deg2rad",
                       "rad2deg", "xlogy", "logaddexp", "logaddexp2", "lerp", "addcmul", "addcdiv", "addmm",
                       "addmv", "baddbmm", "addbmm", "outer", "ger", "inner", "mv", "kron", "multiply",
                       "subtract", "negative", "true_divide", "isinf", "isposinf", "isneginf", "isreal",
                       "logical_and", "logical_or", "logical_xor", "nan_to_num", "count_nonzero", "nansum",
                       "nanmean", "cumprod", "cummax", "cummin", "logcumsumexp", "lgamma", "digamma", "mvlgamma"],
    "functions_shape": ["broadcast_to", "roll", "fliplr", "flipud", "rot90", "narrow", "select", "movedim",
                        "moveaxis", "swapaxes", "swapdims", "ravel", "repeat_interleave", "tensor_split",
                        "hsplit", "vsplit", "take_along_dim", "take", "tril", "triu", "diag", "diagonal",
                        "diag_embed", "diagflat", "trace", "diff", "cross", "unfold"],
    "functions_stats": ["median", "nanmedian", "quantile", "nanquantile", "mode", "kthvalue", "unique",
                        "unique_consecutive", "bincount", "histc", "argwhere", "aminmax", "dist"],
    "tensor_index_add": ["scatter_add", "index_add", "index_fill", "index_copy"],
    "functions_random": ["bernoulli"],
    "functions_more": ["absolute", "fmax", "fmin", "greater", "greater_equal", "less", "less_equal", "not_equal",
                       "positive", "sgn", "is_nonzero", "is_same_size", "is_complex", "is_signed", "gcd", "lcm",
                       "ldexp", "nextafter", "scatter_reduce", "select_scatter", "slice_scatter", "diagonal_scatter",
                       "index_put", "masked_scatter", "matrix_exp", "cholesky_solve", "cholesky_inverse", "addr",
                       "dsplit", "histogram", "renorm", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not"],
    "special": ["logit", "sinc", "copysign", "heaviside", "float_power", "signbit", "i0"],
    "functions_linalg": ["inverse", "det", "logdet", "slogdet", "svd", "qr", "cholesky", "matrix_power",
                         "pinverse"],
}

# in-place forms: name_ -> (module, function)
_INPLACE = {f"{n}_": ("functions_math", n) for n in (
    "log1p", "expm1", "log2", "log10", "tan", "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh",
    "arcsin", "arccos", "arctan", "arctan2", "erf", "erfc", "erfinv", "atan2", "fmod", "frac", "fix", "exp2",
    "hypot", "deg2rad", "rad2deg", "xlogy", "lerp", "addcmul", "addcdiv", "addmm", "addmv", "baddbmm", "addbmm",
    "multiply", "subtract", "negative", "true_divide", "logical_and", "logical_or", "logical_xor", "nan_to_num",
    "cumprod", "reciprocal", "rsqrt", "trunc", "logical_not", "lgamma", "digamma", "mvlgamma")}
_INPLACE.update({f"{n}_": ("functions_shape", n) for n in ("tril", "triu")})
_INPLACE.update({f"{n}_": ("tensor_index_add", n) for n in ("scatter_add", "index_add", "index_fill",
                                                              "index_copy")})
_INPLACE.update({f"{n}_": ("special", n) for n in ("logit", "sinc", "copysign", "float_power", "i0")})
_INPLACE.update({f"{n}_": ("functions_more", n) for n in (
    "absolute", "greater", "greater_equal", "less", "less_equal", "not_equal", "sgn", "gcd", "lcm", "ldexp",
    "nextafter", "scatter_reduce", "index_put", "masked_scatter", "addr", "renorm", "bitwise_and", "bitwise_or",
    "bitwise_xor", "bitwise_not")})
_INPLACE["fill_diagonal_"] = ("tensor_index_add", "fill_diagonal")


class MoreMixin:
    """Method forms of the added ``minidl.*`` functions, their in-place forms, and layout queries."""

    def stride(self, dim=None):
        """The step, in elements, between neighbours along each dim (a tuple), or along ``dim``."""
        itemsize = self.array.dtype.itemsize
        strides = tuple(int(s) // itemsize for s in self.array.strides)
        if dim is None:
            return strides
        from .tensor import _check_dim
        return strides[_check_dim(dim, self.array.ndim)]

    def storage_offset(self):
        """The offset, in elements, of the first element in the memory it shares with the tensor it views."""
        base = self.array
        while getattr(base, "base", None) is not None:
            base = base.base
        offset = backend.data_pointer(self.array) - backend.data_pointer(base)
        return int(offset) // self.array.dtype.itemsize

    def _reshape_inplace(self, name, fn):
        """Rebind ``self`` to ``fn(self)`` (a view with another shape), recorded when it requires grad."""
        from .autograd import is_grad_enabled, no_grad
        from .tensor import Tensor
        from .tensor_inplace import _redirect_consumers
        if is_grad_enabled() and self.requires_grad:
            if self.creator is None:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
            old = Tensor(self.array)
            old.creator, old.requires_grad = self.creator, True
            if self.__dict__.pop("_used", False):
                _redirect_consumers(name, self, old)
            from .autograd import _forward_state as _fw
            if _fw.active:
                _fw.set_tangent(old, _fw.tangent_of(self))
            result = fn(old)
            if _fw.active:
                _fw.set_tangent(self, _fw.tangent_of(result))
            self.array, self.creator = result.array, result.creator
            return self
        with no_grad():
            self.array = fn(Tensor(self.array)).array
        from .autograd import _forward_state as _fw
        tangent = _fw.tangent_of(self) if _fw.active else None
        if tangent is not None:   # forward-mode AD: the tangent takes the new shape too
            _fw.set_tangent(self, fn(tangent))
        return self

    def squeeze_(self, dim=None):
        """In-place ``squeeze``: drop dims of size 1 (all, or ``dim``)."""
        return self._reshape_inplace("squeeze_", lambda t: t.squeeze(dim) if dim is not None else t.squeeze())

    def unsqueeze_(self, dim):
        """In-place ``unsqueeze``: insert a dim of size 1 at ``dim``."""
        return self._reshape_inplace("unsqueeze_", lambda t: t.unsqueeze(dim))

    def t_(self):
        """In-place ``t``: transpose a matrix."""
        return self._reshape_inplace("t_", lambda t: t.t())

    def transpose_(self, dim0, dim1):
        """In-place ``transpose``: swap ``dim0`` and ``dim1``."""
        return self._reshape_inplace("transpose_", lambda t: t.transpose(dim0, dim1))

    def swapaxes_(self, axis0, axis1):
        """In-place ``swapaxes``."""
        return self.transpose_(axis0, axis1)

    swapdims_ = swapaxes_

    def _draw(self, name, sample):
        """Fill ``self`` in place with ``sample(numpy_generator, shape)`` cast to its dtype (no gradient)."""
        if backend.is_meta_array(self.array):   # the meta device: no data, nothing drawn
            return self
        return self._fill(name, backend.to_device(np.asarray(sample(self.shape)).astype(self.array.dtype),
                                                  self.device))

    def bernoulli_(self, p=0.5, *, generator=None):
        """Fill with 0/1 samples, 1 with probability ``p`` (a number or a tensor broadcast to this shape);
        PyTorch's numbers for the same seed."""
        from . import mt19937
        from .generator import as_numpy_generator
        if hasattr(p, "array"):
            probs = backend.to_numpy(p.array)
            bits = probs.dtype if probs.dtype == np.float64 else np.float32
        else:
            probs, bits = float(p), np.float64
            if not 0 <= probs <= 1:
                raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        rng = as_numpy_generator(generator)
        return self._draw("bernoulli_", lambda shape: mt19937.bernoulli(rng, probs, tuple(shape), bits))

    def random_(self, from_=0, to=None, *, generator=None, **kwargs):
        """Fill with integers uniform in [from, to) (``random_(to)`` for [0, to); without bounds, [0, 2**mantissa]
        for floats or the dtype's range); PyTorch's keyword ``from`` is accepted; PyTorch's numbers for a seed."""
        from . import mt19937
        from .generator import as_numpy_generator
        from_ = kwargs.pop("from", from_)
        if kwargs:
            raise TypeError(f"random_() got unexpected keyword arguments {sorted(kwargs)}")
        if to is None and from_ != 0:
            from_, to = 0, from_
        rng = as_numpy_generator(generator)
        if to is None:
            return self._draw("random_", lambda shape: mt19937.full_range(rng, tuple(shape), self.array.dtype))
        if to <= from_:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
        return self._draw("random_", lambda shape: mt19937.integers(rng, tuple(shape), int(from_), int(to)))

    def exponential_(self, lambd=1.0, *, generator=None):
        """Fill with samples of the exponential distribution with rate ``lambd``: -log(1 - u) / lambd from float64
        uniforms, PyTorch's numbers for the same seed."""
        from . import mt19937
        from .generator import as_numpy_generator
        rng = as_numpy_generator(generator)
        return self._draw("exponential_", lambda shape: (-1.0 / lambd) * np.log1p(
            -mt19937.unit(rng, int(np.prod(shape)), np.float64)).reshape(tuple(shape)))

    def geometric_(self, p, *, generator=None):
        """Fill with samples of the geometric distribution (trials until the first success, >= 1):
        ceil(log(u) / log(1 - p)) from float64 uniforms, as PyTorch draws them."""
        from . import mt19937
        from .generator import as_numpy_generator
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        rng = as_numpy_generator(generator)
        return self._draw("geometric_", lambda shape: np.ceil(
            np.log(mt19937.unit(rng, int(np.prod(shape)), np.float64)) / np.log1p(-p)).reshape(tuple(shape)))

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        """Fill with samples of exp(N(mean, std**2)), as PyTorch draws them (one float64 normal per value)."""
        from . import mt19937
        from .generator import as_numpy_generator
        rng = as_numpy_generator(generator)
        return self._draw("log_normal_", lambda shape: np.exp(
            mt19937.standard_normal(rng, int(np.prod(shape)), np.float64, contiguous=False) * std + mean
        ).reshape(tuple(shape)))

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        """Fill with samples of the Cauchy distribution: median + sigma tan(pi (u - 1/2)) from float64 uniforms."""
        from . import mt19937
        from .generator import as_numpy_generator
        rng = as_numpy_generator(generator)
        return self._draw("cauchy_", lambda shape: (median + sigma * np.tan(
            np.pi * (mt19937.unit(rng, int(np.prod(shape)), np.float64) - 0.5))).reshape(tuple(shape)))

    def polygamma(self, n):
        """``minidl.polygamma(n, self)``: the ``n``-th derivative of digamma."""
        from .functions_math import polygamma
        return polygamma(n, self)

    def polygamma_(self, n):
        """In-place ``polygamma``."""
        from .functions_math import polygamma
        return self._inplace("polygamma_", lambda t: polygamma(n, t))

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        """``minidl.multinomial(self, ...)``: category indices drawn with these weights."""
        from .functions_random import multinomial
        return multinomial(self, num_samples, replacement, generator=generator)


def install_methods():
    """Add the generated methods to :class:`MoreMixin` (called by ``minidl/__init__`` once the function modules,
    which import ``Tensor``, are loaded)."""
    for module, names in _METHODS.items():
        for name in names:
            setattr(MoreMixin, name, _method(module, name))
    for name, (module, target) in _INPLACE.items():
        setattr(MoreMixin, name, _inplace_method(module, name, target))
    MoreMixin.fill_diagonal_.__doc__ = ("Set the main diagonal to ``fill_value`` in place (``wrap``: restart it "
                                        "every cols + 1 rows of a tall matrix).")
