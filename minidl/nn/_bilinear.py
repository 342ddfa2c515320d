"""``F.bilinear``: y = x1^T A x2 + b, from matrix products (differentiable to every order)."""
from __future__ import annotations

from minidl.tensor import Tensor

__all__ = ["bilinear"]


def bilinear(input1, input2, weight, bias=None):
    """y[..., k] = sum_ij input1[..., i] * weight[k, i, j] * input2[..., j] + bias[k].

    Shapes: input1 (*, in1), input2 (*, in2), weight (out, in1, in2), bias (out,) -> (*, out).
    """
    for name, t in (("input1", input1), ("input2", input2), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"bilinear(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-dimensional (out, in1, in2), got {list(weight.shape)}")
    out, in1, in2 = weight.shape
    if input1.shape[-1:] != (in1,) or input2.shape[-1:] != (in2,) or input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input1 {list(input1.shape)} and input2 {list(input2.shape)} must have "
                           f"the same leading dims and last dims {in1} and {in2} (weight {list(weight.shape)})")
    lead = tuple(input1.shape[:-1])
    x1, x2 = input1.reshape(-1, in1), input2.reshape(-1, in2)
    mixed = x1 @ weight.permute(1, 0, 2).reshape(in1, out * in2)      # (B, out * in2)
    y = (mixed.reshape(-1, out, in2) * x2.unsqueeze(1)).sum(dim=2)      # (B, out)
    if bias is not None:
        y = y + bias
    return y.reshape(*lead, out)
