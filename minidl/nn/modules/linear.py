"""``minidl.nn.modules.linear``: the names of ``torch.nn.modules.linear``, for scripts that import
them from there (``NonDynamicallyQuantizableLinear``, MultiheadAttention's ``out_proj`` class, is an
attribute outside ``__all__``, as in PyTorch)."""
from minidl.nn import (  # noqa: F401
    Bilinear,
    Identity,
    LazyLinear,
    Linear,
)
from minidl.nn.layers.attention import NonDynamicallyQuantizableLinear  # noqa: F401

__all__ = ["Bilinear", "Identity", "LazyLinear", "Linear"]
