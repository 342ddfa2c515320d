"""``minidl.nn.modules.adaptive``: the names of ``torch.nn.modules.adaptive``, for scripts that import
them from there."""
from minidl.nn import (  # noqa: F401
    AdaptiveLogSoftmaxWithLoss,
)

__all__ = ["AdaptiveLogSoftmaxWithLoss"]
