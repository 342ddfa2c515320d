"""Hyper-parameter checks shared by the optimisers (PyTorch's messages)."""
from __future__ import annotations


def check_non_negative(name: str, value) -> None:
    """Raise ValueError unless ``value`` >= 0."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name} value: {value}")


def check_unit_interval(name: str, value) -> None:
    """Raise ValueError unless 0 <= ``value`` < 1."""
    if not 0.0 <= value < 1.0:
        raise ValueError(f"Invalid {name} value: {value} (expected 0 <= {name} < 1)")


def implementation_flags(name: str, has: tuple, foreach=None, differentiable: bool = False, fused=None,
                         capturable: bool = False) -> dict:
    """PyTorch's implementation switches, kept in the param groups as PyTorch keeps them.

    ``foreach``, ``fused`` and ``capturable`` choose among PyTorch's kernels and
    do not change the update, so minidl records them and runs its one
    implementation. ``differentiable=True`` (an update recorded by autograd)
    is not available and raises. ``has`` names the flags this optimiser
    has (as PyTorch's signature lists them).
    """
    if differentiable:
        raise NotImplementedError(f"{name}: differentiable=True is not supported (minidl's optimiser "
                                  "steps run in place under no_grad)")
    flags = {"foreach": foreach, "differentiable": differentiable, "fused": fused, "capturable": capturable}
    return {k: flags[k] for k in has}
