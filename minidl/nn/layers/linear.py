"""``Linear`` (y = x W^T + b) and ``Identity``."""
from __future__ import annotations

import numpy as np

import minidl.nn.functional as F
from minidl._errors import ShapeError
from minidl.nn.layers._utils import _count, _factory, _place, _shape, default_init_
from minidl.nn.module import Module, Parameter

__all__ = ["Identity", "Linear"]


class Identity(Module):
    """Returns its input unchanged; accepts (and ignores) any constructor arguments."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        """(*) -> (*), the same object."""
        return input


class Linear(Module):
    """Fully connected layer: ``y = x @ weight.T + bias``.

    Args:
        in_features, out_features: sizes of each input and output sample.
        bias: learn an additive bias (default True).
        device, dtype: where and in which floating type to create the parameters.

    Shapes: input (*, in_features) -> output (*, out_features).
    Attributes: ``weight`` (out_features, in_features) ~ kaiming_uniform_(a=sqrt(5)),
    i.e. U(-1/sqrt(in_features), 1/sqrt(in_features)); ``bias`` (out_features,) ~
    the same uniform.

    >>> import minidl as mdl, minidl.nn as nn
    >>> fc = nn.Linear(20, 30)
    >>> fc(mdl.randn(128, 20)).shape
    minidl.Size([128, 30])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        dev, dt = _factory(device, dtype)
        self.in_features = _count("Linear", "in_features", in_features)
        self.out_features = _count("Linear", "out_features", out_features)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((self.out_features,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        _place(self, dev)

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        default_init_(self.weight, self.bias)

    def forward(self, input):
        """(*, in_features) -> (*, out_features)."""
        shape = _shape(input)
        if len(shape) == 0 or shape[-1] != self.in_features:
            raise ShapeError(f"{self!r}: expected input with in_features={self.in_features} "
                             f"in its last dimension, got input of shape {shape}")
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
