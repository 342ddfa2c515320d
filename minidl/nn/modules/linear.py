"""``minidl.nn.modules.linear``: the names of ``torch.nn.modules.linear``, for scripts that import
them from there."""
from minidl.nn import (  # noqa: F401
    Bilinear,
    Identity,
    LazyLinear,
    Linear,
)

__all__ = ["Bilinear", "Identity", "LazyLinear", "Linear"]
