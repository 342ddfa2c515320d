"""The hook-based weight normalisation of ``torch.nn.utils`` (``weight_norm``, ``remove_weight_norm``).

``weight_norm(module, "weight", dim=0)`` replaces the parameter ``weight`` by
two parameters, ``weight_g`` (the magnitudes) and ``weight_v`` (the
directions), and recomputes ``weight = weight_g * weight_v / ||weight_v||`` in
a forward pre-hook before every call. The norm is taken over every dimension
except ``dim`` (``dim=None`` or ``-1``: over the whole tensor, ``weight_g`` a
0-d tensor, PyTorch's convention). The state-dict keys are PyTorch's
(``weight_g``, ``weight_v``), so PyTorch checkpoints load as they are.
"""
from __future__ import annotations

import warnings

from minidl.linalg import vector_norm
from minidl.nn.module import Parameter
from minidl.nn.parameter import UninitializedParameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm", "norm_except_dim"]


def norm_except_dim(v, pow: float = 2, dim: int = 0):
    """The ``pow``-norm of ``v`` over every dimension except ``dim``, keeping the dimensions.

    Shape (1, ..., v.shape[dim], ..., 1); ``dim=-1`` is PyTorch's special case:
    the norm of the whole tensor, a 0-d tensor. Differentiable.
    """
    if dim == -1:
        return vector_norm(v, pow)
    if not -v.ndim <= dim < v.ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-v.ndim}, {v.ndim - 1}], "
                         f"but got {dim})")
    dim %= v.ndim
    others = tuple(d for d in range(v.ndim) if d != dim)
    if not others:  # a 1-D tensor normalised along its only dimension: each element's absolute value
        return v.abs()
    return vector_norm(v, pow, dim=others, keepdim=True)


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    def __init__(self, name: str, dim: int):
        if dim is None:
            dim = -1
        self.name = name
        self.dim = dim

    def compute_weight(self, module):
        """``g * v / norm_except_dim(v, 2, dim)`` from the module's current parameters (differentiable)."""
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / norm_except_dim(v, 2, self.dim))

    @staticmethod
    def apply(module, name: str, dim: int) -> "WeightNorm":
        """Split ``module.<name>`` into ``<name>_g`` and ``<name>_v`` and register the hook."""
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if isinstance(weight, UninitializedParameter):
            raise ValueError("The module passed to `WeightNorm` can't have uninitialized parameters. "
                             "Make sure to run the dummy forward before applying weight normalization")
        if name not in module._parameters:
            raise TypeError(f"weight_norm: '{name}' of {type(module).__name__} is not a parameter "
                            f"(got {type(weight).__name__})")
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, fn.dim).array.copy()))
        module.register_parameter(name + "_v", Parameter(weight.array))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module) -> None:
        """Fold ``g`` and ``v`` back into one parameter ``<name>``."""
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.array))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name: str = "weight", dim: int = 0):
    """Reparameterise ``module.<name>`` as ``g * v / ||v||`` (deprecated in PyTorch: warns; returns ``module``).

    Args:
        module: the module holding the parameter.
        name: the parameter's name.
        dim: the dimension that keeps its own norm (0: one norm per output
            channel/row); ``None`` normalises the whole tensor.

    Prefer :func:`minidl.nn.utils.parametrizations.weight_norm`, whose
    state-dict keys are ``parametrizations.weight.original0/1``.
    """
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name: str = "weight"):
    """Undo :func:`weight_norm`: ``module.<name>`` is a Parameter again (holding g * v / ||v||); returns ``module``."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
