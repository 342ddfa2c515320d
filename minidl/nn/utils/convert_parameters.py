"""``parameters_to_vector`` and ``vector_to_parameters`` (PyTorch's)."""
from __future__ import annotations

from minidl.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_same_device(params):
    """Refuse parameters spread over several devices (TypeError, as PyTorch)."""
    device = None
    for p in params:
        if device is not None and p.device != device:
            raise TypeError(f"Found two parameters on different devices, this is currently not supported "
                            f"(got {device} and {p.device})")
        device = p.device


def parameters_to_vector(parameters):
    """Concatenate the flattened ``parameters`` into one 1-D Tensor (differentiable, dtypes promoted).

    Raises:
        ValueError: for no parameters at all (from ``cat``).
    """
    import minidl
    params = list(parameters)   # a lone Tensor is iterated (its rows), as PyTorch does
    _check_same_device(params)
    return minidl.cat([p.view(-1) for p in params])


def vector_to_parameters(vec, parameters):
    """Make ``parameters`` hold consecutive slices of the 1-D ``vec``: each ``p.data`` becomes a view of it.

    As PyTorch: the parameters then share ``vec``'s memory and take its dtype, values past the last
    parameter are ignored, and a ``vec`` too short for a parameter raises RuntimeError.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected minidl.Tensor, but got: {type(vec).__name__}")
    params = list(parameters)   # a lone Tensor is iterated: its rows get the values, not itself (PyTorch's)
    _check_same_device(params)
    pointer = 0
    for p in params:
        n = p.numel()
        piece = vec[pointer:pointer + n]
        if piece.numel() != n:
            raise RuntimeError(f"shape '{list(p.shape)}' is invalid for input of size {piece.numel()}")
        p.data = piece.view_as(p).data
        pointer += n
