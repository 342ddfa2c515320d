"""``minidl.nn.modules.flatten``: the names of ``torch.nn.modules.flatten``, for scripts that import
them from there."""
from minidl.nn import (  # noqa: F401
    Flatten,
    Unflatten,
)

__all__ = ["Flatten", "Unflatten"]
