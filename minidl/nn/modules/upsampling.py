"""``minidl.nn.modules.upsampling``: the names of ``torch.nn.modules.upsampling``, for scripts that import
them from there."""
from minidl.nn import (  # noqa: F401
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
)

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]
