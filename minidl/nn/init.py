"""Weight initialisation, in place, with PyTorch's ``torch.nn.init`` names and defaults.

Every function draws from :func:`minidl.backend.rng` (reset by
``mdl.manual_seed``) on the CPU, then writes the values into the tensor's
own array, keeping its dtype and device, and returns the tensor.
"""
from __future__ import annotations

import math

import numpy as np

from minidl import backend, mt19937
from minidl.autograd import versions as _versions
from minidl.tensor import Tensor

from .. import random_fill as _draws

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
]


def _array(tensor):
    return tensor.array if isinstance(tensor, Tensor) else tensor


def _fill(tensor, values):
    """Write the NumPy array (or scalar) ``values`` into ``tensor`` in place."""
    target = _array(tensor)
    if isinstance(values, np.ndarray):
        values = backend.to_device(values.astype(target.dtype, copy=False),
                                   backend.device_of(target))
    target[...] = values
    if isinstance(tensor, Tensor):   # an in-place write: the version moves, as PyTorch's init functions'
        _versions.bump(tensor, True)
    return tensor


def _generator(generator):
    """A NumPy Generator for ``generator`` (a minidl.Generator, a NumPy Generator, an int seed or None)."""
    from minidl.generator import as_numpy_generator
    return as_numpy_generator(generator) if generator is not None else backend.rng()


def _warn_zero_element():
    import warnings
    warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for ``nonlinearity`` (PyTorch's table).

    linear / conv* / sigmoid: 1 (an int); tanh: 5/3; relu: sqrt(2);
    leaky_relu: sqrt(2 / (1 + negative_slope**2)) with ``param`` the slope
    (default 0.01); selu: 3/4.
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1   # an int, as PyTorch returns
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """``(fan_in, fan_out)`` of a weight: (out, in, *kernel) -> (in*k, out*k).

    Linear weight (out, in): (in, out). Conv weight (out, in/groups, kh, kw):
    (in/groups * kh * kw, out * kh * kw). Needs at least 2 dimensions.
    """
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field_size = 1
    for s in shape[2:]:
        receptive_field_size *= s
    return shape[1] * receptive_field_size, shape[0] * receptive_field_size


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    """Fill ``tensor`` with U(a, b): PyTorch's numbers for the same seed, in its order (memory order for a
    transposed tensor; a complex tensor's real and imaginary parts both drawn).

    Raises:
        NotImplementedError: for an integer or bool tensor.
        RuntimeError: when ``a > b``.
    """
    return _fill(tensor, _draws.uniform_values(_array(tensor), _generator(generator), a, b))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    """Fill ``tensor`` with N(mean, std**2): PyTorch's numbers for the same seed, in its order (a complex
    tensor's parts each get std / sqrt(2)).

    Raises:
        NotImplementedError: for an integer or bool tensor.
        RuntimeError: for a negative ``std``.
    """
    return _fill(tensor, _draws.normal_values(_array(tensor), _generator(generator), mean, std))


def trunc_normal_(tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None):
    """Fill ``tensor`` with N(mean, std**2) truncated to [a, b], by rejection as PyTorch does (so its numbers).

    When [a, b] holds more than 30% of the normal's mass: normal draws, the rejected ones redrawn (a whole
    tensor of fresh normals per round). Otherwise: uniform candidates on [a, b], each accepted when
    log(u) <= -((x - mean) / std)**2 / 2 - log_peak (u ~ U(0, 1), log_peak the log-density's maximum on
    [a, b] relative to the mode), the pending ones redrawn.
    """
    def norm_cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if (mean < a - 2 * std) or (mean > b + 2 * std):
        import warnings
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    gen = _generator(generator)
    dtype = _array(tensor).dtype
    # every draw (and redraw, into tensors shaped like this one) walks the tensor in memory order
    shape, restore, contiguous = _draws.memory_layout(_array(tensor))

    def done(result):
        return _fill(tensor, np.transpose(result, restore))

    if norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std) > 0.3:
        _draws.check_normal_std(std)
        _draws.refuse_non_float("normal_kernel_cpu", dtype)
        if dtype.kind == "c":
            raise NotImplementedError(f"\"lt_cpu\" not implemented for '{_draws.torch_scalar_name(dtype)}'")
        lo, hi = dtype.type(a), dtype.type(b)
        result = mt19937.normal(gen, shape, dtype, mean, std, contiguous)
        while True:
            mask = (result < lo) | (result > hi)
            if not mask.any():
                return done(result)
            result = np.where(mask, mt19937.normal(gen, shape, dtype, mean, std, contiguous), result)
    _draws.refuse_non_float("check_uniform_bounds", dtype)
    _draws.check_uniform_bounds(a, b)
    if dtype.kind == "c":
        raise NotImplementedError(f"\"gt_cpu\" not implemented for '{_draws.torch_scalar_name(dtype)}'")
    mode = max(a, min(mean, b))
    log_peak = dtype.type(-0.5 * ((mode - mean) / std) ** 2)

    def log_density(x):
        return ((x - dtype.type(mean)) / dtype.type(std)) ** 2 * dtype.type(-0.5) - log_peak

    result = mt19937.uniform(gen, shape, dtype, a, b)
    pending = _log(mt19937.uniform(gen, shape, dtype)) > log_density(result)
    while pending.any():
        candidates = mt19937.uniform(gen, shape, dtype, a, b)
        result = np.where(pending, candidates, result)
        pending = np.where(pending, _log(mt19937.uniform(gen, shape, dtype)) > log_density(candidates), pending)
    return done(result)


