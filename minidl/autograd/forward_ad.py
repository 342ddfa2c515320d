"""``minidl.autograd.forward_ad``: forward-mode automatic differentiation, as ``torch.autograd.forward_ad``.

Inside a ``dual_level`` a Tensor can carry a *tangent* (a direction ``v``);
every operation on such a "dual" Tensor also computes its output's tangent
``J v``, alongside the forward pass::

    import minidl.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        x = fwAD.make_dual(primal, tangent)        # shapes equal
        y = f(x)
        jvp = fwAD.unpack_dual(y).tangent          # J_f(primal) @ tangent, y's shape

Tensors without a tangent count as having a zero one. Leaving the level drops
every tangent made in it. As in PyTorch 2.13 only one level can be open at a
time. minidl's own ops derive their tangent from their reverse-mode rule
(``minidl/autograd/_forward_rules.py``); custom :class:`~minidl.autograd.Function`
subclasses define a ``jvp(ctx, *input_tangents)`` static method. Dual Tensors
also go through reverse mode: ``backward()`` through a function of dual
Tensors works, and the gradients of a backward pass run inside the level carry
tangents themselves (forward-over-reverse, e.g. Hessian-vector products).
"""
from __future__ import annotations

import functools
from collections import namedtuple

from . import _forward_state as _fw

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "dual_level"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])
UnpackedDualTensor.__doc__ = """What :func:`unpack_dual` returns: ``primal`` (a Tensor without tangent) and
``tangent`` (the Tensor's tangent at the level, or None)."""


def enter_dual_level():
    """Open a dual level and return its number (0); PyTorch's RuntimeError when one is already open.

    Prefer the context manager :class:`dual_level`, which also exits it.
    """
    if _fw.level is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    return _fw.open_level()


def exit_dual_level(*, level=None):
    """Close the dual level ``level`` (default: the open one); every tangent made in it is dropped."""
    current = -1 if _fw.level is None else _fw.level
    level = current if level is None else level
    if not isinstance(level, int) or level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    if level != current:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. This is "
                           "not supported.")
    _fw.close_level()


def _level_or_current(level, who):
    if level is None:
        return _fw.level
    if _fw.level is None or level != _fw.level:
        raise RuntimeError(f"Invalid level given to {who}")
    return level


def make_dual(tensor, tangent, *, level=None):
    """A dual Tensor: a view of ``tensor`` whose tangent is ``tangent`` (same shape).

    Args:
        tensor: the primal, a floating-point or complex Tensor (not already dual at this level).
        tangent: the direction, a floating-point or complex Tensor of ``tensor``'s shape; it is used
            as it is when its memory layout equals the primal's, else copied into that layout.
        level: the dual level (default: the open one).

    The result shares ``tensor``'s memory and, when ``tensor`` requires grad,
    stays in its graph (gradients of a function of the dual flow back to it).
    """
    from ..tensor import Tensor
    if _fw.level is None and level is None:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    _level_or_current(level, "_make_dual")
    if not isinstance(tensor, Tensor):
        raise TypeError(f"make_dual(): argument 'tensor' must be Tensor, not {type(tensor).__name__}")
    if not isinstance(tangent, Tensor):
        raise TypeError(f"make_dual(): argument 'tangent' must be Tensor, not {type(tangent).__name__}")
    if not tensor.is_floating_point() and not tensor.is_complex():
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if not tangent.is_floating_point() and not tangent.is_complex():
        raise ValueError(f"Expected tangent to be floating point or complex, but got: {tangent.dtype}")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    if _fw.tangent_of(tensor) is not None:
        raise RuntimeError("Making a dual Tensor based on a Tensor that already has a forward gradient at the same "
                           f"level {_fw.level} is not supported.")
    if tangent.device != tensor.device:
        raise RuntimeError(f"make_dual(): the tangent is on {tangent.device} but the primal on {tensor.device}; "
                           "move it with .to(device) first")
    dual = _alias(tensor)
    if tangent.array.strides != tensor.array.strides and tangent.array.size > 1:
        laid_out = tensor.xp.empty_like(tensor.array, dtype=tangent.array.dtype)
        laid_out[...] = tangent.array
        tangent = Tensor(laid_out)
    _fw.set_tangent(dual, tangent)
    return dual


def _alias(tensor):
    """A Tensor on ``tensor``'s memory, in its graph when it requires grad, carrying no tangent."""
    from ..tensor import Tensor
    from .grad_mode import is_grad_enabled
    if tensor.requires_grad and is_grad_enabled():
        with _fw.private():
            return tensor.view_as(tensor)
    return Tensor(tensor.array)


def unpack_dual(tensor, *, level=None):
    """``UnpackedDualTensor(primal, tangent)`` of ``tensor`` at ``level`` (default: the open one).

    ``primal`` is a view of ``tensor`` without tangent (``tensor`` itself when
    no level is open) and ``tangent`` its tangent, or None when it has none.
    """
    from ..tensor import Tensor
    if not isinstance(tensor, Tensor):
        raise TypeError(f"unpack_dual(): argument 'tensor' must be Tensor, not {type(tensor).__name__}")
    if level is None and _fw.level is None:
        return UnpackedDualTensor(tensor, None)
    if level is not None and (_fw.level is None or level != _fw.level):
        return UnpackedDualTensor(tensor, None)
    tangent = _fw.tangent_of(tensor)
    return UnpackedDualTensor(_alias(tensor), tangent)


class dual_level:
    """Context manager (and decorator) holding a dual level open: forward-mode AD happens inside it.

    ``with dual_level():`` enters a level (``as`` gives its number) and exits
    it on the way out, dropping every tangent made inside. Only one level can
    be open at a time (PyTorch's RuntimeError otherwise).

    >>> import minidl as mdl
    >>> import minidl.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     x = fwAD.make_dual(mdl.tensor([1.0, 2.0]), mdl.tensor([1.0, 0.0]))
    ...     fwAD.unpack_dual(x ** 2).tangent
    tensor([2., 0.])
    """

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False

    def __call__(self, func):
        """Use as a decorator: ``func`` runs inside a fresh dual level."""
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with dual_level():
                return func(*args, **kwargs)
        return wrapper
