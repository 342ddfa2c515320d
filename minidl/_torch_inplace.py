"""The module-level in-place functions of ``torch`` (``torch.relu_(x)``, ``torch.exp_(x)``, ``torch.clamp_(x,
0, 1)``, ``torch.zero_(x)``, ...), each ``input.<name>(...)``, and ``fill(input, value)``.

They follow the Tensor methods' in-place rules (a leaf that requires grad is
refused with grad mode on, a tensor in a graph records the op) and return
``input`` itself.

>>> import minidl as mdl
>>> x = mdl.tensor([-1.0, 2.0])
>>> mdl.relu_(x) is x, x.tolist()
(True, [0.0, 2.0])
"""
from __future__ import annotations

from .tensor import Tensor

# every ``torch.<name>_`` that is ``input.<name>_(...)`` (the ones with other signatures live in _torch_nn_aliases)
_NAMES = ("abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_",
          "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_",
          "cosh_", "deg2rad_", "detach_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_",
          "frac_", "gcd_", "i0_", "index_put_", "lcm_", "ldexp_", "log10_", "log1p_", "log2_", "log_", "logit_",
          "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_", "relu_", "resize_as_", "rsqrt_", "round_",
          "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_", "zero_")

__all__ = list(_NAMES) + ["fill"]


def _function(name):
    def function(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__module__ = __name__
    function.__doc__ = (f"``input.{name}(...)``: {name[:-1]} written into ``input`` in place; returns ``input``.")
    return function


def _signature_of(name):
    """``Tensor.<name>``'s signature with ``self`` named ``input`` (None when it cannot be read)."""
    import inspect
    try:
        sig = inspect.signature(getattr(Tensor, name))
    except (AttributeError, TypeError, ValueError):
        return None
    params = list(sig.parameters.values())
    if params and params[0].name == "self":
        params[0] = params[0].replace(name="input")
    return sig.replace(parameters=params)


def install():
    """Give each function the signature of its Tensor method (called once the Tensor methods are all installed)."""
    for name in _NAMES:
        globals()[name].__signature__ = _signature_of(name)


for _name in _NAMES:
    globals()[_name] = _function(_name)
del _name


def fill(input, value):
    """A new tensor of ``input``'s shape, dtype and device filled with ``value`` (a number or a one-element
    tensor); differentiable with respect to a tensor ``value`` (the gradient is the sum)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fill(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"fill only supports 0-dimension value tensor but got tensor with {value.ndim} "
                               f"dimensions.")
        return value.to(dtype=input.dtype).expand(*input.shape).clone()
    return input.new_full(tuple(input.shape), value)