def _log(values):
    """``np.log`` with log(0) = -inf and no warning (PyTorch's log_ on a drawn 0)."""
    with np.errstate(divide="ignore"):
        return np.log(values)


def constant_(tensor, val: float):
    """Fill ``tensor`` with ``val``."""
    return _fill(tensor, val)


def ones_(tensor):
    """Fill ``tensor`` with ones."""
    return _fill(tensor, 1)


def zeros_(tensor):
    """Fill ``tensor`` with zeros."""
    return _fill(tensor, 0)


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    """Glorot uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    """Glorot normal: N(0, std**2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None):
    """He uniform: U(-bound, bound), bound = gain * sqrt(3 / fan).

    ``a``: negative slope of the leaky ReLU after this layer; ``mode``:
    "fan_in" keeps the forward variance, "fan_out" the backward one.
    """
    if 0 in tuple(tensor.shape):
        _warn_zero_element()
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std   # in this order: PyTorch's rounding
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None):
    """He normal: N(0, std**2), std = gain / sqrt(fan)."""
    if 0 in tuple(tensor.shape):
        _warn_zero_element()
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0.0, gain / math.sqrt(fan), generator)


from ._init_structured import dirac_, eye_, orthogonal_, sparse_  # noqa: E402

__all__ += ["orthogonal_", "dirac_", "eye_", "sparse_"]


def _make_deprecate(meth):
    """The old name without the trailing underscore (``nn.init.uniform``): warns, then calls ``meth``."""
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        import warnings
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.",
                      FutureWarning, stacklevel=2)
        return meth(*args, **kwargs)

    deprecated_init.__doc__ = f"{old_name}(...): deprecated, use :func:`minidl.nn.init.{new_name}` (same arguments)."
    deprecated_init.__name__ = deprecated_init.__qualname__ = old_name
    return deprecated_init


uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
sparse = _make_deprecate(sparse_)
orthogonal = _make_deprecate(orthogonal_)

__all__ += ["uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal", "kaiming_uniform",
            "kaiming_normal", "orthogonal", "sparse"]


def _meta_no_op(function):
    """``function`` (an in-place initialiser) returning a tensor on the ``meta`` device untouched, as PyTorch."""
    import functools

    @functools.wraps(function)
    def initialise(tensor, *args, **kwargs):
        if backend.is_meta_array(getattr(tensor, "array", None)):
            return tensor
        return function(tensor, *args, **kwargs)
    return initialise


for _name in [n for n in __all__ if n.endswith("_") and callable(globals().get(n))]:
    globals()[_name] = _meta_no_op(globals()[_name])
del _name
