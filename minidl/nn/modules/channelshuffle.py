"""``minidl.nn.modules.channelshuffle``: the names of ``torch.nn.modules.channelshuffle``, for scripts that import
them from there."""
from minidl.nn import (  # noqa: F401
    ChannelShuffle,
)

__all__ = ["ChannelShuffle"]
