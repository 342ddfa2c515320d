"""``minidl.nn.modules.pixelshuffle``: the names of ``torch.nn.modules.pixelshuffle``, for scripts that import
them from there."""
from minidl.nn import (  # noqa: F401
    PixelShuffle,
    PixelUnshuffle,
)

__all__ = ["PixelShuffle", "PixelUnshuffle"]
