"""``parameters_to_vector`` and ``vector_to_parameters`` (PyTorch's)."""
from __future__ import annotations

from minidl.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """Concatenate the flattened ``parameters`` into one 1-D Tensor (differentiable)."""
    from minidl.ops.shape import concat
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    device = params[0].device
    for p in params:
        if p.device != device:
            raise TypeError(f"parameters_to_vector: found parameters on different devices ({device} and "
                            f"{p.device})")
    return concat([p.reshape(-1) for p in params])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (in place, in order)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected vec to be a Tensor, but got: {type(vec).__name__}")
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = sum(int(p.array.size) for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ValueError(f"vector_to_parameters: vec of shape {tuple(vec.shape)} does not hold the "
                         f"{total} values of the parameters")
    pointer = 0
    for p in params:
        n = int(p.array.size)
        p.array[...] = vec.array[pointer:pointer + n].reshape(p.array.shape).astype(p.array.dtype, copy=False)
        pointer += n
