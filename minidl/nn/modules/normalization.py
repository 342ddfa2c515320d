"""``minidl.nn.modules.normalization``: the names of ``torch.nn.modules.normalization``, for scripts that import
them from there."""
from minidl.nn import (  # noqa: F401
    CrossMapLRN2d,
    GroupNorm,
    LayerNorm,
    LocalResponseNorm,
    RMSNorm,
)

__all__ = ["LocalResponseNorm", "CrossMapLRN2d", "LayerNorm", "GroupNorm", "RMSNorm"]
